using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Assay.Decoding;
using Assay.Protocols.Mining;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Mining;

/// <summary>
/// Oracle: the lab captures (real XMRig 6.16.0 and coin-hive-stratum 1.4.10 against a lab pool) against the pool's own
/// log of every message (<c>lab/truth/*/pool.jsonl</c>) and the miner's log (hashrate lines).
/// </summary>
public class MiningLabTests(ITestOutputHelper output)
{
    public static TheoryData<string, string, ushort, bool> Captures => new()
    {
        { "xmrig-plain-3333.pcap", "xmrig-plain-3333", 3333, false },
        { "xmrig-nicehash-5555.pcap", "xmrig-nicehash-5555", 5555, false },
        { "devlab-xmrig-socks5.pcap", "devlab-xmrig-socks5", 1080, true },
        { "devlab-incident-phpunit.pcap", "devlab-incident-phpunit", 14444, false },
        { "coinhive-proxy-ws8892-stratum3333.pcap", "coinhive-proxy-ws8892-stratum3333", 3333, false },
    };

    [Theory]
    [MemberData(nameof(Captures))]
    public void SessionFieldsMatchThePoolLog(string pcap, string truth, ushort serverPort, bool skipSocks)
    {
        if (Corpus.Root is null)
            return;
        PoolTruth expected = PoolTruth.Read(Corpus.Path($"lab/truth/{truth}/pool.jsonl"));
        MiningCapture.Flow flow = FlowTo(Corpus.Path($"lab/{pcap}"), serverPort);
        List<CapturedText> texts = MiningCapture.Texts(flow, skipSocks);
        MiningSession session = MiningCapture.Run(texts, out List<Anomaly> anomalies);

        Assert.Empty(anomalies);
        Assert.True(session.IsMining);
        Assert.Equal(MiningDialect.CryptoNote, session.Dialect);
        Assert.Equal(expected.Login, session.Login);
        Assert.Equal(expected.Password, session.Password);
        Assert.Equal(expected.RigId, session.Worker);
        Assert.Equal(expected.Agent, session.Agent);
        Assert.Equal(expected.Algorithms, session.Algorithms);
        Assert.Equal(expected.Algorithm, session.Algorithm);
        Assert.Equal(expected.Difficulty, session.Difficulty);
        Assert.Equal(expected.Submits, session.SharesSubmitted);
        Assert.Equal(expected.Accepted, session.SharesAccepted);
        Assert.Equal(expected.Rejected, session.SharesRejected);
        Assert.Equal(1 + expected.JobPushes, session.Jobs);
        Assert.Equal(texts.Count, session.MessageCount);
        Assert.Equal(texts.Count, session.MiningMessageCount);

        // The login left the miner within a few ms of the pool logging it (one clock for pcap and logs).
        Assert.InRange(Math.Abs(session.FirstSeen - expected.LoginTime), 0, 10_000_000);
        output.WriteLine($"{pcap}: {texts.Count} texts, login {session.Login![..12]}…, {session.SharesSubmitted} shares " +
            $"({session.SharesAccepted} accepted), {session.Jobs} jobs, difficulty {session.Difficulty} — pool log agrees");
        foreach (MiningEvidence evidence in session.Evidence)
            output.WriteLine($"  {evidence.Kind}: {evidence.Sentence}");
    }

    public static TheoryData<string, string, ushort, bool, string> HashrateCaptures => new()
    {
        { "xmrig-plain-3333.pcap", "xmrig-plain-3333", 3333, false, "xmrig.log" },
        { "xmrig-nicehash-5555.pcap", "xmrig-nicehash-5555", 5555, false, "xmrig.log" },
        { "devlab-xmrig-socks5.pcap", "devlab-xmrig-socks5", 1080, true, "xmrig.log" },
        { "devlab-incident-phpunit.pcap", "devlab-incident-phpunit", 14444, false, "victim-miner.log" },
    };

