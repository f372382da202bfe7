using System.Runtime.CompilerServices;
using Assay.Decoding.Transport;

namespace Assay.Decoding;

public static partial class PacketDecoder
{
    /// <param name="offset">Where <paramref name="segment"/> starts in the frame.</param>
    /// <param name="segment">The upper-layer bytes, clipped to the IP datagram and to what was captured.</param>
    /// <param name="statedLength">The upper-layer length the IP header implies (may exceed <paramref name="segment"/> when truncated).</param>
    /// <param name="packet">Protocol and IP version already set.</param>
    /// <param name="anomalies">Receives transport anomalies.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DecodeTransport(
        int offset, ReadOnlySpan<byte> segment, int statedLength, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        packet.TransportOffset = offset;
        switch (packet.Protocol)
        {
            case (byte)IpProtocol.Tcp:
                DecodeTcp(offset, segment, ref packet, ref anomalies);
                break;
            case (byte)IpProtocol.Udp:
                DecodeUdp(offset, segment, statedLength, ref packet, ref anomalies);
                break;
            case (byte)IpProtocol.Icmp:
                if (packet.IPVersion == 6)
                    anomalies.Add(Anomaly.IPv6IcmpV4);
                DecodeIcmp(offset, segment, PacketLayers.Icmp, Anomaly.IcmpPacketTooSmall, ref packet, ref anomalies);
                break;
            case (byte)IpProtocol.IcmpV6:
                if (packet.IPVersion == 4)
                    anomalies.Add(Anomaly.IcmpV6WrongIPVersion);
                DecodeIcmp(offset, segment, PacketLayers.IcmpV6, Anomaly.IcmpV6PacketTooSmall, ref packet, ref anomalies);
                break;
            case (byte)IpProtocol.Sctp:
                DecodeSctp(offset, segment, ref packet, ref anomalies);
                break;
            default:
                // GRE, ESP, IP-in-IP, ... : no ports; the payload is whatever follows the IP headers.
                packet.Layers |= PacketLayers.OtherTransport;
                packet.PayloadOffset = offset;
                packet.PayloadLength = segment.Length;
                break;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void DecodeTcp(int offset, ReadOnlySpan<byte> segment, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        if (!TcpHeader.TryRead(segment, ref anomalies, out TcpHeader tcp))
            return;

        packet.Layers |= PacketLayers.Tcp;
        packet.SourcePort = tcp.SourcePort;
        packet.DestinationPort = tcp.DestinationPort;
        packet.TcpSequence = tcp.SequenceNumber;
        packet.TcpAcknowledgment = tcp.AcknowledgmentNumber;
        packet.TcpWindow = tcp.Window;
        TcpFlags flags = tcp.Flags;
        packet.TcpFlags = flags;
        if (TcpHeader.IsInvalidCombination(flags))
            anomalies.Add(Anomaly.TcpInvalidFlags);
        int headerLength = tcp.HeaderLength;
        if (headerLength > TcpHeader.MinLength)
            TcpOptions.Read(tcp.Options, ref packet, ref anomalies);
        packet.PayloadOffset = offset + headerLength;
        packet.PayloadLength = tcp.Payload.Length;
    }

    private static void DecodeUdp(int offset, ReadOnlySpan<byte> segment, int statedLength, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        if (!UdpHeader.TryRead(segment, statedLength, ref anomalies, out UdpHeader udp))
            return;

        packet.Layers |= PacketLayers.Udp;
        packet.SourcePort = udp.SourcePort;
        packet.DestinationPort = udp.DestinationPort;
        packet.PayloadOffset = offset + UdpHeader.Length;
        packet.PayloadLength = udp.Payload.Length;
    }

    private static void DecodeIcmp(
        int offset, ReadOnlySpan<byte> segment, PacketLayers layer, Anomaly tooSmall, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        if (!IcmpHeader.TryRead(segment, tooSmall, ref anomalies, out IcmpHeader icmp))
            return;

        packet.Layers |= layer;
        packet.IcmpType = icmp.Type;
        packet.IcmpCode = icmp.Code;
        packet.PayloadOffset = offset + IcmpHeader.Length;
        packet.PayloadLength = icmp.Payload.Length;
    }

    private static void DecodeSctp(int offset, ReadOnlySpan<byte> segment, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        if (!SctpHeader.TryRead(segment, ref anomalies, out SctpHeader sctp))
            return;

        packet.Layers |= PacketLayers.Sctp;
        packet.SourcePort = sctp.SourcePort;
        packet.DestinationPort = sctp.DestinationPort;
        packet.PayloadOffset = offset + SctpHeader.Length;
        packet.PayloadLength = sctp.Payload.Length;
    }
}
