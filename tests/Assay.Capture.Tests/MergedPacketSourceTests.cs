namespace Assay.Capture.Tests;

public class MergedPacketSourceTests
{
    private static TestPacket P(long timestamp, int length, int seed) => new(timestamp, TestCaptures.Payload(length, seed));

    private static IPacketSource Pcap(string name, params TestPacket[] packets) =>
        TestCaptures.Open(TestCaptures.Pcap(false, true, 1, packets), name);

    [Fact]
    public void DeliversThePacketsOfAllSourcesInTimestampOrderWithTheirOwnBytes()
    {
        TestPacket[] a = [P(10, 60, 1), P(40, 1500, 2), P(70, 60, 3)];
        TestPacket[] b = [P(20, 100, 4), P(30, 200, 5), P(80, 3000, 6)];
        TestPacket[] c = [P(5, 10, 7), P(90, 20, 8)];
        using var merged = new MergedPacketSource([Pcap("a", a), Pcap("b", b), Pcap("c", c)]);

        var read = TestCaptures.ReadAll(merged, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal([5L, 10, 20, 30, 40, 70, 80, 90], read.ConvertAll(p => p.Header.TimestampNanos));
        Assert.Equal(c[0].Data, read[0].Data);
        Assert.Equal(a[1].Data, read[4].Data);
        Assert.Equal(b[2].Data, read[6].Data);
        Assert.Empty(merged.Problems);
        Assert.Null(merged.Problem);
        Assert.Equal("a, b, c", merged.Name);
    }

    [Fact]
    public void GivesEqualTimestampsToTheEarlierSourceFirst()
    {
        using var merged = new MergedPacketSource([Pcap("a", P(10, 1, 1), P(10, 2, 2)), Pcap("b", P(10, 3, 3)), Pcap("c", P(5, 4, 4), P(10, 5, 5))]);

        var read = TestCaptures.ReadAll(merged, out _);

        Assert.Equal([4, 1, 2, 3, 5], read.ConvertAll(p => p.Data.Length));
    }

    [Fact]
    public void KeepsASourcesOwnOrderWhenItsTimestampsGoBackwards()
    {
        using var merged = new MergedPacketSource([Pcap("a", P(50, 1, 1), P(10, 2, 2)), Pcap("b", P(30, 3, 3))]);

        var read = TestCaptures.ReadAll(merged, out _);

        Assert.Equal([3, 1, 2], read.ConvertAll(p => p.Data.Length));
    }

    [Fact]
    public void GoesOnWithTheOtherSourcesAfterOneIsTruncatedAndNamesIt()
    {
        byte[] damaged = TestCaptures.Pcap(false, true, 1, [P(10, 60, 1), P(30, 60, 2), P(50, 60, 3)]);
        int cut = damaged.Length - 30;
        using var merged = new MergedPacketSource([
            TestCaptures.Open(damaged[..cut], "damaged.pcap"),
            Pcap("whole.pcap", P(20, 5, 4), P(40, 5, 5), P(60, 5, 6)),
        ]);

        var read = TestCaptures.ReadAll(merged, out ReadStatus final);

        Assert.Equal([10L, 20, 30, 40, 60], read.ConvertAll(p => p.Header.TimestampNanos));
        Assert.Equal(ReadStatus.Truncated, final);
        SourceProblem problem = Assert.Single(merged.Problems);
        Assert.Equal("damaged.pcap", problem.Name);
        Assert.Equal(ReadStatus.Truncated, problem.Status);
        Assert.Equal($"file ends inside the packet record at offset {cut - 46}: it claims 60 captured bytes but only 30 remain", problem.Problem);
        Assert.Equal($"damaged.pcap: {problem.Problem}", merged.Problem);
    }

    [Fact]
    public void NamesEveryDamagedSourceInItsProblem()
    {
        byte[] one = TestCaptures.Pcap(false, true, 1, [P(10, 60, 1)]);
        using var merged = new MergedPacketSource([TestCaptures.Open(one[..^1], "x"), TestCaptures.Open(one[..^2], "y")]);

        TestCaptures.Count(merged, out ReadStatus final);

        Assert.Equal(ReadStatus.Truncated, final);
        Assert.Equal(["x", "y"], [.. merged.Problems.Select(p => p.Name)]);
        Assert.StartsWith("x: file ends", merged.Problem, StringComparison.Ordinal);
        Assert.Contains("; y: file ends", merged.Problem, StringComparison.Ordinal);
    }

    [Fact]
    public void SumsPositionAndLength()
    {
        byte[] a = TestCaptures.Pcap(false, true, 1, [P(1, 60, 1)]);
        byte[] b = TestCaptures.Pcap(false, true, 1, [P(2, 70, 2), P(3, 10, 3)]);
        using var merged = new MergedPacketSource([TestCaptures.Open(a), TestCaptures.Open(b)]);

        Assert.Equal(a.Length + b.Length, merged.Length);
        TestCaptures.Count(merged, out _);
        Assert.Equal(a.Length + b.Length, merged.Position);
    }

    [Fact]
    public void EndsAtOnceWithNoSources()
    {
        using var merged = new MergedPacketSource([]);
        Assert.Equal(ReadStatus.EndOfInput, merged.TryReadPacket(out _, out _));
    }

    [Fact]
    public void AllocatesNothingPerPacketOnceWarm()
    {
        var a = new TestPacket[20_000];
        var b = new TestPacket[20_000];
        for (int i = 0; i < a.Length; i++)
        {
            a[i] = P(i * 2L, 60, i);
            b[i] = P(i * 2L + 1, 100, i);
        }

        using var merged = new MergedPacketSource([Pcap("a", a), Pcap("b", b)]);
        for (int i = 0; i < 5_000; i++)
            Assert.Equal(ReadStatus.Packet, merged.TryReadPacket(out _, out _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = TestCaptures.Count(merged, out ReadStatus final);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(35_000, count);
        Assert.Equal(0, allocated);
    }
}
