using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Transport;

/// <summary>
/// TCP header (RFC 9293 §3.1). Fixed part 20 bytes; options up to 40; all fields big-endian.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// |          Source Port          |       Destination Port        |
/// |                        Sequence Number                        |
/// |                    Acknowledgment Number                      |
/// |  Data |       |C|E|U|A|P|R|S|F|                               |
/// | Offset| Rsrvd |W|C|R|C|S|S|Y|I|            Window             |
/// |           Checksum            |         Urgent Pointer        |
/// |                    Options                    |    Padding    |
/// </code>
/// </summary>
public readonly ref struct TcpHeader
{
    public const int MinLength = 20;
    public const int MaxLength = 60;
    private const int SequenceOffset = 4;
    private const int AcknowledgmentOffset = 8;
    private const int DataOffsetOffset = 12;
    private const int FlagsOffset = 13;
    private const int WindowOffset = 14;
    private const int ChecksumOffset = 16;
    private const int UrgentPointerOffset = 18;

    private readonly ReadOnlySpan<byte> _header;          // exactly HeaderLength bytes

    private TcpHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        _header = header;
        Payload = payload;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_header);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_header[2..]);
    public uint SequenceNumber => BinaryPrimitives.ReadUInt32BigEndian(_header[SequenceOffset..]);
    public uint AcknowledgmentNumber => BinaryPrimitives.ReadUInt32BigEndian(_header[AcknowledgmentOffset..]);
    public TcpFlags Flags => (TcpFlags)_header[FlagsOffset];
    public ushort Window => BinaryPrimitives.ReadUInt16BigEndian(_header[WindowOffset..]);
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_header[ChecksumOffset..]);
    public ushort UrgentPointer => BinaryPrimitives.ReadUInt16BigEndian(_header[UrgentPointerOffset..]);
    public int HeaderLength => _header.Length;
    public ReadOnlySpan<byte> Options => _header[MinLength..];
    public ReadOnlySpan<byte> Payload { get; }

    /// <returns><see langword="false"/> when the segment is malformed; the reason is added to <paramref name="anomalies"/>.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> segment, ref AnomalySet anomalies, out TcpHeader header)
    {
        header = default;
        if (segment.Length < MinLength)
        {
            anomalies.Add(Anomaly.TcpPacketTooSmall);
            return false;
        }

        int headerLength = (segment[DataOffsetOffset] >> 4) * 4;
        // One unsigned compare covers both "shorter than 20" (wraps to a huge value) and "longer than the segment".
        if ((uint)(headerLength - MinLength) > (uint)(segment.Length - MinLength))
        {
            anomalies.Add(headerLength < MinLength ? Anomaly.TcpHeaderLengthTooSmall : Anomaly.TcpHeaderLengthPastEnd);
            return false;
        }

        header = new TcpHeader(segment[..headerLength], segment[headerLength..]);
        return true;
    }

    /// <summary>
    /// Flag combinations no conforming stack sends: SYN with FIN or RST (scanners, OS fingerprinting), and no flags at all
    /// (a "null scan"). FIN/PSH/URG without ACK is left alone: it is legal, if odd.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsInvalidCombination(TcpFlags flags) =>
        flags == TcpFlags.None
        || (flags & (TcpFlags.Syn | TcpFlags.Fin)) == (TcpFlags.Syn | TcpFlags.Fin)
        || (flags & (TcpFlags.Syn | TcpFlags.Rst)) == (TcpFlags.Syn | TcpFlags.Rst);
}
