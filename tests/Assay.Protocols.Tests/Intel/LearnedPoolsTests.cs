using Assay.Protocols.Intel;
using static Assay.Protocols.Tests.Intel.IntelTestSupport;

namespace Assay.Protocols.Tests.Intel;

public class LearnedPoolsTests
{
    private static UInt128 Address(int i) => V4("10.0.0.0") + (UInt128)i;

    [Fact]
    public void AddressesAndEndpointsAreSeparateEntries()
    {
        var pools = new LearnedPools();
        pools.LearnAddress(Address(1), "xmr-eu1.nanopool.org", "dns", 100);
        pools.LearnEndpoint(Address(2), 3333, "stratum server", "stratum", 200);

        Assert.True(pools.TryGetAddress(Address(1), out LearnedPool pool));
        Assert.Equal(new LearnedPool("xmr-eu1.nanopool.org", "dns", 100), pool);
        Assert.False(pools.TryGetEndpoint(Address(1), 3333, out _));
        Assert.True(pools.TryGetEndpoint(Address(2), 3333, out pool));
        Assert.Equal("stratum", pool.Reason);
        Assert.False(pools.TryGetEndpoint(Address(2), 3334, out _));
        Assert.False(pools.TryGetAddress(Address(2), out _));
        Assert.Equal(2, pools.Count);
    }

    [Fact]
    public void RelearningUpdatesInPlace()
    {
        var pools = new LearnedPools();
        pools.LearnAddress(Address(1), "a", "dns", 1);
        pools.LearnAddress(Address(1), "b", "stratum", 2);
        Assert.Equal(1, pools.Count);
        Assert.True(pools.TryGetAddress(Address(1), out LearnedPool pool));
        Assert.Equal(new LearnedPool("b", "stratum", 2), pool);
    }

    [Fact]
    public void TheOldestEntryIsEvictedFirst()
    {
        var pools = new LearnedPools(capacity: 3);
        pools.LearnAddress(Address(1), "1", "dns", 1);
        pools.LearnAddress(Address(2), "2", "dns", 2);
        pools.LearnEndpoint(Address(3), 3333, "3", "stratum", 3);
        pools.LearnAddress(Address(1), "1", "dns", 4);                 // refreshed: now the newest
        pools.LearnAddress(Address(4), "4", "dns", 5);                 // evicts 2, the oldest
        Assert.Equal(3, pools.Count);
        Assert.False(pools.TryGetAddress(Address(2), out _));
        Assert.True(pools.TryGetAddress(Address(1), out _));
        pools.LearnAddress(Address(5), "5", "dns", 6);                 // evicts the endpoint
        Assert.False(pools.TryGetEndpoint(Address(3), 3333, out _));
        Assert.Equal(2, pools.Evictions);
        Assert.Equal(3, pools.Count);
    }

    [Fact]
    public void TheDefaultCapacityIsMaxEntries()
    {
        var pools = new LearnedPools();
        for (int i = 0; i < LearnedPools.MaxEntries + 1000; i++)
            pools.LearnEndpoint(Address(i), 3333, "p", "stratum", i);
        Assert.Equal(LearnedPools.MaxEntries, pools.Count);
        Assert.Equal(1000, pools.Evictions);
        Assert.False(pools.TryGetEndpoint(Address(999), 3333, out _));
        Assert.True(pools.TryGetEndpoint(Address(1000), 3333, out _));
    }

    [Fact]
    public void RepeatedRelearningDoesNotGrowWithoutBound()
    {
        var pools = new LearnedPools(capacity: 4);
        for (int i = 0; i < 100_000; i++)
            pools.LearnAddress(Address(i % 2), "p", "dns", i);
        Assert.Equal(2, pools.Count);
        Assert.Equal(0, pools.Evictions);
        pools.LearnAddress(Address(10), "p", "dns", 0);
        pools.LearnAddress(Address(11), "p", "dns", 0);
        pools.LearnAddress(Address(12), "p", "dns", 0);
        Assert.Equal(4, pools.Count);
        Assert.False(pools.TryGetAddress(Address(0), out _));           // the least recently learned of the two
        Assert.True(pools.TryGetAddress(Address(1), out _));
    }

    [Fact]
    public async Task ConcurrentWritersAndReadersKeepTheBoundAndNeverSeeAMismatchedEntry()
    {
        const int Capacity = 1024;
        var pools = new LearnedPools(Capacity);
        int bad = 0;
        var tasks = new List<Task>();
        for (int w = 0; w < 4; w++)
        {
            int writer = w;
            tasks.Add(Task.Run(() =>
            {
                for (int i = 0; i < 50_000; i++)
                {
                    int key = (i * 7919 + writer) % 5000;
                    pools.LearnEndpoint(Address(key), (ushort)(key % 60000 + 1), $"pool-{key}", "stratum", i);
                }
            }));
        }

        for (int r = 0; r < 2; r++)
        {
            tasks.Add(Task.Run(() =>
            {
                for (int i = 0; i < 200_000; i++)
                {
                    int key = i % 5000;
                    if (pools.TryGetEndpoint(Address(key), (ushort)(key % 60000 + 1), out LearnedPool pool) && pool.Name != $"pool-{key}")
                        Interlocked.Increment(ref bad);
                    if (pools.Count > Capacity)
                        Interlocked.Increment(ref bad);
                }
            }));
        }

        await Task.WhenAll(tasks);
        Assert.Equal(0, bad);
        Assert.Equal(Capacity, pools.Count);
        int present = 0;
        for (int key = 0; key < 5000; key++)
            present += pools.TryGetEndpoint(Address(key), (ushort)(key % 60000 + 1), out _) ? 1 : 0;
        Assert.Equal(Capacity, present);
    }
}
