using System.Buffers;
using System.Runtime.CompilerServices;

namespace Assay.Flows.Tcp;

/// <summary>
/// Pooled storage for the stream bytes a <see cref="TcpReassembler"/> holds (out-of-order data and the retained tail of
/// delivered data), and the memory budget shared by every flow of one worker.
/// </summary>
/// <remarks>
/// <para><b>Nodes.</b> A node is one run of stream bytes: (stream offset, block, start, length, next). Nodes live by value
/// in one array and are named by a 1-based index, so a <see langword="default"/> <see cref="TcpStreamState"/> (index 0)
/// holds nothing. Freed nodes go on a free list; the array only grows (doubling), so steady state allocates nothing.</para>
/// <para><b>Blocks.</b> Node bytes live in blocks of three sizes (<see cref="SmallBlock"/>, <see cref="MediumBlock"/>,
/// <see cref="LargeBlock"/>) rented from <see cref="ArrayPool{T}.Shared"/> and kept on this pool's own free stacks when
/// returned (the shared pool keeps only a few arrays per size and thread, fewer than one out-of-order window needs). Idle
/// blocks beyond <see cref="MaxIdleBytes"/> go back to the shared pool.</para>
/// <para><b>Budget.</b> <see cref="BytesInUse"/> counts the capacity of the blocks nodes hold (not just the bytes in them),
/// so a one-byte segment costs a <see cref="SmallBlock"/>; it never exceeds <see cref="Budget"/>.</para>
/// Not thread-safe: one per worker, shared by that worker's flows.
/// </remarks>
public sealed class SegmentPool
{
    /// <summary>Default budget per worker: 128 MiB. Suricata's shipped <c>suricata.yaml</c> sets
    /// <c>stream.reassembly.memcap: 256mb</c> for the whole engine; ours is per worker, and most of it is only touched by lossy
    /// or hostile flows.</summary>
    public const long DefaultBudget = 128L * 1024 * 1024;

    /// <summary>Block for runs of up to 256 bytes (tiny segments, short requests).</summary>
    public const int SmallBlock = 256;

    /// <summary>Block for one Ethernet-MSS segment (1,460 bytes) with room to spare.</summary>
    public const int MediumBlock = 2048;

    /// <summary>Block for coalesced runs (consecutive segments copied back to back) and jumbo/GRO segments, which are split.</summary>
    public const int LargeBlock = 16 * 1024;

    /// <summary>Idle blocks kept on the free stacks (above this they return to the shared pool).</summary>
    public const long MaxIdleBytes = 16L * 1024 * 1024;

    private const int InitialNodes = 64;
    private const int ClassCount = 3;

    internal struct Node
    {
        public long Offset;
        public byte[] Block;
        public int Start;
        public int Length;
        /// <summary>Next node of the same list, 0 at the end; on the free list, the next free node.</summary>
        public int Next;

        public readonly long End => Offset + Length;

        /// <summary>Free capacity after the node's bytes, where a contiguous run can be appended.</summary>
        public readonly int Room => Block.Length - Start - Length;

        public readonly ReadOnlySpan<byte> Data => new(Block, Start, Length);
    }

    private Node[] _nodes = new Node[InitialNodes + 1];   // [0] is never used: index 0 means "none"
    private int _usedNodes = 1;                             // high-water mark of handed-out indices
    private int _freeNode;                                  // head of the free-node list
    private readonly byte[][][] _freeBlocks = [new byte[8][], new byte[8][], new byte[8][]];
    private readonly int[] _freeBlockCounts = new int[ClassCount];
    private long _idleBytes;

