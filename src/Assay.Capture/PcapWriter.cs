using System.Buffers.Binary;

namespace Assay.Capture;

/// <summary>Writes classic little-endian pcap (microsecond or nanosecond resolution).</summary>
/// <remarks>
/// File header (24 bytes): magic u32 (0xA1B2C3D4 µs, 0xA1B23C4D ns), version 2.4, thiszone i32, sigfigs u32, snaplen u32,
/// linktype u32. Record header (16 bytes): ts_sec u32, ts_frac u32, caplen u32, origlen u32, then caplen bytes.
/// </remarks>
public sealed class PcapWriter : IDisposable
{
    public const int FileHeaderLength = 24;
    public const int RecordHeaderLength = 16;
    public const uint MagicMicroseconds = 0xA1B2C3D4;
    public const uint MagicNanoseconds = 0xA1B23C4D;
    public const int DefaultSnapLength = 262144;

    private readonly Stream _stream;
    private readonly bool _ownsStream;
    private readonly bool _nanoseconds;
    private readonly byte[] _header = new byte[RecordHeaderLength];

    public PcapWriter(Stream stream, int linkType, bool nanoseconds = false, int snapLength = DefaultSnapLength, bool ownsStream = true)
    {
        _stream = stream;
        _ownsStream = ownsStream;
        _nanoseconds = nanoseconds;
        Span<byte> h = stackalloc byte[FileHeaderLength];
        BinaryPrimitives.WriteUInt32LittleEndian(h, nanoseconds ? MagicNanoseconds : MagicMicroseconds);
        BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
        BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
        BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
        BinaryPrimitives.WriteUInt32LittleEndian(h[16..], (uint)snapLength);
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], (uint)linkType);
        _stream.Write(h);
    }

    public static PcapWriter Create(string path, int linkType, bool nanoseconds = false) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 16), linkType, nanoseconds);

    public long PacketsWritten { get; private set; }

    /// <summary>Appends one packet. <paramref name="originalLength"/> defaults to the data length.</summary>
    public void Write(long timestampNanos, ReadOnlySpan<byte> data, int originalLength = -1)
    {
        long seconds = Math.DivRem(timestampNanos, 1_000_000_000L, out long nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000L;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(_header, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(4), (uint)(_nanoseconds ? nanos : nanos / 1000));
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(8), (uint)data.Length);
        BinaryPrimitives.WriteUInt32LittleEndian(_header.AsSpan(12), (uint)(originalLength < 0 ? data.Length : originalLength));
        _stream.Write(_header);
        _stream.Write(data);
        PacketsWritten++;
    }

    public void Flush() => _stream.Flush();

    public void Dispose()
    {
        _stream.Flush();
        if (_ownsStream)
            _stream.Dispose();
    }
}
