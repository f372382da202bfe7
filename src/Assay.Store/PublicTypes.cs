using Assay.Flows;

namespace Assay.Store;

/// <summary>Rotation and retention settings of a <see cref="PacketStore"/>.</summary>
public sealed record PacketStoreOptions
{
    /// <summary>A segment is closed before it would grow past this many bytes (default 1 GiB, capped at 4 GiB).</summary>
    public long MaxSegmentBytes { get; init; } = 1L << 30;

    /// <summary>A segment is closed once it spans this much packet time, or has been open this long in wall time (default 1 h).</summary>
    public TimeSpan MaxSegmentAge { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Retention by size: closed segments (pcap + index) plus the open one never exceed this; oldest are evicted first.</summary>
    public long MaxTotalBytes { get; init; } = long.MaxValue;

    /// <summary>Retention by age: a segment whose last packet is older than this (relative to the newest packet stored) is evicted.</summary>
    public TimeSpan? MaxAge { get; init; }

    /// <summary>Segments holding pinned flows (see <see cref="PacketStore.Pin"/>) are kept up to this age instead of <see cref="MaxAge"/>.</summary>
    public TimeSpan? PinnedMaxAge { get; init; }
}

/// <summary>A store cannot be opened or used (bad directory, not writable, locked by another writer): the message is one clear line.</summary>
public sealed class StoreException : Exception
{
    public StoreException()
    {
    }

    public StoreException(string message)
        : base(message)
    {
    }

    public StoreException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Counters of a <see cref="PacketStore"/> (a snapshot).</summary>
/// <param name="Packets">Packets accepted by <see cref="PacketStore.Append"/> (stored, not dropped).</param>
/// <param name="Bytes">Bytes of pcap records accepted (16-byte record header + captured bytes).</param>
/// <param name="PacketsFlushed">Accepted packets already written through to the operating system (they survive a kill -9).</param>
/// <param name="SegmentsClosed">Segments closed (index written, renamed) by this writer.</param>
/// <param name="SegmentsEvicted">Segments deleted by retention (age, size or full disk).</param>
/// <param name="BytesEvicted">Bytes (pcap + index) deleted by retention.</param>
/// <param name="PacketsDropped">Packets that could not be stored (disk full with nothing left to evict, unwritable directory).</param>
/// <param name="TotalBytes">Bytes the store occupies now (closed segments, their indexes and the open segment).</param>
/// <param name="LastError">The last disk-full, eviction-for-space or write problem, or null.</param>
public sealed record StoreStats(
    long Packets,
    long Bytes,
    long PacketsFlushed,
    long SegmentsClosed,
    long SegmentsEvicted,
    long BytesEvicted,
    long PacketsDropped,
    long TotalBytes,
    string? LastError);

/// <summary>A segment that <see cref="PacketStore.Open"/> found open (hidden) after a crash and repaired.</summary>
/// <param name="Segment">File name of the closed segment it became.</param>
/// <param name="PacketsKept">Whole packets kept.</param>
/// <param name="BytesTruncated">Bytes of a half-written packet cut off the end.</param>
public sealed record RepairedSegment(string Segment, long PacketsKept, long BytesTruncated);

/// <summary>What <see cref="PacketStore.Open"/> repaired or discarded.</summary>
public sealed class RecoveryReport
{
    internal List<RepairedSegment> RepairedList { get; } = [];

    internal List<string> RebuiltList { get; } = [];

    internal List<string> DiscardedList { get; } = [];

    /// <summary>Closed segments found (after repair).</summary>
    public int SegmentsFound { get; internal set; }

    /// <summary>Open (hidden) segments of a crashed writer, truncated after their last whole packet, indexed and closed.</summary>
    public IReadOnlyList<RepairedSegment> Repaired => RepairedList;

    /// <summary>Closed segments whose index was missing or corrupt and was rebuilt, with the reason.</summary>
    public IReadOnlyList<string> IndexesRebuilt => RebuiltList;

    /// <summary>Files removed or skipped (empty open segments, orphan indexes, temp files, unreadable pcaps), with the reason.</summary>
    public IReadOnlyList<string> Discarded => DiscardedList;

    /// <summary>True when nothing needed repair.</summary>
    public bool IsClean => RepairedList.Count == 0 && RebuiltList.Count == 0 && DiscardedList.Count == 0;
}

/// <summary>One segment of a store as a reader sees it.</summary>
/// <param name="Name">File name of the pcap (for the open segment, its hidden name).</param>
/// <param name="Sequence">Segment number (increasing with time).</param>
/// <param name="FirstNanos">Time of the first packet (0 when unknown: the open segment).</param>
/// <param name="LastNanos">Time of the last packet.</param>
/// <param name="Packets">Packets indexed.</param>
/// <param name="Flows">Flow-table entries (the "no flow" entry included).</param>
/// <param name="LinkType">The LINKTYPE_ of every packet.</param>
/// <param name="PcapBytes">Bytes of the pcap file covered by the index.</param>
/// <param name="IndexBytes">Bytes of the index file.</param>
/// <param name="IsOpen">The writer's open segment (read by scanning what has been flushed).</param>
/// <param name="Pinned">Holds a pinned flow.</param>
/// <param name="Indexed">False when the index is missing or corrupt (the segment is then scanned).</param>
public sealed record SegmentInfo(
    string Name,
    long Sequence,
    long FirstNanos,
    long LastNanos,
    long Packets,
    int Flows,
    int LinkType,
    long PcapBytes,
    long IndexBytes,
    bool IsOpen,
    bool Pinned,
    bool Indexed);

/// <summary>Which packets to return; every set criterion must hold (and). An empty query returns everything.</summary>
public sealed record PacketQuery
{
    /// <summary>Packets of this flow (both directions).</summary>
    public FlowKey? Flow { get; init; }

    /// <summary>Packets with this address at either end (IPv4 mapped as in <see cref="FlowKey"/>).</summary>
    public UInt128? Host { get; init; }

    /// <summary>TCP, UDP or SCTP packets with this port at either end.</summary>
    public ushort? Port { get; init; }

    /// <summary>Packets of this IP protocol number.</summary>
    public byte? Protocol { get; init; }

    /// <summary>Packets at or after this time (ns since the epoch).</summary>
    public long? SinceNanos { get; init; }

    /// <summary>Packets at or before this time (ns since the epoch).</summary>
    public long? UntilNanos { get; init; }
}

/// <summary>One stored packet.</summary>
/// <param name="TimestampNanos">Capture time, ns since the epoch.</param>
/// <param name="OriginalLength">Length on the wire.</param>
/// <param name="LinkType">The segment's LINKTYPE_.</param>
/// <param name="Data">The captured bytes.</param>
/// <param name="Segment">File name of the segment it was read from.</param>
/// <param name="Offset">File offset of its pcap record header in that segment.</param>
public readonly record struct StoredPacket(long TimestampNanos, int OriginalLength, int LinkType, ReadOnlyMemory<byte> Data, string Segment, long Offset);
