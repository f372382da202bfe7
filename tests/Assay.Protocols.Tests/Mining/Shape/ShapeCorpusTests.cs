using System.Diagnostics;
using System.Globalization;
using Assay.Protocols.Mining.Shape;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Mining.Shape;

/// <summary>
/// The shape heuristic against real captures: every miner↔pool session of the lab and NESFIT captures must be caught,
/// and no TCP flow of the nDPI, Zeek and benign lab captures may be (zero false positives).
/// </summary>
public class ShapeCorpusTests(ITestOutputHelper output)
{
    /// <summary>Lab captures whose flows are mining by label; their miner flows are the positives, the rest negatives.</summary>
    private static readonly HashSet<string> s_labMining = new(StringComparer.Ordinal)
    {
        "coinhive-proxy-ws8892-stratum3333.pcap", "devlab-monerod-getblocktemplate.pcap",
    };

    [Theory]
    [InlineData("lab/xmrig-plain-3333.pcap", 3333)]
    [InlineData("lab/xmrig-nicehash-5555.pcap", 5555)]
    [InlineData("lab/devlab-xmrig-tls-nosni-8443.pcap", 8443)]
    [InlineData("lab/devlab-xmrig-socks5.pcap", 1080)]
    [InlineData("lab/devlab-incident-phpunit.pcap", 14444)]
    [InlineData("mining/nesfit/eth-eu1.nanopool.org.pcapng", 9999)]
    [InlineData("mining/nesfit/xmr-eu1.nanopool.org.pcapng", 14444)]
    [InlineData("mining/nesfit/zec-eu1.nanopool.org.pcapng", 6666)]
    public void MinerPoolSessionIsMinerLike(string capture, int serverPort)
    {
        if (Corpus.Root is null)
            return;
        List<ShapeFlows.Flow> flows = ShapeFlows.Read(Corpus.Path(capture))!;
        ShapeFlows.Flow pool = Assert.Single(flows, f => f.Server.Port == serverPort && f.Shape.ClientBytes > 0);
        ShapeVerdict verdict = pool.Evaluate();
        output.WriteLine($"{pool}: score {verdict.Score:0.00}: {verdict.Explanation}");
        Assert.True(verdict.MinerLike, verdict.Explanation);
        Assert.Equal(1.0, verdict.Score);
    }

    /// <summary>
    /// FLOW_LABELS.tsv: every labelled mining flow found, how many last long enough to be candidates, how many are
    /// caught. The cgminer captures probe hundreds of pools with one request each (seconds long): not shape's job.
    /// </summary>
    [Fact]
    public void LabelledMiningFlowsThatLastAreCaught()
    {
        if (Corpus.Root is null)
            return;
        var byCapture = new Dictionary<string, List<ShapeFlows.Flow>>(StringComparer.Ordinal);
        int labelled = 0, found = 0, longEnough = 0, caught = 0;
        var missed = new List<string>();
        foreach (string line in File.ReadLines(Corpus.Path("mining/FLOW_LABELS.tsv")).Skip(1))
        {
            string[] columns = line.Split('\t');
            if (columns.Length < 3)
                continue;
            labelled++;
            string capture = Path.GetFullPath(Path.Combine(Corpus.Path("mining"), columns[0]));
            if (!byCapture.TryGetValue(capture, out List<ShapeFlows.Flow>? flows))
                byCapture[capture] = flows = ShapeFlows.Read(capture) ?? [];
            ShapeFlows.Flow? flow = flows.Find(f => Same(f, columns[1], columns[2]));
            if (flow is null)
                continue;
            found++;
            if (!ShapeClassifier.IsCandidate(in flow.Shape, flow.FirstNanos, flow.LastNanos))
                continue;
            longEnough++;
            ShapeVerdict verdict = flow.Evaluate();
            output.WriteLine($"{(verdict.MinerLike ? "caught" : "MISSED")} {columns[0]} {columns[1]} -> {columns[2]} ({columns[4]}): {verdict.Explanation}");
            if (verdict.MinerLike)
                caught++;
            else
                missed.Add($"{columns[0]} {columns[1]}");
        }

        output.WriteLine($"labelled mining flows {labelled}, found {found}, candidates (≥ {ShapeClassifier.MinDurationSeconds} s and ≥ {ShapeClassifier.MinSteadyMessages} messages after setup) {longEnough}, caught {caught}");
        Assert.True(found > labelled * 9 / 10, $"only {found} of {labelled} labelled flows found");
        Assert.True(longEnough > 0);
        Assert.True(caught * 4 >= longEnough * 3, $"caught {caught} of {longEnough}: missed {string.Join(", ", missed)}");
    }

