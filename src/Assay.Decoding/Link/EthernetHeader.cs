using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Link;

/// <summary>
/// Ethernet II header (IEEE 802.3 clause 3.1.1, EtherType form). The FCS is not captured by libpcap and is not expected.
/// <code>
///  0                 6                 12        14
///  | destination MAC | source MAC      | EtherType | payload ...
/// </code>
/// </summary>
public readonly ref struct EthernetHeader
{
    public const int Length = 14;
    private const int SourceOffset = 6;
    private const int EtherTypeOffset = 12;

    private readonly ReadOnlySpan<byte> _header;          // exactly Length bytes

    private EthernetHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        _header = header;
        Payload = payload;
    }

    public ReadOnlySpan<byte> Destination => _header[..SourceOffset];
    public ReadOnlySpan<byte> Source => _header[SourceOffset..EtherTypeOffset];

    /// <summary>The EtherType, or an 802.3 length when below 0x0600 (LLC frames, which carry no IP).</summary>
    public ushort EtherType => BinaryPrimitives.ReadUInt16BigEndian(_header[EtherTypeOffset..]);
    public ReadOnlySpan<byte> Payload { get; }

    /// <returns><see langword="false"/> when the frame is shorter than the header (<see cref="Anomaly.EthernetPacketTooSmall"/>).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> frame, ref AnomalySet anomalies, out EthernetHeader header)
    {
        if (frame.Length < Length)
        {
            header = default;
            anomalies.Add(Anomaly.EthernetPacketTooSmall);
            return false;
        }

        header = new EthernetHeader(frame[..Length], frame[Length..]);
        return true;
    }
}
