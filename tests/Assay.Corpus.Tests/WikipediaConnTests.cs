using System.Text.Json;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// Flows on zeek/Traces/wikipedia.pcap against Zeek's conn.log (zeek/Baseline/opt.basic/conn.log), matched per 5-tuple,
/// compared on packets per side.
/// </summary>
public class WikipediaConnTests(ITestOutputHelper output)
{
    /// <summary>Share of Zeek's connections whose packet counts per side we must match exactly.</summary>
    private const double RequiredAgreement = 0.95;

    [Fact]
    public void PacketsPerSideMatchZeekConnLog()
    {
        if (Corpus.Root is null)
            return;
        var zeek = ZeekLog.Read(Corpus.Path("zeek/Baseline/opt.basic/conn.log"));
        var run = EngineHarness.Analyze(Corpus.Path("zeek/Traces/wikipedia.pcap"));
        var ours = new Dictionary<string, (long ToServer, long ToClient, bool Reversed)>();
        foreach (JsonElement flow in run.OfType("flow"))
        {
            string proto = flow.GetProperty("proto").GetString()!.ToLowerInvariant();
            if (proto == "ipv6-icmp")
                proto = "icmp";
            string src = flow.GetProperty("src_ip").GetString()!, dst = flow.GetProperty("dest_ip").GetString()!;
            int sp = flow.TryGetProperty("src_port", out var s) ? s.GetInt32() : flow.GetProperty("icmp_type").GetInt32();
            int dp = flow.TryGetProperty("dest_port", out var d) ? d.GetInt32() : flow.GetProperty("icmp_code").GetInt32();
            long ts = flow.GetProperty("flow").GetProperty("pkts_toserver").GetInt64();
            long tc = flow.GetProperty("flow").GetProperty("pkts_toclient").GetInt64();
            ours[$"{proto} {src}:{sp} {dst}:{dp}"] = (ts, tc, false);
            ours.TryAdd($"{proto} {dst}:{dp} {src}:{sp}", (tc, ts, true));
        }

        int agree = 0, missing = 0, reversed = 0;
        var differences = new List<string>();
        foreach (var row in zeek)
        {
            string key = $"{row["proto"]} {row["id.orig_h"]}:{row["id.orig_p"]} {row["id.resp_h"]}:{row["id.resp_p"]}";
            long origPkts = long.Parse(row["orig_pkts"]), respPkts = long.Parse(row["resp_pkts"]);
            if (!ours.TryGetValue(key, out var mine))
            {
                missing++;
                differences.Add($"missing {key}");
                continue;
            }

            if (mine.Reversed)
                reversed++;
            if (mine.ToServer == origPkts && mine.ToClient == respPkts)
                agree++;
            else
                differences.Add($"{key}: zeek {origPkts}/{respPkts}, assay {mine.ToServer}/{mine.ToClient}{(mine.Reversed ? " (we chose the other side as client)" : "")}");
        }

        double share = (double)agree / zeek.Count;
        output.WriteLine($"wikipedia.pcap: {agree}/{zeek.Count} connections agree on packets per side ({share:P1}); {missing} missing; {reversed} with the other side as client; our flows: {run.OfType("flow").Count()}");
        foreach (string difference in differences)
            output.WriteLine("  " + difference);
        Assert.True(share >= RequiredAgreement, $"only {share:P1} agree:\n" + string.Join("\n", differences));
    }
}

