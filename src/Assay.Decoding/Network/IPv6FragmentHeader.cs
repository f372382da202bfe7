using System.Buffers.Binary;

namespace Assay.Decoding.Network;

/// <summary>
/// IPv6 fragment header (RFC 8200 §4.5), always 8 bytes.
/// <code>
///  0             8          16                     29  31 32
///  | Next Header | Reserved | Fragment Offset (13) |Res|M| Identification (32) |
/// </code>
/// </summary>
public readonly ref struct IPv6FragmentHeader
{
    public const int Length = 8;
    private const int OffsetFieldOffset = 2;
    private const int IdentificationOffset = 4;
    private const ushort OffsetMask = 0xFFF8;
    private const ushort MoreFragmentsFlag = 0x0001;

    private readonly ReadOnlySpan<byte> _header;

    private IPv6FragmentHeader(ReadOnlySpan<byte> header) => _header = header;

    /// <summary>The protocol of the fragmentable part (meaningful in the offset-0 fragment, RFC 8200 §4.5).</summary>
    public byte NextHeader => _header[0];

    /// <summary>Offset in bytes (the field counts 8-byte units and sits in the top 13 bits).</summary>
    public int FragmentOffset => BinaryPrimitives.ReadUInt16BigEndian(_header[OffsetFieldOffset..]) & OffsetMask;
    public bool MoreFragments => (BinaryPrimitives.ReadUInt16BigEndian(_header[OffsetFieldOffset..]) & MoreFragmentsFlag) != 0;
    public uint Identification => BinaryPrimitives.ReadUInt32BigEndian(_header[IdentificationOffset..]);

    /// <summary>Offset 0 and no more fragments: an "atomic fragment" (RFC 6946), processed as a whole packet.</summary>
    public bool IsAtomic => FragmentOffset == 0 && !MoreFragments;

    public static bool TryRead(ReadOnlySpan<byte> data, ref AnomalySet anomalies, out IPv6FragmentHeader header)
    {
        if (data.Length < Length)
        {
            header = default;
            anomalies.Add(Anomaly.IPv6ExtensionHeaderTooSmall);
            return false;
        }

        header = new IPv6FragmentHeader(data[..Length]);
        return true;
    }
}
