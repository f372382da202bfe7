using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// Real XMRig and coin-hive-stratum sessions from the lab (lab/MANIFEST.md: the pool's own log is the truth) through the
/// whole pipeline: each capture's mining session is a <c>miner</c> event whose login, password, rig id, agent, algorithm
/// list, difficulty, share counts and jobs are exactly what the MANIFEST says, with the pool's address and port.
/// </summary>
public partial class MiningLabTests(ITestOutputHelper output)
{
    /// <summary>What lab/MANIFEST.md says about one capture's session.</summary>
    private sealed record Truth(string Capture, string Pool, string Login, string Password, string? RigId, string? Agent,
        string[] Algorithms, double Difficulty, int Submitted, int Accepted, int Rejected, int JobPushes, string Algorithm);

    public static TheoryData<string> Sessions => new()
    {
        "xmrig-plain-3333.pcap",
        "xmrig-nicehash-5555.pcap",
        "coinhive-proxy-ws8892-stratum3333.pcap",
        "devlab-incident-phpunit.pcap",
        "devlab-xmrig-socks5.pcap",
    };

    [Theory]
    [MemberData(nameof(Sessions))]
    public void TheSessionIsReportedExactlyAsThePoolLoggedIt(string capture)
    {
        if (Corpus.Root is null)
            return;
        Truth truth = ReadTruth(capture);
        var run = EngineHarness.Analyze(Corpus.Path("lab/" + capture));
        JsonElement[] miners = [.. run.OfType("miner").Select(e => e.GetProperty("miner"))
            .Where(m => m.GetProperty("dialect").GetString() == "cryptonote")];
        JsonElement miner = Assert.Single(miners);
        var checks = new List<(string Field, object? Expected, object? Actual)>
        {
            ("confidence", "certain", miner.GetProperty("confidence").GetString()),
            ("login", truth.Login, Text(miner, "login")),
            ("password", truth.Password, Text(miner, "password")),
            ("worker", truth.RigId, Text(miner, "worker")),
            ("agent", truth.Agent, Text(miner, "agent")),
            ("algorithms", string.Join(",", truth.Algorithms), miner.TryGetProperty("algorithms", out JsonElement a) ? string.Join(",", a.EnumerateArray().Select(x => x.GetString())) : ""),
            ("algorithm", truth.Algorithm, Text(miner, "algorithm")),
            ("difficulty", truth.Difficulty, miner.TryGetProperty("difficulty", out JsonElement d) ? d.GetDouble() : null),
            ("shares.submitted", truth.Submitted, miner.GetProperty("shares").GetProperty("submitted").GetInt32()),
            ("shares.accepted", truth.Accepted, miner.GetProperty("shares").GetProperty("accepted").GetInt32()),
            ("shares.rejected", truth.Rejected, miner.GetProperty("shares").GetProperty("rejected").GetInt32()),
            // The login result carries the first job; pushes come after it.
            ("jobs", truth.JobPushes + 1, miner.GetProperty("jobs").GetInt32()),
        };
        if (capture != "devlab-xmrig-socks5.pcap")
            checks.Add(("pool", truth.Pool, $"{miner.GetProperty("pool").GetProperty("ip").GetString()}:{miner.GetProperty("pool").GetProperty("port").GetInt32()}"));
        else
            checks.Add(("pool", "rx.devpool.test:10128", $"{miner.GetProperty("pool").GetProperty("name").GetString()}:{miner.GetProperty("pool").GetProperty("port").GetInt32()}"));

        int agree = checks.Count(c => Equals(c.Expected, c.Actual));
        output.WriteLine($"{capture}: {agree}/{checks.Count} fields agree with the pool's log");
        foreach ((string field, object? expected, object? actual) in checks.Where(c => !Equals(c.Expected, c.Actual)))
            output.WriteLine($"  {field}: truth {expected}, ours {actual}");
        Assert.Equal(checks.Count, agree);
        Assert.True(miner.TryGetProperty("hashrate_hps", out JsonElement hashrate) && hashrate.GetDouble() > 0, "no hashrate estimate");
        output.WriteLine($"  hashrate {hashrate.GetDouble():F1} H/s ({Text(miner, "hashrate_method")})");
        Assert.Contains(run.OfType("alert"), e => e.GetProperty("alert").GetProperty("signature_id").GetInt32() == 9_100_002);
        Assert.Contains(run.OfType("miner_host"), e => e.GetProperty("miner_host").GetProperty("verdict").GetString()!.Contains("Monero", StringComparison.Ordinal));
    }

    [Fact]
    public void TheWebMinerSideOfTheCoinHiveProxyIsCaughtInItsWebSocket()
    {
        if (Corpus.Root is null)
            return;
        var run = EngineHarness.Analyze(Corpus.Path("lab/coinhive-proxy-ws8892-stratum3333.pcap"));
        JsonElement web = Assert.Single(run.OfType("miner"), e => e.GetProperty("miner").GetProperty("dialect").GetString() == "coinhive");
        JsonElement miner = web.GetProperty("miner");
        output.WriteLine(miner.ToString());
        Assert.Equal("websocket", miner.GetProperty("transport").GetString());
        Assert.Equal(8892, web.GetProperty("dest_port").GetInt32());
        // MANIFEST: 14 submits, 14 hash_accepted; the site key is the wallet.
        Assert.Equal(14, miner.GetProperty("shares").GetProperty("submitted").GetInt32());
        Assert.Equal(14, miner.GetProperty("shares").GetProperty("accepted").GetInt32());
        Assert.Equal(ReadTruth("coinhive-proxy-ws8892-stratum3333.pcap").Login, Text(miner, "login"));
        Assert.Contains(run.OfType("alert"), e => e.GetProperty("alert").GetProperty("signature_id").GetInt32() == 9_100_005);
    }

