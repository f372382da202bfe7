using System.Runtime.CompilerServices;
using Assay.Protocols.Mining.Shape;

namespace Assay.Protocols.Tests.Mining.Shape;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ShapeAllocationCollection
{
    public const string Name = "ShapeAllocation";
}

public class FlowShapeTests
{
    private const long Ms = 1_000_000;
    private const long T0 = 1_795_748_866_000_000_000;

    [Fact]
    public void FitsIn128BytesWithoutReferences()
    {
        Assert.True(Unsafe.SizeOf<FlowShape>() <= 128, $"FlowShape is {Unsafe.SizeOf<FlowShape>()} bytes");
        Assert.False(RuntimeHelpers.IsReferenceOrContainsReferences<FlowShape>());
    }

    [Fact]
    public void SameDirectionSegmentsWithinTheGapAreOneMessage()
    {
        var shape = default(FlowShape);
        shape.Observe(false, 100, T0);
        shape.Observe(true, 536, T0 + (2000 * Ms));
        shape.Observe(true, 536, T0 + (2000 * Ms) + (FlowShape.MessageGapMillis * Ms));
        shape.Observe(true, 171, T0 + (2000 * Ms) + (FlowShape.MessageGapMillis * Ms) + 5 * Ms);
        shape.Flush();
        Assert.Equal(1, shape.ClientMessages);
        Assert.Equal(3, shape.ClientSegments);
        Assert.Equal(1243, shape.ClientBytes);
        Assert.Equal(1243, shape.MaxSteadyMessage);
    }

    [Fact]
    public void APauseLongerThanTheGapOrATurnEndsAMessage()
    {
        var shape = default(FlowShape);
        shape.Observe(true, 100, T0);
        shape.Observe(true, 100, T0 + ((FlowShape.MessageGapMillis + 1) * Ms));
        shape.Observe(false, 50, T0 + ((FlowShape.MessageGapMillis + 2) * Ms));
        shape.Observe(true, 100, T0 + ((FlowShape.MessageGapMillis + 3) * Ms));
        shape.Flush();
        Assert.Equal(3, shape.ClientMessages);
        Assert.Equal(1, shape.ServerMessages);
    }

    [Fact]
    public void EmptySegmentsAreIgnored()
    {
        var shape = default(FlowShape);
        shape.Observe(true, 0, T0);
        shape.Observe(false, -5, T0);
        Assert.True(shape.IsEmpty);
        shape.Observe(false, 10, T0 + Ms);
        Assert.False(shape.IsEmpty);
        Assert.Equal(T0 + Ms, shape.FirstPayloadNanos);
    }

    [Fact]
    public void SetupMessagesCountOnlyInTheTotals()
    {
        var shape = default(FlowShape);
        shape.Observe(true, 600, T0);                        // login
        shape.Observe(false, 500, T0 + Ms);                  // login result with the first job
        shape.Observe(false, 400, T0 + (500 * Ms));          // a push inside setup
        shape.Flush();
        Assert.Equal(1, shape.ClientMessages);
        Assert.Equal(2, shape.ServerMessages);
        Assert.Equal(0, shape.SteadyClientMessages);
        Assert.Equal(0, shape.ServerPushes);
        Assert.Equal(1, shape.ServerResponses);
        Assert.Equal(0, shape.MaxSteadyMessage);
    }

    [Fact]
    public void ServerMessagesRightAfterAClientMessageAreResponsesOthersArePushes()
    {
        var shape = default(FlowShape);
        shape.Observe(true, 600, T0);
        shape.Observe(false, 500, T0 + Ms);
        // Submits at 2 s, 5 s, 11 s (gaps 3 s and 6 s), each answered 1 ms later; the third answered too late.
        shape.Observe(true, 230, T0 + (2000 * Ms));
        shape.Observe(false, 63, T0 + (2001 * Ms));
        shape.Observe(true, 232, T0 + (5000 * Ms));
        shape.Observe(false, 63, T0 + (5001 * Ms));
        shape.Observe(true, 231, T0 + (11000 * Ms));
        shape.Observe(false, 404, T0 + ((11000 + FlowShape.ResponseWindowMillis + 1) * Ms));
        shape.Observe(false, 404, T0 + (31000 * Ms));
        shape.Flush();

        Assert.Equal(3, shape.SteadyClientMessages);
        Assert.Equal(2, shape.AnsweredClientMessages);
        Assert.Equal(3, shape.ServerResponses);
        Assert.Equal(2, shape.ServerPushes);
        Assert.Equal(231, shape.ClientMessageMean, 3);
        Assert.Equal(1.0, shape.ClientMessageStdDev, 3);
        Assert.Equal(2, shape.ClientGapCount);
        Assert.Equal(4.5, shape.ClientGapMeanSeconds, 3);
        // Gaps 3 s and 6 s: sample standard deviation 2.1213 s over mean 4.5 s.
        Assert.Equal(Math.Sqrt(4.5) / 4.5, shape.ClientGapCv, 3);
        Assert.Equal(404, shape.PushMean, 3);
        Assert.Equal(0, shape.PushStdDev, 3);
        Assert.Equal(1, shape.PushGapCount);
        Assert.Equal(31000 - 12001, shape.PushGapMeanSeconds * 1000, 1);
        Assert.Equal(404, shape.MaxSteadyMessage);
    }

