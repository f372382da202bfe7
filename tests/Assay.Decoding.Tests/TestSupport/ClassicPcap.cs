using System.Buffers.Binary;

namespace Assay.Decoding.Tests.TestSupport;

/// <summary>
/// A test-only reader for classic pcap files (24-byte file header, 16-byte record headers, either byte order, micro- or
/// nanosecond timestamps), so decoder tests do not depend on the capture project. pcapng and gzip are not read.
/// </summary>
internal sealed class ClassicPcap
{
    private const uint MagicMicroseconds = 0xA1B2C3D4;
    private const uint MagicNanoseconds = 0xA1B23C4D;

    private ClassicPcap(int linkType, List<Record> records)
    {
        LinkType = linkType;
        Records = records;
    }

    public int LinkType { get; }

    public IReadOnlyList<Record> Records { get; }

    public readonly record struct Record(long TimestampNanos, int OriginalLength, byte[] Data);

    /// <summary>Reads the file, or returns <see langword="null"/> when it is not classic pcap.</summary>
    public static ClassicPcap? TryRead(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        if (file.Length < 24)
            return null;
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        bool bigEndian;
        bool nanos;
        if (magic is MagicMicroseconds or MagicNanoseconds)
        {
            bigEndian = false;
            nanos = magic == MagicNanoseconds;
        }
        else
        {
            magic = BinaryPrimitives.ReverseEndianness(magic);
            if (magic is not (MagicMicroseconds or MagicNanoseconds))
                return null;
            bigEndian = true;
            nanos = magic == MagicNanoseconds;
        }

        uint Read32(int offset) => bigEndian
            ? BinaryPrimitives.ReadUInt32BigEndian(file.AsSpan(offset))
            : BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset));

        // The link type is the low 16 bits; the upper ones may carry FCS information (pcap spec, "LinkType and additional information").
        int linkType = (int)(Read32(20) & 0xFFFF);
        var records = new List<Record>();
        int position = 24;
        while (position + 16 <= file.Length)
        {
            long seconds = Read32(position);
            long fraction = Read32(position + 4);
            int captured = (int)Read32(position + 8);
            int original = (int)Read32(position + 12);
            position += 16;
            if (captured < 0 || captured > file.Length - position)
                break;                                    // truncated file: keep what was whole
            long nanosTotal = (seconds * 1_000_000_000) + (nanos ? fraction : fraction * 1000);
            records.Add(new Record(nanosTotal, original, file.AsSpan(position, captured).ToArray()));
            position += captured;
        }

        return new ClassicPcap(linkType, records);
    }
}
