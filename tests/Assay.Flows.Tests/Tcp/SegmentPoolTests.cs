using Assay.Flows.Tcp;

namespace Assay.Flows.Tests.Tcp;

public class SegmentPoolTests
{
    [Theory]
    [InlineData(1, SegmentPool.SmallBlock)]
    [InlineData(256, SegmentPool.SmallBlock)]
    [InlineData(257, SegmentPool.MediumBlock)]
    [InlineData(1460, SegmentPool.MediumBlock)]
    [InlineData(2049, SegmentPool.LargeBlock)]
    [InlineData(65535, SegmentPool.LargeBlock)]
    public void BlockSizeFitsTheRun(int length, int expected) => Assert.Equal(expected, SegmentPool.BlockSizeFor(length));

    [Fact]
    public void BudgetCountsBlockCapacityAndRefusesBeyondIt()
    {
        var pool = new SegmentPool(budget: SegmentPool.MediumBlock + SegmentPool.SmallBlock);
        int a = pool.Allocate(0, SegmentPool.MediumBlock);
        int b = pool.Allocate(10, SegmentPool.SmallBlock);
        Assert.NotEqual(0, a);
        Assert.NotEqual(0, b);
        Assert.Equal(0, pool.Allocate(20, SegmentPool.SmallBlock));
        Assert.Equal(pool.Budget, pool.BytesInUse);
        Assert.Equal(2, pool.NodesInUse);

        Assert.Equal(3, pool.Append(b, "abc"u8));
        Assert.Equal("abc"u8.ToArray(), pool[b].Data.ToArray());
        Assert.Equal(10, pool[b].Offset);
        Assert.Equal(13, pool[b].End);

        pool.Free(a);
        pool.Free(b);
        Assert.Equal(0, pool.BytesInUse);
        Assert.Equal(0, pool.NodesInUse);
        Assert.Equal(pool.Budget, pool.PeakBytesInUse);
    }

    [Fact]
    public void AppendStopsAtTheBlockEnd()
    {
        var pool = new SegmentPool();
        int node = pool.Allocate(0, SegmentPool.SmallBlock);
        Assert.Equal(SegmentPool.SmallBlock, pool.Append(node, new byte[1000]));
        Assert.Equal(0, pool[node].Room);
        Assert.Equal(0, pool.Append(node, new byte[1]));
    }

    [Fact]
    public void FreedNodesAndBlocksAreReusedWithoutAllocating()
    {
        var pool = new SegmentPool();
        int[] nodes = new int[500];
        void Cycle()
        {
            for (int i = 0; i < nodes.Length; i++)
                nodes[i] = pool.Allocate(i, i % 3 == 0 ? SegmentPool.LargeBlock : SegmentPool.MediumBlock);
            for (int i = 0; i < nodes.Length; i++)
                pool.Free(nodes[i]);
        }

        Cycle();
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 20; i++)
            Cycle();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.True(pool.IdleBytes <= SegmentPool.MaxIdleBytes);
    }
}
