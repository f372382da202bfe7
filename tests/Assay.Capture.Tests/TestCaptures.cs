using System.Buffers.Binary;
using System.IO.Compression;

namespace Assay.Capture.Tests;

/// <summary>One packet to write into a test capture.</summary>
internal readonly record struct TestPacket(long TimestampNanos, byte[] Data, int OriginalLength = -1)
{
    public int Original => OriginalLength < 0 ? Data.Length : OriginalLength;
}

/// <summary>Builds small captures byte by byte (both byte orders) and reads sources back for assertions.</summary>
internal static class TestCaptures
{
    public static byte[] Payload(int length, int seed)
    {
        var data = new byte[length];
        for (int i = 0; i < length; i++)
            data[i] = (byte)(seed * 31 + i);
        return data;
    }

    /// <summary>A classic pcap written field by field, so that big-endian files can be made too.</summary>
    public static byte[] Pcap(bool bigEndian, bool nanoseconds, uint linkField, IReadOnlyList<TestPacket> packets,
        ushort major = 2, ushort minor = 4, uint snapLength = 65535)
    {
        var w = new ByteWriter(bigEndian);
        w.U32(nanoseconds ? PcapWriter.MagicNanoseconds : PcapWriter.MagicMicroseconds);
        w.U16(major);
        w.U16(minor);
        w.U32(0);
        w.U32(0);
        w.U32(snapLength);
        w.U32(linkField);
        foreach (TestPacket p in packets)
        {
            long seconds = Math.DivRem(p.TimestampNanos, 1_000_000_000L, out long nanos);
            w.U32((uint)seconds);
            w.U32((uint)(nanoseconds ? nanos : nanos / 1000));
            w.U32((uint)p.Data.Length);
            w.U32((uint)p.Original);
            w.Bytes(p.Data);
        }

        return w.ToArray();
    }

    public static byte[] Gzip(byte[] bytes)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
            gzip.Write(bytes);
        return output.ToArray();
    }

    public static IPacketSource Open(byte[] bytes, string name = "test.pcap") => CaptureFile.Open(new MemoryStream(bytes, writable: false), name);

    /// <summary>Reads every packet (copying the data) and returns the final status.</summary>
    public static List<(PacketHeader Header, byte[] Data)> ReadAll(IPacketSource source, out ReadStatus final)
    {
        var packets = new List<(PacketHeader, byte[])>();
        while ((final = source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data)) == ReadStatus.Packet)
        {
            Assert.Equal(header.CapturedLength, data.Length);
            packets.Add((header, data.ToArray()));
        }

        return packets;
    }

    public static int Count(IPacketSource source, out ReadStatus final)
    {
        int count = 0;
        while ((final = source.TryReadPacket(out _, out _)) == ReadStatus.Packet)
            count++;
        return count;
    }
}

/// <summary>Writes integers in a chosen byte order.</summary>
internal sealed class ByteWriter(bool bigEndian)
{
    private readonly List<byte> _bytes = [];

    public bool BigEndian { get; set; } = bigEndian;

    public long Length => _bytes.Count;

    public void U16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        if (BigEndian)
            BinaryPrimitives.WriteUInt16BigEndian(b, value);
        else
            BinaryPrimitives.WriteUInt16LittleEndian(b, value);
        _bytes.AddRange(b);
    }

    public void U32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        if (BigEndian)
            BinaryPrimitives.WriteUInt32BigEndian(b, value);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(b, value);
        _bytes.AddRange(b);
    }

    public void U64(ulong value)
    {
        Span<byte> b = stackalloc byte[8];
        if (BigEndian)
            BinaryPrimitives.WriteUInt64BigEndian(b, value);
        else
            BinaryPrimitives.WriteUInt64LittleEndian(b, value);
        _bytes.AddRange(b);
    }

    public void Bytes(ReadOnlySpan<byte> bytes) => _bytes.AddRange(bytes);

    public void Pad4()
    {
        while (_bytes.Count % 4 != 0)
            _bytes.Add(0);
    }

    public byte[] ToArray() => [.. _bytes];
}

