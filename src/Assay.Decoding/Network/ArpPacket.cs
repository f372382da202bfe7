using System.Buffers.Binary;

namespace Assay.Decoding.Network;

/// <summary>
/// ARP packet (RFC 826). Fixed 8-byte part, then sender/target hardware and protocol addresses of the stated lengths.
/// <code>
///  0        2        4      5      6           8
///  | htype  | ptype  | hlen | plen | operation | sha (hlen) | spa (plen) | tha (hlen) | tpa (plen) |
/// </code>
/// Only Ethernet/IPv4 ARP (htype 1, ptype 0x0800, 6/4) has addresses the rest of the pipeline can key on.
/// </summary>
public readonly ref struct ArpPacket
{
    public const int FixedLength = 8;

    /// <summary>The length of Ethernet/IPv4 ARP: 8 + 2 × (6 + 4).</summary>
    public const int EthernetIPv4Length = 28;

    private const ushort HardwareTypeEthernet = 1;
    private const ushort ProtocolTypeIPv4 = 0x0800;
    private const int ProtocolTypeOffset = 2;
    private const int HardwareLengthOffset = 4;
    private const int ProtocolLengthOffset = 5;
    private const int OperationOffset = 6;

    private readonly ReadOnlySpan<byte> _packet;          // exactly Length bytes

    private ArpPacket(ReadOnlySpan<byte> packet) => _packet = packet;

    public ushort HardwareType => BinaryPrimitives.ReadUInt16BigEndian(_packet);
    public ushort ProtocolType => BinaryPrimitives.ReadUInt16BigEndian(_packet[ProtocolTypeOffset..]);
    public byte HardwareAddressLength => _packet[HardwareLengthOffset];
    public byte ProtocolAddressLength => _packet[ProtocolLengthOffset];

    /// <summary>1 request, 2 reply (RFC 826); 3/4 RARP (RFC 903); others per IANA.</summary>
    public ushort Operation => BinaryPrimitives.ReadUInt16BigEndian(_packet[OperationOffset..]);

    public int Length => _packet.Length;

    public bool IsEthernetIPv4 =>
        HardwareType == HardwareTypeEthernet && ProtocolType == ProtocolTypeIPv4
        && HardwareAddressLength == 6 && ProtocolAddressLength == 4;

    public ReadOnlySpan<byte> SenderHardwareAddress => _packet.Slice(FixedLength, HardwareAddressLength);
    public ReadOnlySpan<byte> SenderProtocolAddress => _packet.Slice(FixedLength + HardwareAddressLength, ProtocolAddressLength);
    public ReadOnlySpan<byte> TargetHardwareAddress =>
        _packet.Slice(FixedLength + HardwareAddressLength + ProtocolAddressLength, HardwareAddressLength);
    public ReadOnlySpan<byte> TargetProtocolAddress =>
        _packet.Slice(FixedLength + (2 * HardwareAddressLength) + ProtocolAddressLength, ProtocolAddressLength);

    /// <returns><see langword="false"/> when the fixed part or the addresses it announces are not all there.</returns>
    public static bool TryRead(ReadOnlySpan<byte> data, ref AnomalySet anomalies, out ArpPacket packet)
    {
        packet = default;
        if (data.Length < FixedLength)
        {
            anomalies.Add(Anomaly.ArpPacketTooSmall);
            return false;
        }

        int length = FixedLength + (2 * (data[HardwareLengthOffset] + data[ProtocolLengthOffset]));
        if (length > data.Length)
        {
            anomalies.Add(Anomaly.ArpPacketTooSmall);
            return false;
        }

        packet = new ArpPacket(data[..length]);
        return true;
    }
}