    [Fact]
    public void NoTcpFlowOfTheBenignCorpusIsMinerLike()
    {
        if (Corpus.Root is null)
            return;
        var watch = Stopwatch.StartNew();
        var captures = new List<string>();
        foreach (string file in Directory.EnumerateFiles(Corpus.Path("ndpi/default/pcap")))
        {
            if (Path.GetFileName(file) != "mining.pcapng")
                captures.Add(file);
        }

        captures.AddRange(Directory.EnumerateFiles(Corpus.Path("zeek/Traces"), "*", SearchOption.AllDirectories));
        foreach (string file in Directory.EnumerateFiles(Corpus.Path("lab"), "*.pcap"))
            captures.Add(file);
        captures.Sort(StringComparer.Ordinal);

        int read = 0, skipped = 0, flowsEvaluated = 0, candidates = 0, nearMisses = 0;
        var falsePositives = new List<string>();
        foreach (string capture in captures)
        {
            if (new FileInfo(capture).Length > ShapeFlows.MaxCaptureBytes)
            {
                skipped++;
                continue;
            }

            List<ShapeFlows.Flow>? flows = ShapeFlows.Read(capture);
            if (flows is null)
                continue;
            read++;
            foreach (ShapeFlows.Flow flow in flows)
            {
                if (IsLabMiner(flow))
                    continue;
                flowsEvaluated++;
                ShapeVerdict verdict = flow.Evaluate();
                if (ShapeClassifier.IsCandidate(in flow.Shape, flow.FirstNanos, flow.LastNanos))
                    candidates++;

                if (verdict.MinerLike)
                    falsePositives.Add($"{flow}: {verdict.Explanation}");
                else if (verdict.Score >= 0.75)
                {
                    nearMisses++;
                    output.WriteLine($"near miss {flow}: score {verdict.Score:0.00}: {verdict.Explanation}");
                }
            }
        }

        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"captures read {read} (skipped over {ShapeFlows.MaxCaptureBytes >> 20} MiB: {skipped}), TCP flows evaluated {flowsEvaluated}, candidates {candidates}, near misses (score ≥ 0.75) {nearMisses}, false positives {falsePositives.Count}, {watch.Elapsed.TotalSeconds:0.0} s"));
        foreach (string falsePositive in falsePositives)
            output.WriteLine("FALSE POSITIVE " + falsePositive);
        Assert.True(read > 1000, $"only {read} captures read");
        Assert.Empty(falsePositives);
    }

    [Fact]
    public void BenignJsonLookAlikesAreNotMinerLike()
    {
        if (Corpus.Root is null)
            return;
        List<ShapeFlows.Flow> flows = ShapeFlows.Read(Corpus.Path("lab/devlab-benign-jsonlines.pcap"))!;
        Assert.Equal(9, flows.Count);
        foreach (ShapeFlows.Flow flow in flows)
        {
            ShapeVerdict verdict = flow.Evaluate();
            output.WriteLine($"{flow}: score {verdict.Score:0.00}: {verdict.Explanation}");
            Assert.False(verdict.MinerLike, $"{flow}: {verdict.Explanation}");
        }

        // The telemetry agent on 4444 (login, status every 5 s, heartbeat every 10 s, config push every 20 s) is the hard
        // case: it is a candidate, and what keeps it out is its clock.
        ShapeFlows.Flow telemetry = Assert.Single(flows, f => f.Server.Port == 4444);
        Assert.True(telemetry.Shape.ClientGapCv < ShapeClassifier.MinRandomGapCv / 4, telemetry.Evaluate().Explanation);
        Assert.True(telemetry.Shape.PushGapCv < ShapeClassifier.MinRandomGapCv / 4, telemetry.Evaluate().Explanation);
    }

    /// <summary>The miner↔pool flows of the lab captures (positives or mining-labelled), left out of the negative sweep.</summary>
    private static bool IsLabMiner(ShapeFlows.Flow flow)
    {
        string name = Path.GetFileName(flow.Capture);
        if (!flow.Capture.Contains("/lab/", StringComparison.Ordinal))
            return false;
        return s_labMining.Contains(name) || (name, flow.Server.Port) is
            ("xmrig-plain-3333.pcap", 3333) or ("xmrig-nicehash-5555.pcap", 5555) or ("devlab-xmrig-tls-nosni-8443.pcap", 8443)
            or ("devlab-xmrig-socks5.pcap", 1080) or ("devlab-incident-phpunit.pcap", 14444);
    }

    private static bool Same(ShapeFlows.Flow flow, string client, string server)
    {
        string c = flow.Client.ToString(), s = flow.Server.ToString();
        return (c == client && s == server) || (c == server && s == client);
    }
}
