using System.Text.RegularExpressions;
using Assay.Decoding;
using Assay.Protocols.Mining;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Mining;

/// <summary>
/// Oracle: every flow of <c>mining/FLOW_LABELS.tsv</c> (nesfit cgminer/nanopool captures, zeek-cryptomining traces, nDPI's
/// mining.pcapng; per flow the protocol family and the JSON-RPC methods seen) against the session we build for it; and
/// the lab's benign capture, none of whose flows may look like mining.
/// </summary>
public class MiningCorpusTests(ITestOutputHelper output)
{
    /// <summary>
    /// Where the label counts differently, checked by hand: FLOW_LABELS counts methods per packet, and this flow's client
    /// sent bytes 809:992 (one submit) four times (tcpdump: 33 submit packets, 30 distinct in sequence space).
    /// </summary>
    private static readonly Dictionary<string, long> s_submitsAfterRetransmissions = new(StringComparer.Ordinal)
    {
        ["192.168.2.92:55190 178.32.196.217:9050"] = 30,
    };

    private static readonly Regex s_methodCount = new(@"(\S+?)x(\d+)", RegexOptions.CultureInvariant);

    [Fact]
    public void EveryLabelledFlowIsMiningInItsDialectWithItsSubmits()
    {
        if (Corpus.Root is null)
            return;
        var captures = new Dictionary<string, Dictionary<string, MiningCapture.Flow>>(StringComparer.Ordinal);
        int flows = 0, mining = 0, dialectAgrees = 0, submitsAgree = 0, missing = 0;
        var failures = new List<string>();
        foreach (string line in File.ReadLines(Corpus.Path("mining/FLOW_LABELS.tsv")).Skip(1))
        {
            string[] f = line.Split('\t');
            string family = f[4];
            if (family == "TLS-handshake-seen")
                continue;
            if (!captures.TryGetValue(f[0], out Dictionary<string, MiningCapture.Flow>? byKey))
                captures[f[0]] = byKey = MiningCapture.Read(Path.Combine(Corpus.Path("mining"), f[0]));
            // A capture that starts mid-session has no SYN: the label may name the pool as the client.
            if (!byKey.TryGetValue($"{f[1]} {f[2]}", out MiningCapture.Flow? flow) && !byKey.TryGetValue($"{f[2]} {f[1]}", out flow))
            {
                missing++;
                failures.Add($"{f[0]} {f[1]} {f[2]}: flow not found");
                continue;
            }

            flows++;
            MiningSession session = MiningCapture.Run(MiningCapture.Texts(flow), out _);
            long labelledSubmits = 0;
            foreach (Match m in s_methodCount.Matches(f.Length > 5 ? f[5] : ""))
            {
                if (m.Groups[1].Value is "mining.submit" or "submit" or "eth_submitWork")
                    labelledSubmits += long.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture);
            }

            if (s_submitsAfterRetransmissions.TryGetValue($"{f[1]} {f[2]}", out long corrected))
                labelledSubmits = corrected;
            bool dialectOk = family switch
            {
                "stratum-v1" => session.Dialect is MiningDialect.Stratum or MiningDialect.ZcashStratum or MiningDialect.EthereumStratum,
                "cryptonote-stratum(xmr-style)" => session.Dialect == MiningDialect.CryptoNote,
                "eth-getwork/ethproxy" => session.Dialect == MiningDialect.EthProxy,
                "getblocktemplate+over-HTTP" => session.Dialect == MiningDialect.GetBlockTemplate,
                "getwork+over-HTTP" => session.Dialect == MiningDialect.Getwork,
                _ => false,
            };
            mining += session.IsMining ? 1 : 0;
            dialectAgrees += dialectOk ? 1 : 0;
            submitsAgree += session.SharesSubmitted == labelledSubmits ? 1 : 0;
            if (!session.IsMining || !dialectOk || session.SharesSubmitted != labelledSubmits)
                failures.Add($"{f[0]} {f[1]} {f[2]} [{family}] {f[5]}: mining={session.IsMining} dialect={session.Dialect} submits={session.SharesSubmitted}");
        }

