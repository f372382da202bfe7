using Assay.Output;

namespace Assay.Tests.Output;

public class BoundedQueueTests
{
    [Fact]
    public void ItemsArriveInOrderAcrossThreadsAndCompletionDrains()
    {
        var queue = new BoundedQueue<int>(4);
        var received = new List<int>();
        var consumer = new Thread(() =>
        {
            while (queue.TryTake(out int item))
                received.Add(item);
        });
        consumer.Start();
        for (int i = 0; i < 10_000; i++)
            queue.Add(i);
        queue.Complete();
        consumer.Join();
        Assert.Equal(Enumerable.Range(0, 10_000), received);
    }

    [Fact]
    public void TryAddFailsWhenFull()
    {
        var queue = new BoundedQueue<int>(2);
        Assert.True(queue.TryAdd(1));
        Assert.True(queue.TryAdd(2));
        Assert.False(queue.TryAdd(3));
        Assert.Equal(2, queue.Count);
    }
}
