using Assay.Capture;
using Assay.Synthesis.Packets;

namespace Assay.Synthesis.Sessions;

/// <summary>
/// Collects packets from many conversations and writes them in time order. Ties keep insertion order, so output is
/// deterministic (<see cref="List{T}.Sort()"/> alone is not stable).
/// </summary>
public sealed class Timeline
{
    private readonly List<Entry> _entries = [];
    private int[]? _indexByHandle;

    private readonly record struct Entry(long TimestampNanos, int Handle, byte[] Data);

    public int Count => _entries.Count;

    /// <summary>Adds a packet and returns a handle for <see cref="IndexOf"/>.</summary>
    public int Add(SyntheticPacket packet)
    {
        _indexByHandle = null;
        int handle = _entries.Count;
        _entries.Add(new Entry(packet.TimestampNanos, handle, packet.Data));
        return handle;
    }

    public int Add(long timestampNanos, byte[] data) => Add(new SyntheticPacket(timestampNanos, data));

    public void AddRange(IEnumerable<SyntheticPacket> packets)
    {
        ArgumentNullException.ThrowIfNull(packets);
        foreach (SyntheticPacket packet in packets)
            Add(packet);
    }

    /// <summary>The packets in time order.</summary>
    public IReadOnlyList<SyntheticPacket> Sorted()
    {
        SortEntries();
        var packets = new SyntheticPacket[_entries.Count];
        for (int i = 0; i < packets.Length; i++)
            packets[i] = new SyntheticPacket(_entries[i].TimestampNanos, _entries[i].Data);
        return packets;
    }

    /// <summary>The 0-based position in the written file of the packet <see cref="Add(SyntheticPacket)"/> returned <paramref name="handle"/> for.</summary>
    public int IndexOf(int handle)
    {
        SortEntries();
        return _indexByHandle![handle];
    }

    /// <summary>Writes a classic pcap file; returns the number of bytes of packet data written.</summary>
    public long Write(string path, LinkLayer link = LinkLayer.Ethernet, bool nanosecondResolution = false)
    {
        using var writer = PcapWriter.Create(path, (int)PacketBuilder.ToLinkType(link), nanosecondResolution);
        return Write(writer);
    }

    public long Write(PcapWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        SortEntries();
        long bytes = 0;
        foreach (Entry entry in _entries)
        {
            writer.Write(entry.TimestampNanos, entry.Data);
            bytes += entry.Data.Length;
        }

        return bytes;
    }

    /// <summary>The whole capture as pcap bytes in memory.</summary>
    public byte[] ToPcapBytes(LinkLayer link = LinkLayer.Ethernet, bool nanosecondResolution = false)
    {
        using var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, (int)PacketBuilder.ToLinkType(link), nanosecondResolution, ownsStream: false))
            Write(writer);
        return stream.ToArray();
    }

    private void SortEntries()
    {
        if (_indexByHandle is not null)
            return;
        _entries.Sort(static (a, b) => a.TimestampNanos != b.TimestampNanos ? a.TimestampNanos.CompareTo(b.TimestampNanos) : a.Handle.CompareTo(b.Handle));
        _indexByHandle = new int[_entries.Count];
        for (int i = 0; i < _entries.Count; i++)
            _indexByHandle[_entries[i].Handle] = i;
    }
}
