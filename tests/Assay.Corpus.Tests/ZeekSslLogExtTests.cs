using System.Text.Json;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// EVE <c>tls</c> events against Zeek's ssl-log-ext baseline (scripts.policy.protocols.ssl.ssl-log-ext/ssl-all.log): the
/// ClientHello's version, cipher list, extension list, curves and point formats (which make up the JA3 string), the SNI
/// and the negotiated version, per connection of the TCP traces (the DTLS traces are UDP: not parsed).
/// </summary>
public class ZeekSslLogExtTests(ITestOutputHelper output)
{
    private static readonly string[] s_traces =
        ["dhe.pcap", "ecdhe.pcap", "ssl.v3.pcap", "tls1_1.pcap", "tls13_wolfssl.pcap", "tls13draft23-chrome67.0.3368.0-canary.pcap", "tls13-ech.pcap"];

    [Fact]
    public void ClientHelloFieldsSniAndVersionMatchZeek()
    {
        if (Corpus.Root is null)
            return;
        var zeek = ZeekLog.Read(Corpus.Path("zeek/Baseline/scripts.policy.protocols.ssl.ssl-log-ext/ssl-all.log"));
        var ours = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
        foreach (string trace in s_traces)
        {
            foreach (JsonElement e in EngineHarness.Analyze(Corpus.Path("zeek/Traces/tls/" + trace)).OfType("tls"))
                ours[$"{e.GetProperty("src_ip").GetString()}:{e.GetProperty("src_port").GetInt32()}-{e.GetProperty("dest_ip").GetString()}:{e.GetProperty("dest_port").GetInt32()}"] = e;
        }

        int compared = 0, agree = 0;
        var differences = new List<string>();
        foreach (var row in zeek)
        {
            string key = $"{row["id.orig_h"]}:{row["id.orig_p"]}-{row["id.resp_h"]}:{row["id.resp_p"]}";
            if (!ours.TryGetValue(key, out JsonElement e))
                continue;   // a DTLS (UDP) connection
            compared++;
            JsonElement tls = e.GetProperty("tls");
            string[] ja3 = tls.TryGetProperty("ja3", out var j) ? j.GetProperty("string").GetString()!.Split(',') : ["", "", "", "", ""];
            var mismatches = new List<string>();
            Compare(mismatches, "client_version", row["client_version"], ja3[0]);
            Compare(mismatches, "client_ciphers", NoGrease(row["client_ciphers"]), ja3[1]);
            Compare(mismatches, "ssl_client_exts", NoGrease(row["ssl_client_exts"]), ja3[2]);
            Compare(mismatches, "client_curves", NoGrease(row["client_curves"]), ja3[3]);
            Compare(mismatches, "point_formats", Dash(row["point_formats"]).Replace(",", "-", StringComparison.Ordinal), ja3[4]);
            Compare(mismatches, "server_name", Dash(row["server_name"]), tls.TryGetProperty("sni", out var sni) ? sni.GetString()! : "");
            Compare(mismatches, "version", ZeekVersion(row["version"]), tls.GetProperty("version").GetString()!);
            if (mismatches.Count == 0)
                agree++;
            else
                differences.Add(key + ": " + string.Join("; ", mismatches));
        }

        output.WriteLine($"ssl-log-ext: {agree}/{compared} TCP connections agree on client version, ciphers, extensions, curves, point formats, SNI and version");
        foreach (string difference in differences)
            output.WriteLine("  " + difference);
        Assert.True(compared >= 7, $"only {compared} connections compared");
        Assert.Empty(differences);
    }

    private static void Compare(List<string> mismatches, string field, string zeek, string ours)
    {
        if (zeek != ours)
            mismatches.Add($"{field} zeek '{zeek}' ours '{ours}'");
    }

    private static string Dash(string value) => value is "-" or "(empty)" ? "" : value;

    /// <summary>JA3 drops GREASE values (0x?A?A); Zeek logs them.</summary>
    private static string NoGrease(string list) =>
        string.Join('-', Dash(list).Split(',', StringSplitOptions.RemoveEmptyEntries).Where(v => !IsGrease(int.Parse(v))));

    private static bool IsGrease(int value) => (value & 0x0F0F) == 0x0A0A && (value >> 8) == (value & 0xFF);

    /// <summary>Zeek's TLSv12 / TLSv13 / TLSv13-draft23 against Suricata's "TLS 1.2" / "TLS 1.3" / "TLS 1.3 draft-23".</summary>
    private static string ZeekVersion(string version) => version switch
    {
        "TLSv10" => "TLSv1",
        "TLSv11" => "TLS 1.1",
        "TLSv12" => "TLS 1.2",
        "TLSv13" => "TLS 1.3",
        "SSLv3" => "SSLv3",
        _ when version.StartsWith("TLSv13-draft", StringComparison.Ordinal) => "TLS 1.3 draft-" + version["TLSv13-draft".Length..],
        _ => version,
    };
}
