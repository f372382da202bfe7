using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Transport;

/// <summary>
/// UDP header (RFC 768), 8 bytes, big-endian.
/// <code>
///  0             2                  4        6          8
///  | Source Port | Destination Port | Length | Checksum | data ...
/// </code>
/// The length field covers header and data. It is checked against the length the IP header states for the datagram (not
/// the captured bytes, so a snap-length cut is not blamed on UDP): below 8 adds <see cref="Anomaly.UdpLengthTooSmall"/> and
/// the IP length is used; above it adds <see cref="Anomaly.UdpLengthPastEnd"/>. A length below the IP length trims the
/// payload (trailing bytes are padding). The payload is always clipped to what was captured.
/// </summary>
public readonly ref struct UdpHeader
{
    public const int Length = 8;
    private const int LengthOffset = 4;
    private const int ChecksumOffset = 6;

    private readonly ReadOnlySpan<byte> _header;

    private UdpHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        _header = header;
        Payload = payload;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_header);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_header[2..]);
    public ushort LengthField => BinaryPrimitives.ReadUInt16BigEndian(_header[LengthOffset..]);
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_header[ChecksumOffset..]);
    public ReadOnlySpan<byte> Payload { get; }

    /// <param name="segment">The captured bytes from the UDP header on (already clipped to the IP datagram).</param>
    /// <param name="statedLength">The UDP length the IP header implies (its datagram length minus the headers before UDP).</param>
    /// <param name="anomalies">Receives length anomalies.</param>
    /// <param name="header">The header; false only when fewer than 8 bytes were captured.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> segment, int statedLength, ref AnomalySet anomalies, out UdpHeader header)
    {
        header = default;
        if (segment.Length < Length)
        {
            anomalies.Add(Anomaly.UdpPacketTooSmall);
            return false;
        }

        int length = BinaryPrimitives.ReadUInt16BigEndian(segment[LengthOffset..]);
        if (length < Length)
        {
            anomalies.Add(Anomaly.UdpLengthTooSmall);
            length = statedLength;
        }
        else if (length > statedLength)
        {
            anomalies.Add(Anomaly.UdpLengthPastEnd);
        }

        int end = Math.Min(length, segment.Length);
        if (end < Length)
            end = Length;
        header = new UdpHeader(segment[..Length], segment[Length..end]);
        return true;
    }
}
