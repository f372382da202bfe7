using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// The whole pipeline (decode → flows → TCP reassembly → content detection → TLS parser → EVE <c>tls</c>) against
/// ndpiReader's JA3C for every TCP flow it fingerprinted in nDPI's corpus (ndpi/default/result/*.out). The parser-level
/// oracle (Assay.Protocols.Tests NdpiCorpusTests) covers JA4 and nDPI's JA4 deviations; this one proves the wiring.
/// </summary>
public partial class NdpiTlsPipelineTests(ITestOutputHelper output)
{
    /// <summary>
    /// Flows nDPI fingerprints that the pipeline does not (measured: 23 of 804, 0 with a different JA3):
    /// 6 start TLS after a plain-text STARTTLS/RDP preamble (pop3, smtp ×2, imap, ftp, rdp: content detection decides on
    /// the first bytes, "failed" until those protocols are parsed); 8 sit inside tunnels the decoders do not open (VXLAN ×2,
    /// CAPWAP ×3, 6in4 ×2, 4in6); 1 has an address ndpiReader misprinted (pinterest.pcap, "[2600:1901::7a0b::]");
    /// 5 are heuristic_tcp_ack_payload.pcap, whose 2-byte decoy segments the first-wins reassembly keeps, hiding the hello;
    /// 3 (pinterest.pcap ×2, tls_invalid_reads.pcap) are not yet explained — see the closing note of issue 3.
    /// </summary>
    private const int MaxUnreachable = 23;

    [GeneratedRegex(@"^\s*\d+\s+TCP (\S+) <?-> (\S+) .*\[JA3C: ([0-9a-f]{32})")]
    private static partial Regex FlowLine();

    [Fact]
    public void Ja3OfEveryTlsEventEqualsNdpis()
    {
        if (Corpus.Root is null)
            return;
        int compared = 0, equal = 0, missing = 0;
        var differences = new List<string>();
        foreach (string result in Directory.GetFiles(Corpus.Path("ndpi/default/result"), "*.out"))
        {
            var expected = File.ReadLines(result).Select(l => FlowLine().Match(l)).Where(m => m.Success).ToList();
            if (expected.Count == 0)
                continue;
            string pcap = Corpus.Path("ndpi/default/pcap/" + Path.GetFileNameWithoutExtension(result));
            if (!File.Exists(pcap))
                continue;
            var ours = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonElement e in EngineHarness.Analyze(pcap).OfType("tls"))
            {
                if (!e.GetProperty("tls").TryGetProperty("ja3", out JsonElement ja3))
                    continue;
                string a = Endpoint(e, "src"), b = Endpoint(e, "dest"), hash = ja3.GetProperty("hash").GetString()!;
                ours[a + " " + b] = hash;
                ours[b + " " + a] = hash;
            }

            foreach (Match m in expected)
            {
                compared++;
                if (!ours.TryGetValue(m.Groups[1].Value + " " + m.Groups[2].Value, out string? hash))
                {
                    missing++;
                    differences.Add($"{Path.GetFileName(pcap)} {m.Groups[1].Value} -> {m.Groups[2].Value}: no tls event");
                }
                else if (hash == m.Groups[3].Value)
                {
                    equal++;
                }
                else
                {
                    differences.Add($"{Path.GetFileName(pcap)} {m.Groups[1].Value} -> {m.Groups[2].Value}: ours {hash}, nDPI {m.Groups[3].Value}");
                }
            }
        }

        output.WriteLine($"nDPI corpus: {compared} TCP flows with a JA3C; {equal} tls events with the same JA3, {missing} without a tls event, {compared - equal - missing} different");
        foreach (string difference in differences)
            output.WriteLine("  " + difference);
        Assert.True(compared > 500, $"only {compared} flows compared");
        Assert.Equal(0, compared - equal - missing);
        Assert.True(missing <= MaxUnreachable, $"{missing} flows without a tls event");
    }

    /// <summary>nDPI prints <c>1.2.3.4:443</c> and <c>[2001:db8::1]:443</c>.</summary>
    private static string Endpoint(JsonElement e, string side)
    {
        string ip = e.GetProperty(side + "_ip").GetString()!;
        int port = e.GetProperty(side + "_port").GetInt32();
        return ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]:{port}" : $"{ip}:{port}";
    }
}
