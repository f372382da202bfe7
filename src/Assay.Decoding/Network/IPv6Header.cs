using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Network;

/// <summary>
/// IPv6 fixed header (RFC 8200 §3). All fields big-endian.
/// <code>
///  0       4               12                      32
///  |Version| Traffic Class |       Flow Label       |
///  |        Payload Length        | Next Header | Hop Limit |
///  |              Source Address (16 bytes)               |
///  |            Destination Address (16 bytes)            |
/// </code>
/// A payload length of 0 is a jumbogram (RFC 2675) or, far more often, an offloaded super-segment captured on the sending
/// host; either way the captured bytes are taken as the payload. A payload length beyond the captured bytes is reported
/// (<see cref="Anomaly.IPv6PayloadLengthPastEnd"/>) and the payload clipped.
/// </summary>
public readonly ref struct IPv6Header
{
    public const int Length = 40;
    private const int PayloadLengthOffset = 4;
    private const int NextHeaderOffset = 6;
    private const int HopLimitOffset = 7;
    private const int SourceOffset = 8;
    private const int DestinationOffset = 24;

    private readonly ReadOnlySpan<byte> _header;          // exactly Length bytes

    private IPv6Header(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload, int datagramLength)
    {
        _header = header;
        Payload = payload;
        DatagramLength = datagramLength;
    }

    public byte TrafficClass => (byte)(BinaryPrimitives.ReadUInt16BigEndian(_header) >> 4);
    public uint FlowLabel => BinaryPrimitives.ReadUInt32BigEndian(_header) & 0x000F_FFFF;
    public ushort PayloadLength => BinaryPrimitives.ReadUInt16BigEndian(_header[PayloadLengthOffset..]);
    public byte NextHeader => _header[NextHeaderOffset];
    public byte HopLimit => _header[HopLimitOffset];
    public UInt128 Source => ReadAddress(_header[SourceOffset..]);
    public UInt128 Destination => ReadAddress(_header[DestinationOffset..]);

    /// <summary>40 + payload length, or the captured length for a zero payload length (jumbogram / offload).</summary>
    public int DatagramLength { get; }

    /// <summary>Extension headers and upper-layer data, clipped to the payload length and to what was captured.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt128 ReadAddress(ReadOnlySpan<byte> address) =>
        new(BinaryPrimitives.ReadUInt64BigEndian(address), BinaryPrimitives.ReadUInt64BigEndian(address[8..]));

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> packet, ref AnomalySet anomalies, out IPv6Header header)
    {
        header = default;
        if (packet.Length < Length)
        {
            anomalies.Add(Anomaly.IPv6PacketTooSmall);
            return false;
        }

        if ((packet[0] >> 4) != 6)
        {
            anomalies.Add(Anomaly.IPv6WrongVersion);
            return false;
        }

        int payloadLength = BinaryPrimitives.ReadUInt16BigEndian(packet[PayloadLengthOffset..]);
        int datagramLength = Length + payloadLength;
        int end = datagramLength;
        if (payloadLength == 0)
        {
            datagramLength = end = packet.Length;
        }
        else if (end > packet.Length)
        {
            anomalies.Add(Anomaly.IPv6PayloadLengthPastEnd);
            end = packet.Length;
        }

        header = new IPv6Header(packet[..Length], packet[Length..end], datagramLength);
        return true;
    }
}
