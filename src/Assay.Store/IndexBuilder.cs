using System.Buffers.Binary;
using System.Runtime.InteropServices;
using Assay.Flows;

namespace Assay.Store;

/// <summary>
/// The index of one segment, built in memory as packets arrive: a flow table (one slot per flow key, plus the "no flow"
/// slot for packets without a key) and per-flow postings (varint deltas of record offsets) in chained 32-byte chunks of
/// one arena. Bounded by <see cref="MaxFlows"/> and <see cref="MaxPostingsBytes"/>: <see cref="IsFull"/> asks the
/// writer to rotate. After warm-up, <see cref="Add"/> allocates nothing (arrays and dictionary are reused across segments).
/// </summary>
internal sealed class IndexBuilder
{
    /// <summary>Flows per segment; the writer closes the segment when a new flow would exceed it.</summary>
    public const int MaxFlows = 1 << 19;

    /// <summary>Bytes of the postings arena; the writer closes the segment when fewer than <see cref="ArenaHeadroom"/> bytes are left.</summary>
    public const int MaxPostingsBytes = 64 << 20;

    private const int ChunkSize = 32;
    private const int ChunkData = ChunkSize - 4;   // last 4 bytes: index of the next chunk
    private const int ArenaHeadroom = 4 * ChunkSize;
    private const int InitialFlows = 1024;
    private const int InitialArena = 1 << 16;

    private readonly Dictionary<FlowKey, int> _map = new(InitialFlows);
    private Slot[] _slots = new Slot[InitialFlows];
    private byte[] _arena = new byte[InitialArena];
    private int _arenaUsed;
    private int _noFlowSlot = -1;

    public int FlowCount { get; private set; }

    public long PacketCount { get; private set; }

    public long FirstNanos { get; private set; }

    public long LastNanos { get; private set; }

    /// <summary>Bytes the postings take once written (varints, no chunk overhead).</summary>
    public long PostingsBytes { get; private set; }

    /// <summary>A cap is reached: close the segment before adding another packet.</summary>
    public bool IsFull => FlowCount >= MaxFlows - 1 || _arenaUsed > MaxPostingsBytes - ArenaHeadroom;

    public void Clear()
    {
        _map.Clear();
        Array.Clear(_slots, 0, FlowCount);
        FlowCount = 0;
        _arenaUsed = 0;
        _noFlowSlot = -1;
        PacketCount = 0;
        PostingsBytes = 0;
        FirstNanos = 0;
        LastNanos = 0;
    }

    /// <summary>Records the packet whose pcap record starts at <paramref name="offset"/>.</summary>
    public void Add(long offset, long timestampNanos, in FlowKey key, bool hasKey)
    {
        int index;
        if (hasKey)
        {
            // Garnet's note: the ref into the dictionary is not held across any other mutation of it.
            ref int slotRef = ref CollectionsMarshal.GetValueRefOrAddDefault(_map, key, out bool exists);
            if (!exists)
                slotRef = NewSlot(in key, noFlow: false);
            index = slotRef;
        }
        else
        {
            if (_noFlowSlot < 0)
                _noFlowSlot = NewSlot(default, noFlow: true);
            index = _noFlowSlot;
        }

        ref Slot slot = ref _slots[index];
        if (slot.Count == 0)
        {
            slot.First = timestampNanos;
            slot.Head = slot.Tail = NewChunk();
            slot.TailFill = 0;
            AppendVarint(ref slot, (ulong)offset);
        }
        else
        {
            AppendVarint(ref slot, (ulong)(offset - slot.LastOffset));
        }

        slot.Count++;
        slot.Last = timestampNanos;
        slot.LastOffset = offset;
        if (PacketCount == 0)
            FirstNanos = timestampNanos;
        LastNanos = timestampNanos;
        PacketCount++;
    }

