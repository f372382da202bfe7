using System.Buffers.Binary;
using Assay.Flows;

namespace Assay.Store;

/// <summary>Header of a segment index (see <see cref="IndexFormat"/>).</summary>
internal readonly record struct IndexHeader(
    long Sequence, long FirstNanos, long LastNanos, long PacketCount, long PcapBytes, int FlowCount, int LinkType, uint PostingsLength);

/// <summary>One flow-table entry: the key, its packets' time span and count, and where its postings are.</summary>
internal readonly record struct IndexEntry(
    FlowKey Key, bool NoFlow, ulong Hash, uint PacketCount, long FirstNanos, long LastNanos, uint PostingsOffset, uint PostingsLength);

/// <summary>
/// Byte layout of a segment index file (<c>&lt;seq&gt;-&lt;time&gt;.idx</c>), all integers little-endian:
/// <code>
/// Header, 64 bytes
///   0  magic u32 0x58444941 ("AIDX")   4  version u16 (1)   6  header length u16 (64)
///   8  sequence u64   16  first ts i64 ns   24  last ts i64 ns   32  packet count u64
///  40  pcap bytes u64 (length of the pcap file the index covers)
///  48  flow count u32   52  link type u32   56  postings length u32   60  CRC-32C of bytes 0-59
/// Flow table, flow count × 80 bytes, sorted by hash (the "no flow" entry has hash 0)
///   0  hash u64 (FlowKey.ShardHash)   8  low address 16 bytes (UInt128 LE)   24  high address 16 bytes
///  40  low port u16   42  high port u16   44  protocol u8   45  IP version u8   46  VLAN u16
///  48  flags u32 (bit 0: "no flow" entry, packets without a key)   52  packet count u32
///  56  first ts i64   64  last ts i64   72  postings offset u32 (from the postings start)   76  postings length u32
/// Postings, postings length bytes: per entry, LEB128 varints: the first record's file offset, then the
///   difference to the previous record's offset (records in file order)
/// Trailer, 4 bytes: CRC-32C of everything between the header and the trailer
/// </code>
/// </summary>
internal static class IndexFormat
{
    public const uint Magic = 0x58444941;
    public const ushort Version = 1;
    public const int HeaderLength = 64;
    public const int EntryLength = 80;
    public const int TrailerLength = 4;
    public const uint NoFlowFlag = 1;

