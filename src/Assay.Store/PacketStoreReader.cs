using System.Buffers.Binary;
using Assay.Capture;
using Assay.Flows;
using Microsoft.Win32.SafeHandles;

namespace Assay.Store;

/// <summary>
/// Reads a store, also while a writer runs: closed segments through their indexes (only the matching packets are read),
/// the writer's open segment by scanning what it has flushed. A segment whose index is missing or corrupt is scanned
/// too, and said so in <see cref="Problems"/>; unreadable files are skipped, never thrown.
/// </summary>
public sealed class PacketStoreReader : IDisposable
{
    /// <summary>Bytes read at a time around the wanted records (neighbouring packets of a flow usually come with one read).</summary>
    public const int ReadWindowBytes = 256 << 10;

    /// <summary>Bytes read for a record far from the next one: the header and a typical packet.</summary>
    private const int SmallReadBytes = 2048;

    private readonly string _packets;
    private readonly Dictionary<string, SegmentInfo> _known = new(StringComparer.Ordinal);
    private readonly Dictionary<string, SegmentIndex> _indexes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IndexHeader> _headers = new(StringComparer.Ordinal);
    private readonly List<string> _problems = [];
    private List<SegmentInfo> _segments = [];

    private PacketStoreReader(string packets)
    {
        _packets = packets;
    }

    /// <summary>The segments, oldest first (the open one last), as of the last <see cref="Open"/> or <see cref="Query"/>.</summary>
    public IReadOnlyList<SegmentInfo> Segments => _segments;

    /// <summary>Files that were skipped or scanned instead of indexed, with the reason.</summary>
    public IReadOnlyList<string> Problems => _problems;

    /// <summary>Opens the store in <paramref name="directory"/> read-only.</summary>
    /// <exception cref="StoreException">There is no store there.</exception>
    public static PacketStoreReader Open(string directory)
    {
        string packets = Path.Combine(directory, SegmentFiles.PacketsFolder);
        if (!Directory.Exists(packets))
            throw new StoreException($"no packet store in {directory} ({packets} does not exist)");
        var reader = new PacketStoreReader(packets);
        try
        {
            reader.Refresh();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StoreException($"cannot read store {packets}: {e.Message}", e);
        }

        return reader;
    }

    /// <summary>Every packet matching <paramref name="query"/>, in time (segment, then file) order.</summary>
    public IEnumerable<StoredPacket> Query(PacketQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        Refresh();
        return QueryCore(query, _segments);
    }

    public void Dispose() => _indexes.Clear();

    private IEnumerable<StoredPacket> QueryCore(PacketQuery query, List<SegmentInfo> segments)
    {
        var offsets = new List<long>();
        long done = 0;
        foreach (SegmentInfo segment in segments)
        {
            if (segment.Sequence <= done)
                continue;
            done = segment.Sequence;
            if (segment.IsOpen)
            {
                string path = Path.Combine(_packets, segment.Name);
                if (!File.Exists(path))
                {
                    // The writer closed it meanwhile: read its closed form (and anything newer).
                    Refresh();
                    foreach (StoredPacket p in QueryCore(query, NewerThan(segment.Sequence - 1)))
                        yield return p;
                    yield break;
                }

                foreach (StoredPacket p in Scan(query, segment))
                    yield return p;
                continue;
            }

            if ((query.SinceNanos is long since && segment.LastNanos < since) || (query.UntilNanos is long until && segment.FirstNanos > until))
                continue;
            if (query.Flow is FlowKey flow && segment.Indexed && !_indexes.ContainsKey(segment.Name) && _headers.TryGetValue(segment.Name, out IndexHeader header))
            {
                offsets.Clear();
                if (!TryFlowOffsets(segment, in header, in flow, offsets))
                {
                    foreach (StoredPacket p in Scan(query, segment))
                        yield return p;
                    continue;
                }

                foreach (StoredPacket p in ReadIndexed(query, segment, header.PcapBytes, offsets))
                    yield return p;
                continue;
            }

            SegmentIndex? index = segment.Indexed ? LoadIndex(segment) : null;
            if (index is null)
            {
                foreach (StoredPacket p in Scan(query, segment))
                    yield return p;
                continue;
            }

            offsets.Clear();
            if (!index.Match(query, offsets))
                Problem($"{segment.Name}: malformed postings in its index; some packets may be missing");
            if (offsets.Count == 0)
                continue;
            foreach (StoredPacket p in ReadIndexed(query, segment, index.Header.PcapBytes, offsets))
                yield return p;
        }
    }

