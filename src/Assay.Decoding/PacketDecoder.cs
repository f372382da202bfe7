using System.Runtime.CompilerServices;
using Assay.Decoding.Link;

namespace Assay.Decoding;

/// <summary>
/// Decodes a frame from its link layer down to the transport header. Never throws on input and never allocates: every
/// layer is a <see langword="ref struct"/> reader over the frame, and what they learn is copied into a
/// <see cref="DecodedPacket"/> of plain values and offsets.
/// </summary>
/// <remarks>
/// Layers are split by concern: this file dispatches on the link type and walks the link layer (Ethernet, VLAN, MPLS,
/// SLL, NULL/LOOP, raw); <c>PacketDecoder.Network.cs</c> decodes IPv4, IPv6 and ARP; <c>PacketDecoder.Transport.cs</c>
/// decodes TCP, UDP, ICMP, ICMPv6 and SCTP.
/// </remarks>
public static partial class PacketDecoder
{
    /// <summary>
    /// Decodes <paramref name="frame"/> captured on <paramref name="linkType"/> into <paramref name="packet"/> (which is reset first).
    /// </summary>
    /// <param name="linkType">A LINKTYPE_ number (<see cref="LinkTypes"/>).</param>
    /// <param name="frame">The captured bytes.</param>
    /// <param name="packet">Reset, then filled with what could be decoded.</param>
    /// <param name="anomalies">Receives every malformation and cap hit; not cleared.</param>
    /// <returns><see langword="false"/> when no IP or ARP layer could be decoded; the reasons are in <paramref name="anomalies"/>.
    /// A packet whose transport header is malformed still returns <see langword="true"/> with its IP fields set.</returns>
    public static bool TryDecode(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        packet = default;
        packet.TcpWindowScale = DecodedPacket.NoWindowScale;
        switch (linkType)
        {
            case LinkTypes.Ethernet:
                return DecodeEthernet(frame, ref packet, ref anomalies);
            case LinkTypes.Raw or LinkTypes.RawBsd12 or LinkTypes.RawBsd14:
                return DecodeRaw(frame, ref packet, ref anomalies);
            case LinkTypes.IPv4:
                packet.EtherType = (ushort)EtherType.IPv4;
                return DecodeIPv4(frame, 0, ref packet, ref anomalies);
            case LinkTypes.IPv6:
                packet.EtherType = (ushort)EtherType.IPv6;
                return DecodeIPv6(frame, 0, ref packet, ref anomalies);
            case LinkTypes.LinuxSll:
                return SllHeader.TryRead(frame, ref anomalies, out SllHeader sll)
                    && DecodeEtherType(frame, SllHeader.Length, sll.Protocol, ref packet, ref anomalies);
            case LinkTypes.LinuxSll2:
                return Sll2Header.TryRead(frame, ref anomalies, out Sll2Header sll2)
                    && DecodeEtherType(frame, Sll2Header.Length, sll2.Protocol, ref packet, ref anomalies);
            case LinkTypes.Null or LinkTypes.Loop:
                return NullHeader.TryRead(frame, bigEndian: linkType == LinkTypes.Loop, ref anomalies, out NullHeader loopback)
                    && DecodeEtherType(frame, NullHeader.Length, loopback.EtherType, ref packet, ref anomalies);
            default:
                anomalies.Add(Anomaly.LinkTypeUnsupported);
                return false;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool DecodeEthernet(ReadOnlySpan<byte> frame, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        if (!EthernetHeader.TryRead(frame, ref anomalies, out EthernetHeader ethernet))
            return false;

        packet.Layers = PacketLayers.Ethernet;
        ushort etherType = ethernet.EtherType;
        // Common case first: untagged IPv4 skips the encapsulation loop.
        if (etherType == (ushort)EtherType.IPv4)
        {
            packet.EtherType = etherType;
            return DecodeIPv4(frame, EthernetHeader.Length, ref packet, ref anomalies);
        }

        return DecodeEtherType(frame, EthernetHeader.Length, etherType, ref packet, ref anomalies);
    }

    /// <summary>
    /// Follows EtherTypes from <paramref name="offset"/>: VLAN tags (up to <see cref="VlanTag.MaxLayers"/>), MPLS label stacks
    /// (up to <see cref="MplsLabelStack.MaxLabels"/> labels in all, an Ethernet pseudowire re-entering the loop), then the
    /// network layer. Every step consumes bytes and both caps are global, so the loop is bounded.
    /// </summary>
    private static bool DecodeEtherType(ReadOnlySpan<byte> frame, int offset, ushort etherType, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        while (true)
        {
            switch (etherType)
            {
                case (ushort)EtherType.IPv4:
                    packet.EtherType = etherType;
                    return DecodeIPv4(frame, offset, ref packet, ref anomalies);
                case (ushort)EtherType.IPv6:
                    packet.EtherType = etherType;
                    return DecodeIPv6(frame, offset, ref packet, ref anomalies);
                case (ushort)EtherType.Arp or (ushort)EtherType.Rarp:
                    packet.EtherType = etherType;
                    return DecodeArp(frame, offset, ref packet, ref anomalies);
                case (ushort)EtherType.Vlan or (ushort)EtherType.QinQ or (ushort)EtherType.QinQLegacy:
                    if (packet.VlanCount == VlanTag.MaxLayers)
                    {
                        anomalies.Add(Anomaly.VlanTooManyLayers);
                        return false;
                    }

                    if (!VlanTag.TryRead(frame[offset..], ref anomalies, out VlanTag tag))
                        return false;
                    packet.Layers |= PacketLayers.Vlan;
                    if (packet.VlanCount == 0)
                        packet.VlanId = tag.VlanId;
                    else if (packet.VlanCount == 1)
                        packet.VlanId2 = tag.VlanId;
                    packet.VlanCount++;
                    etherType = tag.EtherType;
                    offset += VlanTag.Length;
                    break;
                case (ushort)EtherType.MplsUnicast or (ushort)EtherType.MplsMulticast:
                    if (!DecodeMpls(frame, ref offset, ref etherType, ref packet, ref anomalies))
                        return false;
                    break;
                default:
                    packet.EtherType = etherType;
                    anomalies.Add(Anomaly.EtherTypeUnknown);
                    return false;
            }
        }
    }

    /// <summary>Consumes one label stack and what it carries; on success <paramref name="etherType"/> names the next layer.</summary>
    private static bool DecodeMpls(ReadOnlySpan<byte> frame, ref int offset, ref ushort etherType, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        packet.Layers |= PacketLayers.Mpls;
        int remaining = MplsLabelStack.MaxLabels - packet.MplsLabelCount;
        if (!MplsLabelStack.TryRead(frame[offset..], remaining, ref anomalies, out MplsLabelStack stack))
            return false;
        if (packet.MplsLabelCount == 0)
            packet.MplsLabel = stack.TopLabel;
        packet.MplsLabelCount += (byte)stack.LabelCount;
        offset += stack.Length;
        switch (stack.PayloadType)
        {
            case MplsPayload.IPv4:
                etherType = (ushort)EtherType.IPv4;
                return true;
            case MplsPayload.IPv6:
                etherType = (ushort)EtherType.IPv6;
                return true;
            default:
                // Ethernet pseudowire: skip the control word, then an inner Ethernet header whose EtherType continues the loop.
                offset += MplsLabelStack.ControlWordLength;
                if (offset > frame.Length)
                {
                    anomalies.Add(Anomaly.MplsHeaderTooSmall);
                    return false;
                }

                if (!EthernetHeader.TryRead(frame[offset..], ref anomalies, out EthernetHeader inner))
                    return false;
                etherType = inner.EtherType;
                offset += EthernetHeader.Length;
                return true;
        }
    }

    /// <summary>Raw IP (LINKTYPE_RAW and the DLT_RAW numbers): the version nibble picks IPv4 or IPv6.</summary>
    private static bool DecodeRaw(ReadOnlySpan<byte> frame, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        if (frame.IsEmpty)
        {
            anomalies.Add(Anomaly.IPv4PacketTooSmall);
            return false;
        }

        switch (frame[0] >> 4)
        {
            case 4:
                packet.EtherType = (ushort)EtherType.IPv4;
                return DecodeIPv4(frame, 0, ref packet, ref anomalies);
            case 6:
                packet.EtherType = (ushort)EtherType.IPv6;
                return DecodeIPv6(frame, 0, ref packet, ref anomalies);
            default:
                anomalies.Add(Anomaly.IPRawInvalidVersion);
                return false;
        }
    }
}