        output.WriteLine($"{flows} labelled flows: {mining} mining, dialect agrees {dialectAgrees}, submit count agrees {submitsAgree}; {missing} not found");
        foreach (string failure in failures)
            output.WriteLine("  " + failure);
        Assert.Empty(failures);
    }

    /// <summary>nanopool sessions (nesfit): the dialect-specific fields.</summary>
    [Fact]
    public void NanopoolSessionsCarryTheirFields()
    {
        if (Corpus.Root is null)
            return;
        MiningSession zec = Only("mining/nesfit/zec-eu1.nanopool.org.pcapng");
        Assert.Equal(MiningDialect.ZcashStratum, zec.Dialect);
        Assert.Equal("t1KJkEGkUrmBRQdeQeNchfqgvDFD7Pk1kKQ", zec.Login);
        Assert.Equal("kvetak", zec.Worker);
        Assert.Equal("password", zec.Password);
        Assert.Equal("equihashminer", zec.Agent);
        Assert.InRange(zec.Difficulty!.Value, 15999.9, 16000.1);   // target 00041893 = 2^256 / 16000, cut to 8 digits
        Assert.Equal(6, zec.SharesSubmitted);
        Assert.Equal(6, zec.SharesAccepted);
        Assert.True(zec.TryEstimateHashrate(out double solutions, out string zecMethod));
        output.WriteLine($"zec: {solutions:0.0} Sol/s ({zecMethod})");

        MiningSession eth = Only("mining/nesfit/eth-eu1.nanopool.org.pcapng");
        Assert.Equal(MiningDialect.EthProxy, eth.Dialect);
        Assert.Equal("0x9c99d212f7e5daa18ab50810e0fd255d1f04303b", eth.Login);
        Assert.Equal("kvetak.worker1", eth.Worker);
        Assert.Equal(1, eth.SharesSubmitted);
        Assert.Equal(1, eth.SharesAccepted);
        Assert.InRange(eth.ReportedHashrate!.Value, 25e6, 35e6);   // the latest eth_submitHashrate; the first is 0x1d08a61 = 30.4 MH/s
        Assert.Equal(0, eth.SharesRejected);
        Assert.InRange(eth.Difficulty!.Value, 4.99e9, 5.0e9);   // boundary 0x00000000dbe6fece… ≈ 5 GH per share
        Assert.False(eth.TryEstimateHashrate(out _, out _));    // one share: no estimate
        output.WriteLine($"eth: {eth.Jobs} works, difficulty {eth.Difficulty:G4}, reported {eth.ReportedHashrate:G4} H/s");

        MiningSession xmr = Only("mining/nesfit/xmr-eu1.nanopool.org.pcapng");
        Assert.Equal(MiningDialect.CryptoNote, xmr.Dialect);
        Assert.Equal("47mr7jYTroxQMwdKoPQuJoc9Vs9S9qCUAL6Ek4qyNFWJdqgBZRn4RYY2QjQfqEMJZVWPscupSgaqmUn1dpdUTC4fQsu3yjN", xmr.Login);
        Assert.Equal("xmr/1.0", xmr.Agent);
        Assert.Equal(uint.MaxValue / 0xba69u, xmr.Difficulty);  // target 69ba0000
    }

    private static MiningSession Only(string pcap)
    {
        MiningSession? found = null;
        foreach (MiningCapture.Flow flow in MiningCapture.Read(Corpus.Path(pcap)).Values)
        {
            MiningSession session = MiningCapture.Run(MiningCapture.Texts(flow), out _);
            if (session.IsMining)
            {
                Assert.Null(found);
                found = session;
            }
        }

        return found ?? throw new InvalidOperationException($"no mining flow in {pcap}");
    }

    /// <summary>
    /// lab/devlab-benign-jsonlines.pcap: an LSP session, a telemetry agent on 4444 with agent.register / heartbeat /
    /// status.update and <c>{"status":"OK"}</c> results, a JSON chat and an HTTP JSON API. None of it is mining.
    /// </summary>
    [Fact]
    public void BenignJsonLinesAreNeverMining()
    {
        if (Corpus.Root is null)
            return;
        int flows = 0, texts = 0;
        foreach (MiningCapture.Flow flow in MiningCapture.Read(Corpus.Path("lab/devlab-benign-jsonlines.pcap")).Values)
        {
            List<CapturedText> flowTexts = MiningCapture.Texts(flow);
            MiningSession session = MiningCapture.Run(flowTexts, out List<Anomaly> anomalies);
            output.WriteLine($"{flow}: {flowTexts.Count} JSON texts, mining {session.IsMining}, recognised {session.MiningMessageCount}, anomalies {anomalies.Count}");
            Assert.False(session.IsMining, flow.ToString());
            Assert.Equal(0, session.MiningMessageCount);
            Assert.Equal(MiningDialect.None, session.Dialect);
            Assert.Equal(0, session.SharesAccepted + session.SharesSubmitted + session.Jobs);
            flows++;
            texts += flowTexts.Count;
        }

        output.WriteLine($"{flows} flows, {texts} JSON texts, none mining");
        Assert.Equal(9, flows);
        Assert.True(texts > 200, $"{texts} texts");
    }
}
