using System.Text.Json;
using Assay.Capture;
using Assay.Engine;
using Assay.Synthesis.Scenarios;
using Xunit.Abstractions;

namespace Assay.Tests.Engine;

public sealed class AnalyzerTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("assay-engine-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Demo(long seed = 7)
    {
        string path = Path.Combine(_dir, $"demo-{seed}.pcap");
        if (!File.Exists(path))
            DemoScenario.Write(path, new DemoOptions { Seed = seed, Duration = TimeSpan.FromMinutes(3) });
        return path;
    }

    private static List<string> EventLines(EngineHarness.Run run) =>
        run.Eve.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.Contains("\"event_type\":\"stats\"", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

    [Fact]
    public void TheSetOfEventsDoesNotDependOnTheNumberOfWorkers()
    {
        string demo = Demo();
        var reference = EventLines(EngineHarness.Analyze(demo, new AnalysisOptions { Workers = 1 }));
        Assert.NotEmpty(reference);
        foreach (int workers in new[] { 2, 3, 4 })
        {
            var other = EventLines(EngineHarness.Analyze(demo, new AnalysisOptions { Workers = workers }));
            Assert.Equal(reference, other);
        }

        output.WriteLine($"{reference.Count} events identical with 1, 2, 3 and 4 workers");
    }

    /// <summary>A file read as if it were live: the capture's counters come from the test.</summary>
    private sealed class CountingSource(IPacketSource inner) : IPacketSource, ICaptureStatistics
    {
        public long Reads;

        public string Name => inner.Name;

        public string? Problem => inner.Problem;

        public long Position => inner.Position;

        public long Length => inner.Length;

        public ReadStatus TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data)
        {
            Reads++;
            return inner.TryReadPacket(out header, out data);
        }

        public CaptureDrops ReadDrops() => new(Reads, Reads / 10, 1);

        public void Dispose() => inner.Dispose();
    }

    [Fact]
    public void ALiveSourceWritesItsDropCountersInStatsEventsAndTheResult()
    {
        using var source = new CountingSource(CaptureFile.Open(Demo()));
        var run = EngineHarness.Analyze(source, new AnalysisOptions { Workers = 2, LiveStatsInterval = TimeSpan.FromMilliseconds(1) });
        JsonElement[] stats = [.. run.OfType("stats")];
        output.WriteLine($"{stats.Length} stats events");
        Assert.True(stats.Length >= 2, "no periodic stats event");
        JsonElement last = stats[^1].GetProperty("stats");
        long received = last.GetProperty("capture").GetProperty("kernel_packets").GetInt64();
        Assert.Equal(source.Reads, received);
        Assert.Equal(source.Reads / 10, last.GetProperty("capture").GetProperty("kernel_drops").GetInt64());
        Assert.Equal(1, last.GetProperty("capture").GetProperty("kernel_ifdrops").GetInt64());
        Assert.Equal(new CaptureDrops(source.Reads, source.Reads / 10, 1), run.Result.Drops);
        // Periodic events count up.
        long first = stats[0].GetProperty("stats").GetProperty("capture").GetProperty("kernel_packets").GetInt64();
        Assert.True(first <= received);
    }

    [Fact]
    public void EveryPlantedFlowOfTheDemoIsAFlowWithItsPacketCount()
    {
        string path = Path.Combine(_dir, "truth.pcap");
        ScenarioSummary truth = DemoScenario.Write(path, new DemoOptions { Seed = 11, Duration = TimeSpan.FromMinutes(3) });
        var run = EngineHarness.Analyze(path);
        var flows = run.OfType("flow").ToList();
        int matched = 0;
        var misses = new List<string>();
        foreach (PlantedFlow planted in truth.Flows)
        {
            bool icmp = planted.ClientPort == 0 && planted.ServerPort == 0;
            string proto = planted.Protocol switch
            {
                Assay.Synthesis.Packets.IPProtocolNumber.Tcp => "TCP",
                Assay.Synthesis.Packets.IPProtocolNumber.Udp => "UDP",
                Assay.Synthesis.Packets.IPProtocolNumber.Icmp => "ICMP",
                _ => "IPv6-ICMP",
            };
            var match = flows.FirstOrDefault(f =>
                f.GetProperty("proto").GetString() == proto &&
                f.GetProperty("src_ip").GetString() == planted.ClientAddress.ToString() &&
                f.GetProperty("dest_ip").GetString() == planted.ServerAddress.ToString() &&
                (icmp || (f.TryGetProperty("src_port", out JsonElement sp) && sp.GetInt32() == planted.ClientPort &&
                          f.GetProperty("dest_port").GetInt32() == planted.ServerPort)));
            if (match.ValueKind == JsonValueKind.Undefined)
            {
                misses.Add("no flow for " + planted);
                continue;
            }

            long packets = match.GetProperty("flow").GetProperty("pkts_toserver").GetInt64() + match.GetProperty("flow").GetProperty("pkts_toclient").GetInt64();
            if (packets != planted.PacketCount && planted.Role != FlowRole.FragmentedDns)
                misses.Add($"{planted}: we counted {packets} packets");
            else
                matched++;
        }

        output.WriteLine($"{matched}/{truth.Flows.Count} planted flows found with their packet counts");
        Assert.True(misses.Count == 0, string.Join("\n", misses));
    }

    [Fact]
    public void EveryPlantedMalformedPacketIsAnAnomalyEventWithItsNumber()
    {
        string path = Path.Combine(_dir, "anomalies.pcap");
        ScenarioSummary truth = DemoScenario.Write(path, new DemoOptions { Seed = 5, Duration = TimeSpan.FromMinutes(2) });
        Assert.NotEmpty(truth.Anomalies);
        var anomalies = EngineHarness.Analyze(path).OfType("anomaly")
            .Select(a => (Number: a.GetProperty("pcap_cnt").GetInt64(), Name: a.GetProperty("anomaly").GetProperty("event").GetString()))
            .ToHashSet();
        foreach (PlantedAnomaly planted in truth.Anomalies)
            Assert.Contains((planted.PacketIndex + 1L, planted.Anomaly), anomalies);
    }

    [Fact]
    public void FlowIdsAreStableAcrossRuns()
    {
        string demo = Demo(3);
        var first = EngineHarness.Analyze(demo).OfType("flow").Select(f => f.GetProperty("flow_id").GetInt64()).Order().ToList();
        var second = EngineHarness.Analyze(demo, new AnalysisOptions { Workers = 3 }).OfType("flow").Select(f => f.GetProperty("flow_id").GetInt64()).Order().ToList();
        Assert.Equal(first, second);
        Assert.Equal(first.Count, first.Distinct().Count());
    }

    [Fact]
    public void ACaptureCutOffMidPacketIsProcessedUpToTheCutWithAWarning()
    {
        string whole = Demo();
        byte[] bytes = File.ReadAllBytes(whole);
        string cut = Path.Combine(_dir, "cut.pcap");
        File.WriteAllBytes(cut, bytes[..(bytes.Length - 37)]);
        var complete = EngineHarness.Analyze(whole);
        var partial = EngineHarness.Analyze(cut);
        Assert.Equal(complete.Result.Decode.Packets - 1, partial.Result.Decode.Packets);
        InputWarning warning = Assert.Single(partial.Result.Warnings);
        Assert.Contains("offset", warning.Message, StringComparison.OrdinalIgnoreCase);
        output.WriteLine(warning.Message);
    }

    [Fact]
    public void SeveralFilesAreReadAsOneStreamInTimeOrder()
    {
        string a = Path.Combine(_dir, "a.pcap"), b = Path.Combine(_dir, "b.pcap");
        DemoScenario.Write(a, new DemoOptions { Seed = 1, Duration = TimeSpan.FromMinutes(1) });
        DemoScenario.Write(b, new DemoOptions { Seed = 2, Duration = TimeSpan.FromMinutes(1), Start = new DateTimeOffset(2025, 3, 4, 9, 0, 30, TimeSpan.Zero) });
        using var merged = new MergedPacketSource([CaptureFile.Open(a), CaptureFile.Open(b)]);
        var run = EngineHarness.Analyze(merged);
        long separate = EngineHarness.Analyze(a).Result.Decode.Packets + EngineHarness.Analyze(b).Result.Decode.Packets;
        Assert.Equal(separate, run.Result.Decode.Packets);
        Assert.Empty(run.Result.Warnings);
    }
}