    /// <summary>A flow's offsets in one segment through positioned reads of its index; false when the index cannot be read.</summary>
    private bool TryFlowOffsets(SegmentInfo segment, in IndexHeader header, in FlowKey flow, List<long> offsets)
    {
        string path = Path.Combine(_packets, segment.Name[..^SegmentFiles.PcapExtension.Length] + SegmentFiles.IndexExtension);
        try
        {
            using SafeFileHandle handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (IndexFile.FindFlow(handle, in header, in flow, out IndexEntry entry) < 0)
                return true;
            if (!IndexFile.ReadPostings(handle, in header, in entry, offsets))
            {
                Problem($"{segment.Name}: malformed postings in its index; scanning the segment instead");
                return false;
            }

            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Problem($"{segment.Name}: index unreadable ({e.Message}); scanning the segment instead");
            return false;
        }
    }

    private List<SegmentInfo> NewerThan(long sequence)
    {
        var list = new List<SegmentInfo>();
        foreach (SegmentInfo s in _segments)
        {
            if (s.Sequence > sequence)
                list.Add(s);
        }

        return list;
    }

    private IEnumerable<StoredPacket> ReadIndexed(PacketQuery query, SegmentInfo segment, long limit, List<long> offsets)
    {
        SafeFileHandle handle;
        try
        {
            handle = File.OpenHandle(Path.Combine(_packets, segment.Name), FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Problem($"{segment.Name}: cannot open ({e.Message}), skipped");
            yield break;
        }

        using (handle)
        {
            var window = new byte[ReadWindowBytes];
            long windowStart = 0;
            int windowLength = 0;
            bool nanos = true;
            bool bigEndian = false;
            windowLength = ReadFully(handle, window.AsSpan(0, PcapLayout.FileHeaderLength), 0);
            int at;
            if (windowLength < PcapLayout.FileHeaderLength || !TryPcapHeader(window.AsSpan(0, PcapLayout.FileHeaderLength), out nanos, out bigEndian))
            {
                Problem($"{segment.Name}: bad pcap file header, skipped");
                yield break;
            }

            for (int i = 0; i < offsets.Count; i++)
            {
                long offset = offsets[i];
                if (offset < windowStart || offset + PcapLayout.RecordHeaderLength > windowStart + windowLength)
                {
                    // Read what reaches the following records that fit in the window (a whole run of a flow's packets),
                    // but only a small read for an isolated record: records far apart cost a few KiB each, not the window.
                    long reach = offset;
                    for (int k = i + 1; k < offsets.Count && offsets[k] - offset <= window.Length - SmallReadBytes; k++)
                        reach = offsets[k];
                    int want = (int)Math.Min(window.Length, reach - offset + SmallReadBytes);
                    windowStart = offset;
                    windowLength = ReadFully(handle, window.AsSpan(0, want), offset);
                }

                if (offset + PcapLayout.RecordHeaderLength > windowStart + windowLength)
                {
                    Problem($"{segment.Name}: record at offset {offset} is past the end of the file");
                    continue;
                }

                at = (int)(offset - windowStart);
                ReadOnlySpan<byte> h = window.AsSpan(at, PcapLayout.RecordHeaderLength);
                uint seconds = Read32(h, bigEndian);
                uint fraction = Read32(h[4..], bigEndian);
                uint captured = Read32(h[8..], bigEndian);
                uint original = Read32(h[12..], bigEndian);
                long timestamp = (seconds * 1_000_000_000L) + (fraction * (nanos ? 1L : 1000L));
                if (captured > PcapReader.MaxPacketLength || offset + PcapLayout.RecordHeaderLength + captured > limit)
                {
                    Problem($"{segment.Name}: record at offset {offset} has an impossible length {captured}");
                    continue;
                }

                if (!PacketFilter.TimeMatches(query, timestamp))
                    continue;
                var data = new byte[captured];
                long dataOffset = offset + PcapLayout.RecordHeaderLength;
                if (dataOffset + captured <= windowStart + windowLength)
                    window.AsSpan((int)(dataOffset - windowStart), (int)captured).CopyTo(data);
                else if (ReadFully(handle, data, dataOffset) != captured)
                {
                    Problem($"{segment.Name}: record at offset {offset} is cut short");
                    continue;
                }

                yield return new StoredPacket(timestamp, (int)Math.Min(original, int.MaxValue), segment.LinkType, data, segment.Name, offset);
            }
        }
    }

    private static int ReadFully(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int total = 0;
        int read;
        while (total < buffer.Length && (read = RandomAccess.Read(handle, buffer[total..], offset + total)) > 0)
            total += read;
        return total;
    }

    private static bool TryPcapHeader(ReadOnlySpan<byte> h, out bool nanos, out bool bigEndian)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(h);
        bigEndian = magic is 0xD4C3B2A1 or 0x4D3CB2A1;
        if (bigEndian)
            magic = BinaryPrimitives.ReverseEndianness(magic);
        nanos = magic == 0xA1B23C4D;
        return nanos || magic == 0xA1B2C3D4;
    }

