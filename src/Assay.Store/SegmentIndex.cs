using System.Buffers.Binary;
using Assay.Flows;
using Microsoft.Win32.SafeHandles;

namespace Assay.Store;

/// <summary>A whole index file in memory, checked (header and body CRC), with the flow-table lookups queries need.</summary>
internal sealed class SegmentIndex
{
    private readonly byte[] _file;

    private SegmentIndex(byte[] file, IndexHeader header)
    {
        _file = file;
        Header = header;
    }

    public IndexHeader Header { get; }

    public int Length => _file.Length;

    /// <summary>Reads and checks <paramref name="path"/>; null (with the reason) when missing, torn or corrupt.</summary>
    public static SegmentIndex? TryLoad(string path, out string? problem)
    {
        byte[] file;
        try
        {
            file = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            problem = "index missing";
            return null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = $"index unreadable: {e.Message}";
            return null;
        }

        return TryParse(file, out problem);
    }

    public static SegmentIndex? TryParse(byte[] file, out string? problem)
    {
        if (!IndexFormat.TryReadHeader(file, file.Length, out IndexHeader header, out problem))
            return null;
        if (!IndexFormat.BodyIsValid(file))
        {
            problem = "index body checksum mismatch";
            return null;
        }

        return new SegmentIndex(file, header);
    }

    /// <summary>Entry number of <paramref name="key"/>, or -1: binary search on the hash, then the key confirms.</summary>
    public int Find(in FlowKey key)
    {
        ulong hash = key.ShardHash();
        int lo = 0;
        int hi = Header.FlowCount;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (IndexFormat.ReadHash(_file, mid) < hash)
                lo = mid + 1;
            else
                hi = mid;
        }

        for (int i = lo; i < Header.FlowCount && IndexFormat.ReadHash(_file, i) == hash; i++)
        {
            IndexEntry entry = IndexFormat.ReadEntry(_file, i);
            if (!entry.NoFlow && entry.Key == key)
                return i;
        }

        return -1;
    }

    public bool Contains(in FlowKey key, long first, long last)
    {
        int i = Find(in key);
        if (i < 0)
            return false;
        IndexEntry e = IndexFormat.ReadEntry(_file, i);
        return e.FirstNanos <= last && e.LastNanos >= first;
    }

    /// <summary>Record offsets of the packets whose flow entry matches <paramref name="query"/>, in file order.</summary>
    /// <returns>False when a postings list was malformed (what could be decoded is kept).</returns>
    public bool Match(PacketQuery query, List<long> offsets)
    {
        IndexHeader header = Header;
        bool ok = true;
        if (query.Flow is FlowKey flow)
        {
            int i = Find(in flow);
            if (i >= 0)
            {
                IndexEntry e = IndexFormat.ReadEntry(_file, i);
                if (PacketFilter.EntryMatches(query, in e))
                    ok = IndexFormat.DecodePostings(_file, in header, in e, offsets);
            }

            return ok;
        }

        int matched = 0;
        for (int i = 0; i < header.FlowCount; i++)
        {
            IndexEntry e = IndexFormat.ReadEntry(_file, i);
            if (!PacketFilter.EntryMatches(query, in e))
                continue;
            ok &= IndexFormat.DecodePostings(_file, in header, in e, offsets);
            matched++;
        }

        if (matched > 1)
            offsets.Sort();
        return ok;
    }
}

/// <summary>
/// Flow lookups straight from an index file without loading it: binary search of the flow table with positioned reads,
/// then the one entry's postings. Used for flow queries on segments not already loaded, so a flow query over a large
/// store reads a few KiB per segment. The body CRC is not checked on this path (the writer checks every index at Open);
/// bounds are, so a damaged index can give wrong offsets but never a crash or a read outside the pcap.
/// </summary>
internal static class IndexFile
{
    public static int FindFlow(SafeFileHandle handle, in IndexHeader header, in FlowKey key, out IndexEntry entry)
    {
        entry = default;
        ulong hash = key.ShardHash();
        Span<byte> buffer = stackalloc byte[IndexFormat.HeaderLength + IndexFormat.EntryLength];
        Span<byte> e = buffer.Slice(IndexFormat.HeaderLength, IndexFormat.EntryLength);
        int lo = 0;
        int hi = header.FlowCount;
        while (lo < hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (RandomAccess.Read(handle, e[..8], IndexFormat.HeaderLength + ((long)mid * IndexFormat.EntryLength)) != 8)
                return -1;
            if (BinaryPrimitives.ReadUInt64LittleEndian(e) < hash)
                lo = mid + 1;
            else
                hi = mid;
        }

        for (int i = lo; i < header.FlowCount; i++)
        {
            if (RandomAccess.Read(handle, e, IndexFormat.HeaderLength + ((long)i * IndexFormat.EntryLength)) != IndexFormat.EntryLength)
                return -1;
            IndexEntry candidate = IndexFormat.ReadEntry(buffer, 0);
            if (candidate.Hash != hash)
                return -1;
            if (!candidate.NoFlow && candidate.Key == key)
            {
                entry = candidate;
                return i;
            }
        }

        return -1;
    }

    public static bool ReadPostings(SafeFileHandle handle, in IndexHeader header, in IndexEntry entry, List<long> offsets)
    {
        if (entry.PostingsOffset + (long)entry.PostingsLength > header.PostingsLength)
            return false;
        var postings = new byte[entry.PostingsLength];
        long at = IndexFormat.HeaderLength + ((long)header.FlowCount * IndexFormat.EntryLength) + entry.PostingsOffset;
        return RandomAccess.Read(handle, postings, at) == postings.Length && IndexFormat.DecodePostings(postings, header.PcapBytes, offsets);
    }
}

/// <summary>The query predicates, on a flow-table entry and on a scanned packet.</summary>
internal static class PacketFilter
{
    public static bool EntryMatches(PacketQuery q, in IndexEntry e)
    {
        if (q.SinceNanos is long since && e.LastNanos < since)
            return false;
        if (q.UntilNanos is long until && e.FirstNanos > until)
            return false;
        return KeyMatches(q, e.Key, !e.NoFlow);
    }

    public static bool KeyMatches(PacketQuery q, in FlowKey key, bool hasKey)
    {
        if (q.Flow is null && q.Host is null && q.Port is null && q.Protocol is null)
            return true;
        if (!hasKey)
            return false;
        if (q.Flow is FlowKey flow && flow != key)
            return false;
        if (q.Host is UInt128 host && key.LowAddress != host && key.HighAddress != host)
            return false;
        if (q.Protocol is byte protocol && key.Protocol != protocol)
            return false;
        if (q.Port is ushort port && (!HasPorts(key.Protocol) || (key.LowPort != port && key.HighPort != port)))
            return false;
        return true;
    }

    public static bool TimeMatches(PacketQuery q, long timestamp) =>
        (q.SinceNanos is not long since || timestamp >= since) && (q.UntilNanos is not long until || timestamp <= until);

    /// <summary>TCP, UDP, SCTP: the protocols whose key holds real ports (ICMP keys hold types there).</summary>
    private static bool HasPorts(byte protocol) => protocol is 6 or 17 or 132;
}