/// <summary>Builds pcapng files block by block; each section header may switch the byte order.</summary>
internal sealed class PcapngBuilder
{
    private readonly List<byte> _file = [];
    private bool _bigEndian;

    public long Length => _file.Count;

    public PcapngBuilder SectionHeader(bool bigEndian = false, ushort major = 1, ushort minor = 0, byte[]? options = null)
    {
        _bigEndian = bigEndian;
        var body = Writer();
        body.U32(0x1A2B3C4D);
        body.U16(major);
        body.U16(minor);
        body.U64(ulong.MaxValue);
        if (options is not null)
            body.Bytes(options);
        return Block((uint)PcapngBlockType.SectionHeader, body.ToArray());
    }

    public PcapngBuilder Interface(ushort linkType, uint snapLength = 0, byte? timestampResolution = null, long? timestampOffset = null, byte[]? options = null)
    {
        var body = Writer();
        body.U16(linkType);
        body.U16(0);
        body.U32(snapLength);
        if (timestampResolution is byte resolution)
            body.Bytes(Option(9, [resolution]));
        if (timestampOffset is long offset)
        {
            var value = Writer();
            value.U64((ulong)offset);
            body.Bytes(Option(14, value.ToArray()));
        }

        if (options is not null)
            body.Bytes(options);
        if (timestampResolution is not null || timestampOffset is not null || options is not null)
            body.Bytes(Option(0, []));
        return Block((uint)PcapngBlockType.InterfaceDescription, body.ToArray());
    }

    public PcapngBuilder EnhancedPacket(uint interfaceId, ulong units, byte[] data, uint? originalLength = null, uint? capturedLength = null, byte[]? options = null)
    {
        var body = Writer();
        body.U32(interfaceId);
        body.U32((uint)(units >> 32));
        body.U32((uint)units);
        body.U32(capturedLength ?? (uint)data.Length);
        body.U32(originalLength ?? (uint)data.Length);
        body.Bytes(data);
        body.Pad4();
        if (options is not null)
            body.Bytes(options);
        return Block((uint)PcapngBlockType.EnhancedPacket, body.ToArray());
    }

    public PcapngBuilder SimplePacket(byte[] data, uint? originalLength = null)
    {
        var body = Writer();
        body.U32(originalLength ?? (uint)data.Length);
        body.Bytes(data);
        body.Pad4();
        return Block((uint)PcapngBlockType.SimplePacket, body.ToArray());
    }

    public PcapngBuilder ObsoletePacket(ushort interfaceId, ulong units, byte[] data)
    {
        var body = Writer();
        body.U16(interfaceId);
        body.U16(0);
        body.U32((uint)(units >> 32));
        body.U32((uint)units);
        body.U32((uint)data.Length);
        body.U32((uint)data.Length);
        body.Bytes(data);
        body.Pad4();
        return Block((uint)PcapngBlockType.Packet, body.ToArray());
    }

    /// <summary>Any block: the body is padded to 4 and framed with both lengths (or with the lengths given).</summary>
    public PcapngBuilder Block(uint type, byte[] body, uint? leadingLength = null, uint? trailingLength = null)
    {
        int padded = (body.Length + 3) & ~3;
        uint total = (uint)(12 + padded);
        var w = Writer();
        w.U32(type);
        w.U32(leadingLength ?? total);
        w.Bytes(body);
        w.Pad4();
        w.U32(trailingLength ?? total);
        _file.AddRange(w.ToArray());
        return this;
    }

    public PcapngBuilder Raw(byte[] bytes)
    {
        _file.AddRange(bytes);
        return this;
    }

    /// <summary>An option in the current byte order: code, length, value padded to 4.</summary>
    public byte[] Option(ushort code, byte[] value, ushort? length = null)
    {
        var w = Writer();
        w.U16(code);
        w.U16(length ?? (ushort)value.Length);
        w.Bytes(value);
        w.Pad4();
        return w.ToArray();
    }

    public byte[] ToArray() => [.. _file];

    private ByteWriter Writer() => new(_bigEndian);
}