    /// <summary>
    /// The share-based estimate against XMRig's own "speed 10s/60s/15m" lines. Shares are rare events (4 to 16 here), so
    /// the estimate's relative error is about 1/√n: the test asks for agreement within a factor of two and prints both.
    /// </summary>
    [Theory]
    [MemberData(nameof(HashrateCaptures))]
    public void HashrateEstimateIsNearTheMinersOwnFigure(string pcap, string truth, ushort serverPort, bool skipSocks, string minerLog)
    {
        if (Corpus.Root is null)
            return;
        MiningCapture.Flow flow = FlowTo(Corpus.Path($"lab/{pcap}"), serverPort);
        MiningSession session = MiningCapture.Run(MiningCapture.Texts(flow, skipSocks), out _);
        Assert.True(session.TryEstimateHashrate(out double estimate, out string method));

        var speeds = new List<double>();
        foreach (Match match in Regex.Matches(File.ReadAllText(Corpus.Path($"lab/truth/{truth}/{minerLog}")), @"speed 10s/60s/15m ([0-9.]+)"))
            speeds.Add(double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture));
        Assert.NotEmpty(speeds);
        double logged = 0;
        foreach (double s in speeds)
            logged += s;
        logged /= speeds.Count;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{pcap}: estimate {estimate:0.0} H/s ({method}); XMRig log mean of {speeds.Count} 10s figures {logged:0.0} H/s; ratio {estimate / logged:0.00}; 1/sqrt(n) = {1 / Math.Sqrt(session.SharesSubmitted):0.00}"));
        Assert.InRange(estimate / logged, 0.5, 2.0);
    }

    [Fact]
    public void CoinHiveWebSocketLegIsAWebMiner()
    {
        if (Corpus.Root is null)
            return;
        MiningCapture.Flow flow = FlowTo(Corpus.Path("lab/coinhive-proxy-ws8892-stratum3333.pcap"), 8892);
        List<CapturedText> texts = MiningCapture.WebSocketTexts(flow);
        MiningSession session = MiningCapture.Run(texts, out List<Anomaly> anomalies);

        Assert.Empty(anomalies);
        Assert.True(session.IsMining);
        Assert.Equal(MiningDialect.CoinHive, session.Dialect);

        // MANIFEST: 14 submits, 14 hash_accepted; site_key = the wallet.
        Assert.Equal(14, session.SharesSubmitted);
        Assert.Equal(14, session.SharesAccepted);
        Assert.Equal("4ANE6dnmoBgL8oseLra3hUgkcDDEWYuyWRcMm2xwuENJfAyadoLcZE3JicaKW1vc5Rdc1gLQQ5e7uSYqkDDnuXiGVGu59qQ", session.Login);
        Assert.Equal(1000, session.Difficulty);
        Assert.Equal(texts.Count, session.MiningMessageCount);
        output.WriteLine($"WebSocket leg: {texts.Count} messages, {session.Jobs} jobs, {session.SharesSubmitted} submits, {session.SharesAccepted} accepted");
        foreach (MiningEvidence evidence in session.Evidence)
            output.WriteLine($"  {evidence.Kind}: {evidence.Sentence}");
    }

    /// <summary>XMRig --daemon polls monerod with one HTTP connection per getblocktemplate (MANIFEST: 6 requests, 6 × 200).</summary>
    [Fact]
    public void MoneroDaemonGetBlockTemplateOverHttp()
    {
        if (Corpus.Root is null)
            return;
        int connections = 0, texts = 0;
        long jobs = 0;
        foreach (MiningCapture.Flow flow in MiningCapture.Read(Corpus.Path("lab/devlab-monerod-getblocktemplate.pcap")).Values)
        {
            if (flow.Server.Port != 18081)
                continue;
            List<CapturedText> flowTexts = MiningCapture.Texts(flow);
            MiningSession session = MiningCapture.Run(flowTexts, out List<Anomaly> anomalies);
            Assert.Empty(anomalies);
            Assert.True(session.IsMining);
            Assert.Equal(MiningDialect.GetBlockTemplate, session.Dialect);
            Assert.Equal("48YtiZg7ZRwXzoPrb2FZwPMeHqJxK6ZodQWp1JWWoXEN3uAKSTzZW77QUYZHHkT3dsFxu4oyNZQo69fmTxMwddhoR3hXoyD", session.Login);
            Assert.Equal(240, session.Difficulty);  // --fixed-difficulty 240
            Assert.Equal(0, session.SharesSubmitted);
            Assert.Equal(flowTexts.Count, session.MiningMessageCount);
            connections++;
            texts += flowTexts.Count;
            jobs += session.Jobs;
        }

        output.WriteLine($"monerod: {connections} connections, {texts} JSON bodies, {jobs} templates");
        Assert.Equal(12, texts);
        Assert.Equal(6, jobs);
    }

    private static MiningCapture.Flow FlowTo(string pcap, ushort serverPort)
    {
        foreach (MiningCapture.Flow flow in MiningCapture.Read(pcap).Values)
        {
            if (flow.Server.Port == serverPort && flow.ClientSegments.Count > 0)
                return flow;
        }

        throw new InvalidOperationException($"no flow to port {serverPort} in {pcap}");
    }

    /// <summary>What the lab pool logged for its one session.</summary>
    private sealed record PoolTruth(string Login, string Password, string? RigId, string? Agent, List<string> Algorithms, string Algorithm,
        double Difficulty, int Submits, int Accepted, int Rejected, int JobPushes, long LoginTime)
    {
        public static PoolTruth Read(string path)
        {
            string login = "", password = "", algorithm = "";
            string? rigId = null, agent = null;
            var algorithms = new List<string>();
            double difficulty = 0;
            int submits = 0, accepted = 0, rejected = 0, pushes = 0;
            long loginTime = 0;
            foreach (string line in File.ReadLines(path))
            {
                using var document = JsonDocument.Parse(line);
                JsonElement e = document.RootElement;
                switch (e.GetProperty("event").GetString())
                {
                    case "listen":
                        difficulty = e.GetProperty("diff").GetDouble();
                        algorithm = e.GetProperty("algo").GetString()!;
                        break;
                    case "login":
                        login = e.GetProperty("login").GetString()!;
                        password = e.GetProperty("password").GetString()!;
                        rigId = e.GetProperty("rigid").GetString();
                        agent = e.GetProperty("agent").GetString();
                        if (e.TryGetProperty("algo_list", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
                        {
                            foreach (JsonElement a in list.EnumerateArray())
                                algorithms.Add(a.GetString()!);
                        }

                        loginTime = (long)(e.GetProperty("ts").GetDouble() * 1e9);
                        break;
                    case "submit":
                        submits++;
                        if (e.GetProperty("accepted").GetBoolean())
                            accepted++;
                        else
                            rejected++;
                        break;
                    case "job_push":
                        pushes++;
                        break;
                }
            }

            return new PoolTruth(login, password, rigId, agent, algorithms, algorithm, difficulty, submits, accepted, rejected, pushes, loginTime);
        }
    }
}