    private static uint Read32(ReadOnlySpan<byte> span, bool bigEndian) =>
        bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(span) : BinaryPrimitives.ReadUInt32LittleEndian(span);

    /// <summary>Reads a segment from start to its last whole packet (the open one, or one without a usable index).</summary>
    private List<StoredPacket> Scan(PacketQuery query, SegmentInfo segment)
    {
        string path = Path.Combine(_packets, segment.Name);
        var matches = new List<StoredPacket>();
        string? problem;
        try
        {
            ScanResult result = SegmentScanner.Scan(path, (long offset, in PacketHeader header, ReadOnlySpan<byte> data, in FlowKey key, bool hasKey) =>
            {
                if (PacketFilter.TimeMatches(query, header.TimestampNanos) && PacketFilter.KeyMatches(query, key, hasKey))
                    matches.Add(new StoredPacket(header.TimestampNanos, header.OriginalLength, header.LinkType, data.ToArray(), segment.Name, offset));
            });
            problem = result.Problem is not null && !segment.IsOpen ? $"{segment.Name}: {result.Problem}" : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or CaptureFormatException)
        {
            problem = segment.IsOpen && e is FileNotFoundException or CaptureFormatException ? null : $"{segment.Name}: unreadable ({e.Message}), skipped";
        }

        if (problem is not null)
            Problem(problem);
        return matches;
    }

    private SegmentIndex? LoadIndex(SegmentInfo segment)
    {
        if (_indexes.TryGetValue(segment.Name, out SegmentIndex? index))
            return index;
        string path = Path.Combine(_packets, segment.Name[..^SegmentFiles.PcapExtension.Length] + SegmentFiles.IndexExtension);
        index = SegmentIndex.TryLoad(path, out string? problem);
        if (index is null)
        {
            Problem($"{segment.Name}: {problem}; scanning the segment instead");
            return null;
        }

        _indexes[segment.Name] = index;
        return index;
    }

    /// <summary>Lists the segments: closed ones get their index header read (once), the open one is noted.</summary>
    private void Refresh()
    {
        var list = new List<SegmentInfo>();
        var present = new HashSet<string>(StringComparer.Ordinal);
        foreach (string path in Directory.EnumerateFiles(_packets))
        {
            string name = Path.GetFileName(path);
            present.Add(name);
            if (SegmentFiles.TryParseOpen(name, out long sequence))
            {
                list.Add(new SegmentInfo(name, sequence, 0, long.MaxValue, 0, 0, 0, 0, 0, IsOpen: true, Pinned: false, Indexed: false));
                continue;
            }

            if (!SegmentFiles.TryParseClosed(name, SegmentFiles.PcapExtension, out sequence))
                continue;
            if (_known.TryGetValue(name, out SegmentInfo? info))
            {
                list.Add(info);
                continue;
            }

            info = Describe(path, name, sequence);
            _known[name] = info;
            list.Add(info);
        }

        for (int i = 0; i < list.Count; i++)
        {
            SegmentInfo s = list[i];
            if (!s.IsOpen)
                list[i] = s with { Pinned = present.Contains(s.Name[..^SegmentFiles.PcapExtension.Length] + SegmentFiles.PinExtension) };
        }

        list.Sort(static (a, b) => a.Sequence.CompareTo(b.Sequence));
        _segments = list;
    }

    private SegmentInfo Describe(string path, string name, long sequence)
    {
        string indexPath = path[..^SegmentFiles.PcapExtension.Length] + SegmentFiles.IndexExtension;
        try
        {
            using var handle = File.OpenHandle(indexPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            long length = RandomAccess.GetLength(handle);
            var header = new byte[IndexFormat.HeaderLength];
            int read = RandomAccess.Read(handle, header, 0);
            if (IndexFormat.TryReadHeader(header.AsSpan(0, read), length, out IndexHeader h, out string? problem))
            {
                if (h.Sequence != sequence)
                {
                    Problem($"{name}: its index belongs to segment {h.Sequence}; scanning the segment instead");
                    return new SegmentInfo(name, sequence, long.MinValue, long.MaxValue, 0, 0, 0, 0, 0, false, false, false);
                }

                _headers[name] = h;
                return new SegmentInfo(name, sequence, h.FirstNanos, h.LastNanos, h.PacketCount, h.FlowCount, h.LinkType, h.PcapBytes, length, false, false, true);
            }

            Problem($"{name}: {problem}; scanning the segment instead");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Problem($"{name}: index unreadable ({e.Message}); scanning the segment instead");
        }

        return new SegmentInfo(name, sequence, long.MinValue, long.MaxValue, 0, 0, 0, 0, 0, false, false, false);
    }

    private void Problem(string message)
    {
        if (!_problems.Contains(message))
            _problems.Add(message);
    }
}
