using System.Text;
using Assay.Engine;

namespace Assay.Tests.Engine;

/// <summary>The passive-DNS table: last name per address, bounded, thread-safe, and no allocation when written.</summary>
[Collection(AllocationCollection.Name)]
public sealed class ResolvedNamesTests
{
    private static UInt128 V4(uint address) => ((UInt128)0xFFFF << 32) | address;

    private static string? Get(ResolvedNames names, UInt128 address) => names.TryGet(address, out string? name) ? name : null;

    [Fact]
    public void TheLastNameGivenForAnAddressIsKept()
    {
        var names = new ResolvedNames();
        Assert.Null(Get(names, V4(0x0A000001)));
        names.Set(V4(0x0A000001), "pool.example"u8);
        names.Set(V4(0x0A000002), "other.example"u8);
        names.Set((UInt128)0x20010DB8 << 96 | 1, "v6.example"u8);
        Assert.Equal("pool.example", Get(names, V4(0x0A000001)));
        names.Set(V4(0x0A000001), "pool.example"u8);
        names.Set(V4(0x0A000001), "renamed.example"u8);
        Assert.Equal("renamed.example", Get(names, V4(0x0A000001)));
        Assert.Equal("other.example", Get(names, V4(0x0A000002)));
        Assert.Equal("v6.example", Get(names, (UInt128)0x20010DB8 << 96 | 1));
        Assert.Equal(3, names.Count);
    }

    [Fact]
    public void GrowingKeepsEveryName()
    {
        var names = new ResolvedNames();
        const int Count = 40_000;   // well past every stripe's first size, below where a stripe starts over
        for (uint i = 0; i < Count; i++)
            names.Set(V4(0x0B000000 + i), Encoding.ASCII.GetBytes($"n{i}.example"));
        Assert.Equal(Count, names.Count);
        for (uint i = 0; i < Count; i++)
            Assert.Equal($"n{i}.example", Get(names, V4(0x0B000000 + i)));
    }

    [Fact]
    public void AnAddressRenamedOverAndOverPushesNoOtherOut()
    {
        // A CDN address answers for many names: its renames leave dead bytes in its stripe's arena, which is compacted.
        var names = new ResolvedNames();
        for (uint i = 0; i < 20_000; i++)
            names.Set(V4(0x0C000000 + i), Encoding.ASCII.GetBytes($"site{i}.example"));
        UInt128 cdn = V4(0x0C000000 + 7);
        for (int i = 0; i < 300_000; i++)
            names.Set(cdn, Encoding.ASCII.GetBytes($"customer-{i % 5000}.cdn.example"));
        Assert.Equal("customer-4999.cdn.example", Get(names, cdn));
        for (uint i = 0; i < 20_000; i++)
        {
            if (i != 7)
                Assert.Equal($"site{i}.example", Get(names, V4(0x0C000000 + i)));
        }
    }

    [Fact]
    public void EmptyAndOverlongNamesAreNotRecorded()
    {
        var names = new ResolvedNames();
        names.Set(V4(1), ""u8);
        names.Set(V4(2), Encoding.ASCII.GetBytes(new string('a', ResolvedNames.MaxNameLength + 1)));
        names.Set(V4(3), Encoding.ASCII.GetBytes(new string('b', ResolvedNames.MaxNameLength)));
        Assert.Null(Get(names, V4(1)));
        Assert.Null(Get(names, V4(2)));
        Assert.Equal(new string('b', ResolvedNames.MaxNameLength), Get(names, V4(3)));
    }

    [Fact]
    public void ItStaysBoundedAndKeepsTheNewestWhenFull()
    {
        var names = new ResolvedNames();
        const int Total = ResolvedNames.MaxEntries * 4;
        for (uint i = 0; i < Total; i++)
            names.Set(V4(i), Encoding.ASCII.GetBytes($"host{i}.example"));
        Assert.InRange(names.Count, 1, ResolvedNames.MaxEntries);
        // The most recent names are there (a stripe that filled started over before them, not after).
        for (uint i = Total - 64; i < Total; i++)
            Assert.Equal($"host{i}.example", Get(names, V4(i)));
        // Long names fill the arenas before the slots: still bounded, still correct.
        byte[] longName = Encoding.ASCII.GetBytes(new string('x', 250));
        for (uint i = 0; i < 100_000; i++)
            names.Set(V4(i), longName);
        Assert.Equal(new string('x', 250), Get(names, V4(99_999)));
    }

    [Fact]
    public void WorkersWritingAtOnceLoseNothingTheyWroteLast()
    {
        var names = new ResolvedNames();
        Parallel.For(0, 4, worker =>
        {
            for (uint i = 0; i < 20_000; i++)
            {
                names.Set(V4(((uint)worker << 24) | i), Encoding.ASCII.GetBytes($"w{worker}-{i}.example"));
                names.Set(V4(0xC0000200), Encoding.ASCII.GetBytes($"shared-{worker}.example"));   // all workers, one address
            }
        });
        for (int worker = 0; worker < 4; worker++)
        {
            for (uint i = 19_000; i < 20_000; i++)
                Assert.Equal($"w{worker}-{i}.example", Get(names, V4(((uint)worker << 24) | i)));
        }

        Assert.Matches("^shared-[0-3]\\.example$", Get(names, V4(0xC0000200)));
    }

    [Fact]
    public void WritingAllocatesNothing()
    {
        var names = new ResolvedNames();
        byte[][] given = [.. Enumerable.Range(0, 4096).Select(i => Encoding.ASCII.GetBytes($"name{i % 97}.pool.example"))];
        void Body()
        {
            for (int i = 0; i < given.Length; i++)
            {
                names.Set(V4((uint)(i * 2654435761u)), given[i]);
                names.Set(V4(0x0D000001), given[i]);   // one address renamed at every step: its arena fills and is compacted
            }
        }

        Allocations.WarmUp(Body);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 50; round++)
            Body();
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