    /// <summary>True when this segment holds a packet of <paramref name="key"/> between the two times (for pins).</summary>
    public bool Contains(in FlowKey key, long first, long last) =>
        _map.TryGetValue(key, out int i) && _slots[i].First <= last && _slots[i].Last >= first;

    /// <summary>Serialises the index (layout in <see cref="IndexFormat"/>).</summary>
    public byte[] Build(long sequence, int linkType, long pcapBytes)
    {
        int n = FlowCount;
        var hashes = new ulong[n];
        var order = new int[n];
        for (int i = 0; i < n; i++)
        {
            hashes[i] = _slots[i].NoFlow ? 0 : _slots[i].Key.ShardHash();
            order[i] = i;
        }

        Array.Sort(hashes, order);
        long length = IndexFormat.HeaderLength + (long)n * IndexFormat.EntryLength + PostingsBytes + IndexFormat.TrailerLength;
        var file = new byte[length];
        Span<byte> postings = file.AsSpan(IndexFormat.HeaderLength + (n * IndexFormat.EntryLength), (int)PostingsBytes);
        int written = 0;
        for (int e = 0; e < n; e++)
        {
            ref Slot slot = ref _slots[order[e]];
            int start = written;
            written += CopyPostings(ref slot, postings[written..]);
            var entry = new IndexEntry(slot.NoFlow ? default : slot.Key, slot.NoFlow, hashes[e], slot.Count, slot.First, slot.Last, (uint)start, (uint)(written - start));
            IndexFormat.WriteEntry(file.AsSpan(IndexFormat.HeaderLength + (e * IndexFormat.EntryLength), IndexFormat.EntryLength), in entry);
        }

        var header = new IndexHeader(sequence, FirstNanos, LastNanos, PacketCount, pcapBytes, n, linkType, (uint)PostingsBytes);
        IndexFormat.WriteHeader(file, in header);
        IndexFormat.Seal(file);
        return file;
    }

    private int NewSlot(in FlowKey key, bool noFlow)
    {
        if (FlowCount == _slots.Length)
            Array.Resize(ref _slots, _slots.Length * 2);
        int index = FlowCount++;
        _slots[index] = new Slot { Key = key, NoFlow = noFlow };
        return index;
    }

    private int NewChunk()
    {
        if (_arenaUsed + ChunkSize > _arena.Length)
            Array.Resize(ref _arena, Math.Max(_arena.Length * 2, _arenaUsed + ChunkSize));
        int at = _arenaUsed;
        _arenaUsed += ChunkSize;
        BinaryPrimitives.WriteInt32LittleEndian(_arena.AsSpan(at + ChunkData), -1);
        return at;
    }

    private void AppendVarint(ref Slot slot, ulong value)
    {
        do
        {
            byte b = (byte)(value & 0x7F);
            value >>= 7;
            if (value != 0)
                b |= 0x80;
            if (slot.TailFill == ChunkData)
            {
                int next = NewChunk();
                BinaryPrimitives.WriteInt32LittleEndian(_arena.AsSpan(slot.Tail + ChunkData), next);
                slot.Tail = next;
                slot.TailFill = 0;
            }

            _arena[slot.Tail + slot.TailFill++] = b;
            PostingsBytes++;
        }
        while (value != 0);
    }

    private int CopyPostings(ref Slot slot, Span<byte> destination)
    {
        int written = 0;
        int chunk = slot.Head;
        while (chunk != slot.Tail)
        {
            _arena.AsSpan(chunk, ChunkData).CopyTo(destination[written..]);
            written += ChunkData;
            chunk = BinaryPrimitives.ReadInt32LittleEndian(_arena.AsSpan(chunk + ChunkData));
        }

        _arena.AsSpan(chunk, slot.TailFill).CopyTo(destination[written..]);
        return written + slot.TailFill;
    }

    private struct Slot
    {
        public FlowKey Key;
        public bool NoFlow;
        public uint Count;
        public long First;
        public long Last;
        public long LastOffset;
        public int Head;
        public int Tail;
        public int TailFill;
    }
}
