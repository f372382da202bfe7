using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// What other tools say about the mining corpus, against our <c>miner</c> events: the zeek-cryptomining package's notices
/// (<c>Bitcoin::Miner</c> / <c>Bitcoin::Mining_Pool_Server</c> with the protocol it saw) and nDPI's <c>Mining</c> flows in
/// mining.pcapng (with the <c>currency:</c> it guessed). Every flow they flag is a certain session of ours, in the same
/// protocol family.
/// </summary>
public partial class MiningToolOracleTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("tests.bitcoin-mining/4.0-out", "bitcoin-mining.pcap")]
    [InlineData("tests.coinhive-stratum/out", "coinhive-stratum.pcap")]
    public void EveryZeekMiningNoticeIsACertainSessionOfTheSameProtocol(string baseline, string trace)
    {
        if (Corpus.Root is null)
            return;
        string root = Corpus.Path("mining/zeek-cryptomining/testing");
        var run = EngineHarness.Analyze(Path.Combine(root, "Traces", trace));
        Dictionary<string, JsonElement> sessions = Sessions(run);
        int notices = 0, agree = 0;
        foreach (string line in File.ReadLines(Path.Combine(root, "Baseline", baseline)))
        {
            Match notice = ZeekNotice().Match(line);
            if (!notice.Success)
                continue;
            notices++;
            string key = Key($"{notice.Groups[1].Value}:{notice.Groups[2].Value}", $"{notice.Groups[3].Value}:{notice.Groups[4].Value}");
            string protocol = notice.Groups[5].Value;
            string expected = protocol switch
            {
                "getblocktemplate" => "getblocktemplate",
                "Stratum" => "stratum",
                "MinerGate" => "cryptonote",
                "getwork" => "getwork",
                _ => protocol,
            };
            bool ok = sessions.TryGetValue(key, out JsonElement miner) && miner.GetProperty("confidence").GetString() == "certain"
                && miner.GetProperty("dialect").GetString() == expected;
            agree += ok ? 1 : 0;
            if (!ok)
                output.WriteLine($"DIFFERS {line}: {(sessions.ContainsKey(key) ? miner.ToString() : "no miner event")}");
        }

        output.WriteLine($"{trace}: {agree}/{notices} Zeek mining notices are certain sessions of the same protocol");
        Assert.True(notices > 0);
        Assert.Equal(notices, agree);
    }

    [Fact]
    public void EveryNdpiMiningFlowIsACertainSessionOfItsCurrency()
    {
        if (Corpus.Root is null)
            return;
        var run = EngineHarness.Analyze(Corpus.Path("ndpi/default/pcap/mining.pcapng"));
        Dictionary<string, JsonElement> sessions = Sessions(run);
        int flows = 0, agree = 0;
        foreach (string line in File.ReadLines(Corpus.Path("ndpi/default/result/mining.pcapng.out")))
        {
            Match flow = NdpiFlow().Match(line);
            if (!flow.Success)
                continue;
            flows++;
            string currency = NdpiCurrency().Match(line).Groups[1].Value;
            bool ok = sessions.TryGetValue(Key(flow.Groups[1].Value, flow.Groups[2].Value), out JsonElement miner)
                && miner.GetProperty("confidence").GetString() == "certain"
                && CurrencyMatches(currency, miner.GetProperty("dialect").GetString()!);
            agree += ok ? 1 : 0;
            output.WriteLine($"{flow.Groups[1].Value} <-> {flow.Groups[2].Value} nDPI currency {currency}: ours {(sessions.ContainsKey(Key(flow.Groups[1].Value, flow.Groups[2].Value)) ? miner.GetProperty("dialect").GetString() : "none")}");
        }

        output.WriteLine($"{agree}/{flows} nDPI Mining flows are certain sessions of a matching protocol family");
        Assert.Equal(4, flows);
        Assert.Equal(flows, agree);
    }

    /// <summary>nDPI guesses the coin from the protocol; ZCash/Monero is its word for a CryptoNote-style login.</summary>
    private static bool CurrencyMatches(string currency, string dialect) => currency switch
    {
        "ZCash" => dialect is "zcash-stratum" or "stratum",
        "Ethereum" => dialect is "ethproxy" or "ethereum-stratum",
        "ZCash/Monero" => dialect is "cryptonote" or "zcash-stratum",
        _ => false,
    };

    private static Dictionary<string, JsonElement> Sessions(EngineHarness.Run run)
    {
        var sessions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (JsonElement e in run.OfType("miner"))
        {
            string a = $"{e.GetProperty("src_ip").GetString()}:{e.GetProperty("src_port").GetInt32()}";
            string b = $"{e.GetProperty("dest_ip").GetString()}:{e.GetProperty("dest_port").GetInt32()}";
            sessions[Key(a, b)] = e.GetProperty("miner");
        }

        return sessions;
    }

    private static string Key(string a, string b) => string.CompareOrdinal(a, b) < 0 ? a + " " + b : b + " " + a;

    [GeneratedRegex(@"orig_h=([\d.]+), orig_p=(\d+)/tcp, resp_h=([\d.]+), resp_p=(\d+)/tcp\], Bitcoin::\w+, .* using (\S+) protocol")]
    private static partial Regex ZeekNotice();

    [GeneratedRegex(@"^\s+\d+\s+TCP ([\d.]+:\d+) <-> ([\d.]+:\d+) \[proto: \d+/Mining\]")]
    private static partial Regex NdpiFlow();

    [GeneratedRegex(@"\[currency: ([^\]]+)\]")]
    private static partial Regex NdpiCurrency();
}