    [Fact]
    public void StatisticsMatchATwoPassComputation()
    {
        var random = new Random(7);
        var shape = default(FlowShape);
        shape.Observe(true, 600, T0); // login: setup, not in the statistics
        var sizes = new List<double>();
        var gaps = new List<double>();
        long t = T0 + (5000 * Ms);
        long previous = 0;
        for (int i = 0; i < 500; i++)
        {
            int size = 200 + random.Next(0, 60);
            shape.Observe(true, size, t);
            shape.Observe(false, 60, t + Ms);
            sizes.Add(size);
            if (i > 0)
                gaps.Add((t - previous) / (double)Ms);
            previous = t;
            t += (long)(-Math.Log(1 - random.NextDouble()) * 10_000 * Ms) + (300 * Ms);
        }

        shape.Flush();
        (double sizeMean, double sizeStd) = MeanStd(sizes);
        (double gapMean, double gapStd) = MeanStd(gaps);
        Assert.Equal(500, shape.SteadyClientMessages);
        Assert.Equal(500, shape.AnsweredClientMessages);
        Assert.Equal(sizeMean, shape.ClientMessageMean, 1e-3 * sizeMean);
        Assert.Equal(sizeStd, shape.ClientMessageStdDev, 1e-3 * sizeStd);
        Assert.Equal(gapMean / 1000, shape.ClientGapMeanSeconds, 1e-3 * gapMean / 1000);
        Assert.Equal(gapStd / gapMean, shape.ClientGapCv, 1e-3);
    }

    [Fact]
    public void TimestampsGoingBackwardsDoNotBreakTheStatistics()
    {
        var shape = default(FlowShape);
        shape.Observe(true, 100, T0 + (10_000 * Ms));
        shape.Observe(false, 100, T0);
        shape.Observe(true, 100, long.MinValue);
        shape.Observe(false, 100, long.MaxValue);
        shape.Flush();
        Assert.Equal(2, shape.ClientMessages);
        Assert.Equal(2, shape.ServerMessages);
        Assert.True(shape.ClientGapMeanSeconds >= 0);
        Assert.True(double.IsFinite(ShapeClassifier.Evaluate(in shape, T0, T0 + (60_000 * Ms)).Score));
    }

    [Fact]
    public void ResetForgetsEverything()
    {
        var shape = default(FlowShape);
        shape.Observe(true, 100, T0);
        shape.Observe(false, 100, T0 + (3000 * Ms));
        shape.Reset();
        Assert.True(shape.IsEmpty);
        Assert.Equal(0, shape.ClientBytes);
        Assert.Equal(0, shape.ServerMessages);
    }

    private static (double Mean, double Std) MeanStd(List<double> values)
    {
        double mean = 0;
        foreach (double v in values)
            mean += v;
        mean /= values.Count;
        double sum = 0;
        foreach (double v in values)
            sum += (v - mean) * (v - mean);
        return (mean, Math.Sqrt(sum / (values.Count - 1)));
    }
}

/// <summary>Observe runs per packet: it must allocate nothing.</summary>
[Collection(ShapeAllocationCollection.Name)]
public class FlowShapeAllocationTests
{
    [Fact]
    public void ObserveAllocatesNothing()
    {
        var shape = default(FlowShape);
        long t = 1_795_748_866_000_000_000;
        long Run(ref FlowShape s, int iterations)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < iterations; i++)
            {
                s.Observe((i & 3) != 0, 60 + (i % 300), t);
                t += (i % 7) * 90_000_000L;
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Run(ref shape, 1000);
        Assert.Equal(0, Run(ref shape, 100_000));
        Assert.True(shape.ClientMessages > 1000);
    }
}
