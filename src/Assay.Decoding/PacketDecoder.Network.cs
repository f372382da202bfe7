using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using Assay.Decoding.Network;

namespace Assay.Decoding;

public static partial class PacketDecoder
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool DecodeIPv4(ReadOnlySpan<byte> frame, int offset, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        if (!IPv4Header.TryRead(frame[offset..], ref anomalies, out IPv4Header ip))
            return false;

        packet.Layers |= PacketLayers.IPv4;
        packet.IPVersion = 4;
        packet.Ttl = ip.Ttl;
        packet.Protocol = ip.Protocol;
        packet.Source = IPv4Header.ToMapped(ip.SourceAddress);
        packet.Destination = IPv4Header.ToMapped(ip.DestinationAddress);
        packet.NetworkOffset = offset;
        packet.NetworkLength = ip.DatagramLength;
        packet.FragmentId = ip.Identification;
        int headerLength = ip.HeaderLength;
        int payloadOffset = offset + headerLength;
        if (ip.IsFragment)
        {
            // The transport header is only whole in a reassembled datagram; Protocol is still known (flow keying, stats).
            packet.Layers |= PacketLayers.Fragment;
            packet.FragmentOffset = ip.FragmentOffset;
            packet.MoreFragments = ip.MoreFragments;
            packet.FragmentPayloadOffset = payloadOffset;
            packet.FragmentPayloadLength = ip.Payload.Length;
            return true;
        }

        DecodeTransport(payloadOffset, ip.Payload, ip.DatagramLength - headerLength, ref packet, ref anomalies);
        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool DecodeIPv6(ReadOnlySpan<byte> frame, int offset, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        if (!IPv6Header.TryRead(frame[offset..], ref anomalies, out IPv6Header ip))
            return false;

        packet.Layers |= PacketLayers.IPv6;
        packet.IPVersion = 6;
        packet.Ttl = ip.HopLimit;
        packet.Source = ip.Source;
        packet.Destination = ip.Destination;
        packet.NetworkOffset = offset;
        packet.NetworkLength = ip.DatagramLength;
        byte next = ip.NextHeader;
        ReadOnlySpan<byte> rest = ip.Payload;
        int restOffset = offset + IPv6Header.Length;
        if (IPv6ExtensionHeader.IsExtension(next)
            && !WalkExtensionHeaders(offset, ref next, ref rest, ref restOffset, ref packet, ref anomalies))
        {
            return true;                                  // a fragment, or a malformed chain: Protocol is already set
        }

        packet.Protocol = next;
        DecodeTransport(restOffset, rest, ip.DatagramLength - (restOffset - offset), ref packet, ref anomalies);
        return true;
    }

    /// <summary>
    /// Walks IPv6 extension headers (RFC 8200 §4) until an upper-layer protocol. Returns <see langword="false"/> when the
    /// walk stops short of one — a non-atomic fragment header (the fragment fields are filled) or a malformed / too long
    /// chain — with <see cref="DecodedPacket.Protocol"/> set to the header where it stopped (for a fragment, the header's
    /// next-header value).
    /// </summary>
    private static bool WalkExtensionHeaders(
        int networkOffset, ref byte next, ref ReadOnlySpan<byte> rest, ref int restOffset,
        ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        int count = 0;
        bool sawFragment = false;
        while (IPv6ExtensionHeader.IsExtension(next))
        {
            if (count == IPv6ExtensionHeader.MaxHeaders)
            {
                anomalies.Add(Anomaly.IPv6TooManyExtensionHeaders);
                packet.Protocol = next;
                return false;
            }

            count++;
            if (next == (byte)IpProtocol.Fragment)
            {
                if (!IPv6FragmentHeader.TryRead(rest, ref anomalies, out IPv6FragmentHeader fragment))
                {
                    packet.Protocol = next;
                    return false;
                }

                if (sawFragment)
                    anomalies.Add(Anomaly.IPv6DuplicateFragmentHeader);
                sawFragment = true;
                packet.FragmentId = fragment.Identification;
                packet.FragmentNextHeader = fragment.NextHeader;
                if (!fragment.IsAtomic)
                {
                    packet.Layers |= PacketLayers.Fragment;
                    packet.Protocol = fragment.NextHeader;
                    packet.FragmentOffset = fragment.FragmentOffset;
                    packet.MoreFragments = fragment.MoreFragments;
                    packet.UnfragmentableLength = restOffset - networkOffset;
                    packet.FragmentPayloadOffset = restOffset + IPv6FragmentHeader.Length;
                    packet.FragmentPayloadLength = rest.Length - IPv6FragmentHeader.Length;
                    return false;
                }

                // RFC 6946: an atomic fragment is processed as a whole packet, never queued for reassembly.
                anomalies.Add(Anomaly.IPv6AtomicFragment);
                next = fragment.NextHeader;
                rest = rest[IPv6FragmentHeader.Length..];
                restOffset += IPv6FragmentHeader.Length;
                continue;
            }

            if (!IPv6ExtensionHeader.TryRead(next, rest, ref anomalies, out IPv6ExtensionHeader extension))
            {
                packet.Protocol = next;
                return false;
            }

            switch (next)
            {
                case (byte)IpProtocol.HopByHop:
                    if (count != 1)
                        anomalies.Add(Anomaly.IPv6HopByHopNotFirst);    // RFC 8200 §4.1: only immediately after the header
                    IPv6ExtensionHeader.ValidateOptions(extension.Options, ref anomalies);
                    break;
                case (byte)IpProtocol.DestinationOptions:
                    IPv6ExtensionHeader.ValidateOptions(extension.Options, ref anomalies);
                    break;
                case (byte)IpProtocol.Routing:
                    if (extension.RoutingType == 0)
                        anomalies.Add(Anomaly.IPv6RoutingType0);        // deprecated by RFC 5095 (amplification)
                    break;
                default:
                    break;
            }

            next = extension.NextHeader;
            rest = rest[extension.Length..];
            restOffset += extension.Length;
        }

        return true;
    }

    private static bool DecodeArp(ReadOnlySpan<byte> frame, int offset, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        if (!ArpPacket.TryRead(frame[offset..], ref anomalies, out ArpPacket arp))
            return false;

        packet.Layers |= PacketLayers.Arp;
        packet.ArpOperation = arp.Operation;
        packet.NetworkOffset = offset;
        packet.NetworkLength = arp.Length;
        if (arp.IsEthernetIPv4)
        {
            packet.Source = IPv4Header.ToMapped(BinaryPrimitives.ReadUInt32BigEndian(arp.SenderProtocolAddress));
            packet.Destination = IPv4Header.ToMapped(BinaryPrimitives.ReadUInt32BigEndian(arp.TargetProtocolAddress));
        }

        return true;
    }
}