    public SegmentPool(long budget = DefaultBudget)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(budget);
        Budget = budget;
    }

    /// <summary>Most block bytes nodes may hold at once.</summary>
    public long Budget { get; }

    /// <summary>Block bytes held by nodes now.</summary>
    public long BytesInUse { get; private set; }

    /// <summary>Highest <see cref="BytesInUse"/> seen.</summary>
    public long PeakBytesInUse { get; private set; }

    /// <summary>Nodes held now.</summary>
    public int NodesInUse { get; private set; }

    /// <summary>Idle block bytes kept for reuse.</summary>
    public long IdleBytes => _idleBytes;

    internal ref Node this[int index] => ref _nodes[index];

    /// <summary>The block size a new node gets for <paramref name="length"/> bytes (at most <see cref="LargeBlock"/>).</summary>
    internal static int BlockSizeFor(int length) => length <= SmallBlock ? SmallBlock : length <= MediumBlock ? MediumBlock : LargeBlock;

    internal bool CanAllocate(long blockBytes) => BytesInUse + blockBytes <= Budget;

    /// <summary>A new node at <paramref name="offset"/> with an empty block of <paramref name="blockSize"/> bytes; 0 when the budget is spent.</summary>
    internal int Allocate(long offset, int blockSize)
    {
        if (BytesInUse + blockSize > Budget)
            return 0;

        int index = _freeNode;
        if (index != 0)
        {
            _freeNode = _nodes[index].Next;
        }
        else
        {
            if (_usedNodes == _nodes.Length)
                Array.Resize(ref _nodes, _nodes.Length * 2);
            index = _usedNodes++;
        }

        ref Node node = ref _nodes[index];
        node.Offset = offset;
        node.Block = RentBlock(blockSize);
        node.Start = 0;
        node.Length = 0;
        node.Next = 0;
        BytesInUse += blockSize;
        if (BytesInUse > PeakBytesInUse)
            PeakBytesInUse = BytesInUse;
        NodesInUse++;
        return index;
    }

    internal void Free(int index)
    {
        ref Node node = ref _nodes[index];
        BytesInUse -= node.Block.Length;
        ReturnBlock(node.Block);
        node.Block = null!;
        node.Next = _freeNode;
        _freeNode = index;
        NodesInUse--;
    }

    /// <summary>Frees a list of nodes linked through <see cref="Node.Next"/>.</summary>
    internal void FreeList(int head)
    {
        while (head != 0)
        {
            int next = _nodes[head].Next;
            Free(head);
            head = next;
        }
    }

    private static int ClassOf(int blockSize) => blockSize == SmallBlock ? 0 : blockSize == MediumBlock ? 1 : 2;

    private byte[] RentBlock(int blockSize)
    {
        int cls = ClassOf(blockSize);
        int count = _freeBlockCounts[cls];
        if (count != 0)
        {
            byte[] block = _freeBlocks[cls][--count];
            _freeBlocks[cls][count] = null!;
            _freeBlockCounts[cls] = count;
            _idleBytes -= block.Length;
            return block;
        }

        // ArrayPool.Shared hands out exact powers of two, so the block is exactly blockSize long.
        return ArrayPool<byte>.Shared.Rent(blockSize);
    }

    private void ReturnBlock(byte[] block)
    {
        if (_idleBytes + block.Length > MaxIdleBytes)
        {
            ArrayPool<byte>.Shared.Return(block);
            return;
        }

        int cls = ClassOf(block.Length);
        ref byte[][] stack = ref _freeBlocks[cls];
        int count = _freeBlockCounts[cls];
        if (count == stack.Length)
            Array.Resize(ref stack, count * 2);
        stack[count] = block;
        _freeBlockCounts[cls] = count + 1;
        _idleBytes += block.Length;
    }

    /// <summary>Copies <paramref name="data"/> to the end of node <paramref name="index"/>'s bytes; returns how many fitted.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal int Append(int index, ReadOnlySpan<byte> data)
    {
        ref Node node = ref _nodes[index];
        int n = Math.Min(node.Room, data.Length);
        data[..n].CopyTo(node.Block.AsSpan(node.Start + node.Length));
        node.Length += n;
        return n;
    }
}