    [Fact]
    public void TheSocksTunnelIsNamedInTheEvidence()
    {
        if (Corpus.Root is null)
            return;
        var run = EngineHarness.Analyze(Corpus.Path("lab/devlab-xmrig-socks5.pcap"));
        JsonElement miner = Assert.Single(run.OfType("miner")).GetProperty("miner");
        Assert.Equal("socks5", miner.GetProperty("transport").GetString());
        Assert.Contains(miner.GetProperty("evidence").EnumerateArray(), e => e.GetProperty("kind").GetString() == "socks_target"
            && e.GetProperty("sentence").GetString()!.Contains("rx.devpool.test:10128", StringComparison.Ordinal));
        Assert.Contains(run.OfType("alert"), e => e.GetProperty("alert").GetProperty("signature_id").GetInt32() == 9_100_015);
    }

    [Fact]
    public void TheTlsMinerWithoutSniIsCaughtByFingerprintAndShapeAndNamedByDns()
    {
        if (Corpus.Root is null)
            return;
        var run = EngineHarness.Analyze(Corpus.Path("lab/devlab-xmrig-tls-nosni-8443.pcap"));
        JsonElement[] events = [.. run.OfType("miner")];
        foreach (JsonElement e in events)
            output.WriteLine(e.ToString());
        JsonElement tls = Assert.Single(events);
        JsonElement miner = tls.GetProperty("miner");
        Assert.Equal("tls", miner.GetProperty("transport").GetString());
        Assert.Equal("strong", miner.GetProperty("confidence").GetString());
        Assert.Equal("10.77.1.5", miner.GetProperty("pool").GetProperty("ip").GetString());
        Assert.Equal(8443, miner.GetProperty("pool").GetProperty("port").GetInt32());
        Assert.Equal("xmr-eu.devpool.test", miner.GetProperty("pool").GetProperty("name").GetString());
        string[] kinds = [.. miner.GetProperty("evidence").EnumerateArray().Select(e => e.GetProperty("kind").GetString()!)];
        Assert.Contains("tls_fingerprint", kinds);
        Assert.Contains("shape", kinds);
    }

    [Fact]
    public void TheBenignLookAlikesRaiseNothing()
    {
        if (Corpus.Root is null)
            return;
        var run = EngineHarness.Analyze(Corpus.Path("lab/devlab-benign-jsonlines.pcap"));
        int miners = run.OfType("miner").Count();
        int alerts = run.OfType("alert").Count();   // no alert of any kind: no mining, no exploit, no tool download
        output.WriteLine($"devlab-benign-jsonlines.pcap: {run.OfType("flow").Count()} flows, {miners} miner events, {alerts} alerts");
        Assert.Equal(0, miners);
        Assert.Equal(0, alerts);
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) ? value.GetString() : null;

    /// <summary>Reads one capture's section of lab/MANIFEST.md.</summary>
    private static Truth ReadTruth(string capture)
    {
        string manifest = File.ReadAllText(Corpus.Path("lab/MANIFEST.md"));
        int start = manifest.IndexOf("## " + capture, StringComparison.Ordinal);
        Assert.True(start >= 0, $"{capture} has no MANIFEST section");
        int end = manifest.IndexOf("\n## ", start + 3, StringComparison.Ordinal);
        string section = end < 0 ? manifest[start..] : manifest[start..end];
        Match pool = PoolLine().Match(section);
        Match login = LoginLine().Match(section);
        Match agent = AgentLine().Match(section);
        Match algorithms = AlgorithmsLine().Match(section);
        Match shares = SharesLine().Match(section);
        Match jobs = JobsLine().Match(section);
        Assert.True(pool.Success && login.Success && shares.Success && jobs.Success, $"{capture}: MANIFEST section not understood");
        string? rigId = login.Groups[3].Value == "None" ? null : login.Groups[3].Value;
        string? agentText = agent.Success && agent.Groups[1].Value.Trim('`') != "None" ? agent.Groups[1].Value.Trim('`') : null;
        return new Truth(capture, pool.Groups[1].Value, login.Groups[1].Value, login.Groups[2].Value, rigId, agentText,
            algorithms.Success ? algorithms.Groups[1].Value.Split(',') : [],
            double.Parse(pool.Groups[3].Value, CultureInfo.InvariantCulture),
            int.Parse(shares.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(shares.Groups[2].Value, CultureInfo.InvariantCulture),
            int.Parse(shares.Groups[3].Value, CultureInfo.InvariantCulture), int.Parse(jobs.Groups[1].Value, CultureInfo.InvariantCulture),
            pool.Groups[2].Value);
    }

    [GeneratedRegex(@"- pool: (\S+) plain TCP, announced algo `([^`]+)`, share diff (\d+)")]
    private static partial Regex PoolLine();

    [GeneratedRegex(@"- login: `([^`]+)`  pass: `([^`]+)`  rigid: `([^`]+)`")]
    private static partial Regex LoginLine();

    [GeneratedRegex(@"- agent: (`[^`]+`|None)")]
    private static partial Regex AgentLine();

    [GeneratedRegex(@"- login algo list \(\d+\): `([^`]+)`")]
    private static partial Regex AlgorithmsLine();

    [GeneratedRegex(@"- shares: (\d+) submitted \((\d+) accepted, (\d+) rejected\)")]
    private static partial Regex SharesLine();

    [GeneratedRegex(@"- job pushes \(`method"":""job`\): (\d+)")]
    private static partial Regex JobsLine();
}