/// <summary>The whole pipeline's EVE dns events on wikipedia.pcap against Zeek's dns.log.</summary>
public class WikipediaDnsTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryZeekDnsTransactionIsADnsRequestEventWithItsAnswers()
    {
        if (Corpus.Root is null)
            return;
        var zeek = ZeekLog.Read(Corpus.Path("zeek/Baseline/opt.basic/dns.log"));
        var run = EngineHarness.Analyze(Corpus.Path("zeek/Traces/wikipedia.pcap"));
        var dns = run.OfType("dns").ToList();
        int compared = 0, agree = 0;
        var differences = new List<string>();
        foreach (var row in zeek)
        {
            if (row["id.resp_p"] == "137")
                continue;   // NetBIOS name service: Zeek decodes its name encoding, we do not parse NBNS as DNS
            compared++;
            int id = int.Parse(row["trans_id"]);
            string query = row["query"];
            // Zeek lower-cases names (BRWC… → brwc…); Suricata and Assay keep the case on the wire. Zeek also logs an
            // unsolicited mDNS response as a transaction: then our response event stands for it.
            var request = dns.FirstOrDefault(e => e.GetProperty("dns").GetProperty("type").GetString() == "request" &&
                e.GetProperty("dns").GetProperty("id").GetInt32() == id && e.GetProperty("src_ip").GetString() == row["id.orig_h"] &&
                string.Equals(FirstQuery(e), query, StringComparison.OrdinalIgnoreCase));
            var response = dns.FirstOrDefault(e => e.GetProperty("dns").GetProperty("type").GetString() == "response" &&
                e.GetProperty("dns").GetProperty("id").GetInt32() == id &&
                (e.GetProperty("dest_ip").GetString() == row["id.orig_h"] || e.GetProperty("src_ip").GetString() == row["id.orig_h"]));
            string zeekAnswers = row["answers"] == "-" ? "" : row["answers"];
            string ours = response.ValueKind == System.Text.Json.JsonValueKind.Undefined || !response.GetProperty("dns").TryGetProperty("answers", out var answers)
                ? ""
                : string.Join(",", answers.EnumerateArray().Select(AnswerText));
            bool unsolicited = response.ValueKind != System.Text.Json.JsonValueKind.Undefined && response.GetProperty("src_ip").GetString() == row["id.orig_h"];
            bool seen = request.ValueKind != System.Text.Json.JsonValueKind.Undefined || unsolicited;
            if (seen && (row["rcode_name"] == "-" || ours == zeekAnswers))
                agree++;
            else
                differences.Add($"{query} id {id}: zeek answers [{zeekAnswers}], ours [{ours}]");
        }

        output.WriteLine($"wikipedia.pcap: {agree}/{compared} Zeek DNS transactions have our request event and the same answers");
        foreach (string difference in differences)
            output.WriteLine("  " + difference);
        Assert.Equal(compared, agree);
    }

    /// <summary>What Zeek writes in <c>answers</c>: the rdata, or an SRV record's target name.</summary>
    private static string? AnswerText(System.Text.Json.JsonElement answer) =>
        answer.TryGetProperty("rdata", out var rdata) ? rdata.GetString()
        : answer.TryGetProperty("srv", out var srv) ? srv.GetProperty("name").GetString()
        : "";

    private static string? FirstQuery(System.Text.Json.JsonElement e) =>
        e.GetProperty("dns").TryGetProperty("queries", out var queries) && queries.GetArrayLength() > 0
            ? queries[0].GetProperty("rrname").GetString()
            : null;
}

/// <summary>The whole pipeline's EVE http events on wikipedia.pcap against Zeek's http.log.</summary>
public class WikipediaHttpTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryZeekHttpTransactionIsAnHttpEventWithTheSameFields()
    {
        if (Corpus.Root is null)
            return;
        var zeek = ZeekLog.Read(Corpus.Path("zeek/Baseline/opt.basic/http.log"));
        var http = EngineHarness.Analyze(Corpus.Path("zeek/Traces/wikipedia.pcap")).OfType("http").ToList();
        var differences = new List<string>();
        foreach (var row in zeek)
        {
            int depth = int.Parse(row["trans_depth"]);
            var match = http.FirstOrDefault(e => e.GetProperty("src_ip").GetString() == row["id.orig_h"] &&
                e.GetProperty("src_port").GetInt32() == int.Parse(row["id.orig_p"]) && e.GetProperty("tx_id").GetInt64() == depth - 1);
            if (match.ValueKind == System.Text.Json.JsonValueKind.Undefined)
            {
                differences.Add($"{row["id.orig_h"]}:{row["id.orig_p"]} #{depth} {row["uri"]}: no http event");
                continue;
            }

            var h = match.GetProperty("http");
            string ours = $"{h.GetProperty("http_method").GetString()} {h.GetProperty("hostname").GetString()} {h.GetProperty("url").GetString()} {(h.TryGetProperty("status", out var st) ? st.GetInt32().ToString() : "-")}";
            string theirs = $"{row["method"]} {row["host"]} {row["uri"]} {row["status_code"]}";
            if (ours != theirs)
                differences.Add($"zeek '{theirs}' ours '{ours}'");
        }

        output.WriteLine($"wikipedia.pcap: {zeek.Count - differences.Count}/{zeek.Count} Zeek HTTP transactions have an http event with the same method, host, uri and status ({http.Count} http events)");
        foreach (string difference in differences)
            output.WriteLine("  " + difference);
        Assert.Empty(differences);
    }
}