    public static void WriteHeader(Span<byte> file, in IndexHeader h)
    {
        BinaryPrimitives.WriteUInt32LittleEndian(file, Magic);
        BinaryPrimitives.WriteUInt16LittleEndian(file[4..], Version);
        BinaryPrimitives.WriteUInt16LittleEndian(file[6..], HeaderLength);
        BinaryPrimitives.WriteInt64LittleEndian(file[8..], h.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(file[16..], h.FirstNanos);
        BinaryPrimitives.WriteInt64LittleEndian(file[24..], h.LastNanos);
        BinaryPrimitives.WriteInt64LittleEndian(file[32..], h.PacketCount);
        BinaryPrimitives.WriteInt64LittleEndian(file[40..], h.PcapBytes);
        BinaryPrimitives.WriteInt32LittleEndian(file[48..], h.FlowCount);
        BinaryPrimitives.WriteInt32LittleEndian(file[52..], h.LinkType);
        BinaryPrimitives.WriteUInt32LittleEndian(file[56..], h.PostingsLength);
        BinaryPrimitives.WriteUInt32LittleEndian(file[60..], Crc32C.Compute(file[..60]));
    }

    public static void WriteEntry(Span<byte> e, in IndexEntry entry)
    {
        BinaryPrimitives.WriteUInt64LittleEndian(e, entry.Hash);
        BinaryPrimitives.WriteUInt128LittleEndian(e[8..], entry.Key.LowAddress);
        BinaryPrimitives.WriteUInt128LittleEndian(e[24..], entry.Key.HighAddress);
        BinaryPrimitives.WriteUInt16LittleEndian(e[40..], entry.Key.LowPort);
        BinaryPrimitives.WriteUInt16LittleEndian(e[42..], entry.Key.HighPort);
        e[44] = entry.Key.Protocol;
        e[45] = entry.Key.IPVersion;
        BinaryPrimitives.WriteUInt16LittleEndian(e[46..], entry.Key.VlanId);
        BinaryPrimitives.WriteUInt32LittleEndian(e[48..], entry.NoFlow ? NoFlowFlag : 0);
        BinaryPrimitives.WriteUInt32LittleEndian(e[52..], entry.PacketCount);
        BinaryPrimitives.WriteInt64LittleEndian(e[56..], entry.FirstNanos);
        BinaryPrimitives.WriteInt64LittleEndian(e[64..], entry.LastNanos);
        BinaryPrimitives.WriteUInt32LittleEndian(e[72..], entry.PostingsOffset);
        BinaryPrimitives.WriteUInt32LittleEndian(e[76..], entry.PostingsLength);
    }

    /// <summary>Writes the trailer CRC over the flow table and postings.</summary>
    public static void Seal(Span<byte> file) =>
        BinaryPrimitives.WriteUInt32LittleEndian(file[^TrailerLength..], Crc32C.Compute(file[HeaderLength..^TrailerLength]));

    /// <summary>Reads and checks a header (magic, version, length, CRC, sane counts).</summary>
    /// <param name="fileLength">Length of the index file, to check the sections fit exactly.</param>
    public static bool TryReadHeader(ReadOnlySpan<byte> file, long fileLength, out IndexHeader header, out string? problem)
    {
        header = default;
        if (file.Length < HeaderLength)
        {
            problem = $"index shorter than its {HeaderLength}-byte header";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(file) != Magic)
        {
            problem = "index magic is wrong";
            return false;
        }

        ushort version = BinaryPrimitives.ReadUInt16LittleEndian(file[4..]);
        if (version != Version || BinaryPrimitives.ReadUInt16LittleEndian(file[6..]) != HeaderLength)
        {
            problem = $"index version {version} is not {Version}";
            return false;
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(file[60..]) != Crc32C.Compute(file[..60]))
        {
            problem = "index header checksum mismatch";
            return false;
        }

        header = new IndexHeader(
            BinaryPrimitives.ReadInt64LittleEndian(file[8..]),
            BinaryPrimitives.ReadInt64LittleEndian(file[16..]),
            BinaryPrimitives.ReadInt64LittleEndian(file[24..]),
            BinaryPrimitives.ReadInt64LittleEndian(file[32..]),
            BinaryPrimitives.ReadInt64LittleEndian(file[40..]),
            BinaryPrimitives.ReadInt32LittleEndian(file[48..]),
            BinaryPrimitives.ReadInt32LittleEndian(file[52..]),
            BinaryPrimitives.ReadUInt32LittleEndian(file[56..]));
        long expected = HeaderLength + ((long)header.FlowCount * EntryLength) + header.PostingsLength + TrailerLength;
        if (header.FlowCount < 0 || header.PacketCount < 0 || header.PcapBytes < PcapLayout.FileHeaderLength || expected != fileLength)
        {
            problem = $"index header sizes are inconsistent (file {fileLength} bytes, header implies {expected})";
            return false;
        }

        problem = null;
        return true;
    }

    /// <summary>Checks the body CRC of a whole index file whose header was read.</summary>
    public static bool BodyIsValid(ReadOnlySpan<byte> file) =>
        file.Length >= HeaderLength + TrailerLength &&
        BinaryPrimitives.ReadUInt32LittleEndian(file[^TrailerLength..]) == Crc32C.Compute(file[HeaderLength..^TrailerLength]);

    public static IndexEntry ReadEntry(ReadOnlySpan<byte> file, int index)
    {
        ReadOnlySpan<byte> e = file.Slice(HeaderLength + (index * EntryLength), EntryLength);
        var key = new FlowKey(
            BinaryPrimitives.ReadUInt128LittleEndian(e[8..]),
            BinaryPrimitives.ReadUInt128LittleEndian(e[24..]),
            BinaryPrimitives.ReadUInt16LittleEndian(e[40..]),
            BinaryPrimitives.ReadUInt16LittleEndian(e[42..]),
            e[44],
            e[45],
            BinaryPrimitives.ReadUInt16LittleEndian(e[46..]));
        return new IndexEntry(
            key,
            (BinaryPrimitives.ReadUInt32LittleEndian(e[48..]) & NoFlowFlag) != 0,
            BinaryPrimitives.ReadUInt64LittleEndian(e),
            BinaryPrimitives.ReadUInt32LittleEndian(e[52..]),
            BinaryPrimitives.ReadInt64LittleEndian(e[56..]),
            BinaryPrimitives.ReadInt64LittleEndian(e[64..]),
            BinaryPrimitives.ReadUInt32LittleEndian(e[72..]),
            BinaryPrimitives.ReadUInt32LittleEndian(e[76..]));
    }

    /// <summary>Hash of an entry, for binary search without decoding the rest.</summary>
    public static ulong ReadHash(ReadOnlySpan<byte> file, int index) =>
        BinaryPrimitives.ReadUInt64LittleEndian(file[(HeaderLength + (index * EntryLength))..]);

    /// <summary>Decodes an entry's postings into record offsets; stops (returns false) at a malformed varint or an offset out of range.</summary>
    public static bool DecodePostings(ReadOnlySpan<byte> file, in IndexHeader header, in IndexEntry entry, List<long> offsets)
    {
        long start = HeaderLength + ((long)header.FlowCount * EntryLength) + entry.PostingsOffset;
        if (entry.PostingsOffset + (long)entry.PostingsLength > header.PostingsLength)
            return false;
        return DecodePostings(file.Slice((int)start, (int)entry.PostingsLength), header.PcapBytes, offsets);
    }

    /// <summary>Decodes one postings list (<paramref name="p"/>) of a pcap of <paramref name="pcapBytes"/> bytes.</summary>
    public static bool DecodePostings(ReadOnlySpan<byte> p, long pcapBytes, List<long> offsets)
    {
        long previous = 0;
        bool first = true;
        int i = 0;
        while (i < p.Length)
        {
            ulong value = 0;
            int shift = 0;
            while (true)
            {
                if (i >= p.Length || shift > 56)
                    return false;
                byte b = p[i++];
                value |= (ulong)(b & 0x7F) << shift;
                if (b < 0x80)
                    break;
                shift += 7;
            }

            long offset = first ? (long)value : previous + (long)value;
            if (value > (ulong)pcapBytes || offset < PcapLayout.FileHeaderLength || offset + PcapLayout.RecordHeaderLength > pcapBytes)
                return false;
            offsets.Add(offset);
            previous = offset;
            first = false;
        }

        return true;
    }
}

/// <summary>Constants of the pcap files the store writes.</summary>
internal static class PcapLayout
{
    public const int FileHeaderLength = 24;
    public const int RecordHeaderLength = 16;
    public const int SnapLength = 262144;
}
