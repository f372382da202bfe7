using Assay.Protocols.Mining.Shape;

namespace Assay.Protocols.Tests.Mining.Shape;

/// <summary>Synthetic flows with a known shape: the pool protocols' rhythms and the look-alikes' timers.</summary>
public class ShapeClassifierTests
{
    private const long Ms = 1_000_000;
    private const long T0 = 1_795_748_866_000_000_000;

    /// <summary>Login, then submits at exponential gaps (mean <paramref name="meanGapMs"/>) each answered, jobs on a timer.</summary>
    private static FlowShape Miner(int seed, double meanGapMs, bool periodic, int seconds, out long last)
    {
        var random = new Random(seed);
        var shape = default(FlowShape);
        shape.Observe(true, 620, T0);
        shape.Observe(false, 540, T0 + Ms);
        var events = new List<(long Time, bool ToServer, int Size)>();
        for (double t = 1500; t < seconds * 1000.0; t += periodic ? meanGapMs : -Math.Log(1 - random.NextDouble()) * meanGapMs)
        {
            events.Add(((long)(t * Ms), true, 231));
            events.Add(((long)(t * Ms) + Ms / 2, false, 63));
        }

        for (long t = 20_000; t < seconds * 1000L; t += 20_000)
            events.Add((t * Ms + 300 * Ms, false, 404));
        events.Sort((a, b) => a.Time.CompareTo(b.Time));
        foreach ((long time, bool toServer, int size) in events)
            shape.Observe(toServer, size, T0 + time);
        last = T0 + (seconds * 1000L * Ms);
        return shape;
    }

    [Fact]
    public void PoissonSubmitsWithJobPushesAreMinerLike()
    {
        int caught = 0;
        for (int seed = 0; seed < 50; seed++)
        {
            FlowShape shape = Miner(seed, 5000, periodic: false, 60, out long last);
            ShapeVerdict verdict = ShapeClassifier.Evaluate(in shape, T0, last);
            if (verdict.MinerLike)
                caught++;
        }

        // Sample CV of a handful of exponential gaps scatters: 60 s at one share per 5 s is ~11 gaps.
        Assert.True(caught >= 48, $"caught {caught} of 50");
    }

    [Fact]
    public void TheExplanationNamesTheFeatures()
    {
        FlowShape shape = Miner(1, 5000, periodic: false, 60, out long last);
        ShapeVerdict verdict = ShapeClassifier.Evaluate(in shape, T0, last);
        Assert.True(verdict.MinerLike, verdict.Explanation);
        Assert.Equal(1.0, verdict.Score);
        Assert.StartsWith("client sent ", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("(mean 231 B ± 0 B) at random intervals", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("100 % answered", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("server pushed 2 messages (mean 404 B ± 0 B) at ~20.0 s", verdict.Explanation, StringComparison.Ordinal);
        Assert.Contains("60.0 s, ", verdict.Explanation, StringComparison.Ordinal);
        Assert.EndsWith("miner-like: share submits at random times", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void TheSameMessagesOnATimerAreNot()
    {
        FlowShape shape = Miner(1, 5000, periodic: true, 60, out long last);
        ShapeVerdict verdict = ShapeClassifier.Evaluate(in shape, T0, last);
        Assert.False(verdict.MinerLike, verdict.Explanation);
        Assert.True(verdict.Score < 1);
        Assert.Contains("regular intervals", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void AShortSessionIsNotACandidate()
    {
        FlowShape shape = Miner(1, 2000, periodic: false, 15, out long last);
        Assert.False(ShapeClassifier.IsCandidate(in shape, T0, last));
        ShapeVerdict verdict = ShapeClassifier.Evaluate(in shape, T0, last);
        Assert.False(verdict.MinerLike);
        Assert.True(verdict.Score <= 0.5);
        Assert.EndsWith("not miner-like: too short", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void BulkTransferIsNot()
    {
        FlowShape shape = Miner(1, 5000, periodic: false, 60, out long last);
        for (int i = 0; i < 100; i++)
            shape.Observe(false, 1448, T0 + (30_000 + i) * Ms);
        ShapeVerdict verdict = ShapeClassifier.Evaluate(in shape, T0, last);
        Assert.False(verdict.MinerLike, verdict.Explanation);
        Assert.EndsWith("not miner-like: too many bytes per second", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void JobsToASilentClientAreMinerLike()
    {
        var shape = default(FlowShape);
        shape.Observe(true, 182, T0);
        shape.Observe(false, 278, T0 + 34 * Ms);
        for (int i = 0; i < 3; i++)
        {
            shape.Observe(false, 242, T0 + (16_000 + (60_000L * i)) * Ms);
            shape.Observe(true, 1, T0 + (40_000 + (60_000L * i)) * Ms); // TCP keep-alive probe
        }

        ShapeVerdict verdict = ShapeClassifier.Evaluate(in shape, T0, T0 + 156_000 * Ms);
        Assert.True(verdict.MinerLike, verdict.Explanation);
        Assert.EndsWith("jobs pushed to a silent client", verdict.Explanation, StringComparison.Ordinal);
    }

    [Fact]
    public void AnEmptyShapeIsNotMinerLike()
    {
        var shape = default(FlowShape);
        ShapeVerdict verdict = ShapeClassifier.Evaluate(in shape, T0, T0 + 600_000 * Ms);
        Assert.False(verdict.MinerLike);
        verdict = ShapeClassifier.Evaluate(in shape, long.MaxValue, long.MinValue);
        Assert.False(verdict.MinerLike);
    }
}
