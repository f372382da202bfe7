using Assay.Capture;
using Assay.Engine;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// The corpus sweep: every capture in ../shared/corpus (PROVENANCE.tsv lists ~3,200, many malformed) goes through the
/// whole pipeline with no crash and no hang; each ends in a named outcome, and the counts per outcome are printed. It is
/// also the mining false-positive check: outside the mining captures (mining/, nDPI's mining.pcapng) no capture may give a
/// <c>miner</c> event or a mining alert; and the exploit false-positive check: only the corpus's web-attack captures may
/// give exploit alerts (9100100–9100199).
/// </summary>
[Trait("Category", "CorpusSweep")]
public class CorpusSweepTests(ITestOutputHelper output)
{
    /// <summary>A file that takes longer than this is a hang.</summary>
    private static readonly TimeSpan s_perFileLimit = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task EveryCorpusCaptureIsReadWithoutCrashOrHang()
    {
        if (Corpus.Root is null)
            return;
        var captures = new List<string>();
        foreach (string line in File.ReadLines(Corpus.Path("PROVENANCE.tsv")).Skip(1))
        {
            string[] columns = line.Split('\t');
            if (columns.Length >= 7 && columns[6].Length > 0)
                captures.Add(columns[0]);
        }

        var outcomes = new SortedDictionary<string, int>(StringComparer.Ordinal);
        var failures = new List<string>();
        long packets = 0;
        int benign = 0, mining = 0, miningCaught = 0;
        var falsePositives = new List<string>();
        var exploitCaptures = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (string relative in captures)
        {
            string path = Corpus.Path(relative);
            string outcome;
            try
            {
                var task = Task.Run(() => EngineHarness.Analyze(path, new AnalysisOptions { Workers = 2 }));
                if (await Task.WhenAny(task, Task.Delay(s_perFileLimit)) != task)
                {
                    failures.Add($"{relative}: still running after {s_perFileLimit.TotalSeconds} s");
                    outcome = "hang";
                }
                else
                {
                    var run = await task;
                    var result = run.Result;
                    packets += result.Decode.Packets;
                    int miningAlerts = run.OfType("alert").Count(a => a.GetProperty("alert").GetProperty("signature_id").GetInt32() is >= 9_100_000 and < 9_100_100);
                    int exploitAlerts = run.OfType("alert").Count(a => a.GetProperty("alert").GetProperty("signature_id").GetInt32() is >= 9_100_100 and < 9_100_200);
                    if (exploitAlerts > 0)
                        exploitCaptures[relative] = exploitAlerts;
                    int miners = run.OfType("miner").Count() + miningAlerts;
                    if (IsMiningCapture(relative))
                    {
                        mining++;
                        miningCaught += miners > 0 ? 1 : 0;
                    }
                    else
                    {
                        benign++;
                        if (miners > 0)
                            falsePositives.Add($"{relative}: {run.OfType("miner").Count()} miner events, {miningAlerts} mining alerts");
                    }

                    outcome = result.Warnings.Count == 0 ? "ok" : Classify(result.Warnings[0].Message);
                    if (result.Decode.UnsupportedLinkTypes.Count > 0 && outcome == "ok")
                        outcome = "ok, unsupported link type";
                }
            }
            catch (CaptureFormatException format)
            {
                outcome = "rejected: " + format.Message.Split(':')[0];
            }
            catch (Exception e)
            {
                failures.Add($"{relative}: {e}");
                outcome = "crash";
            }

            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }

        output.WriteLine($"{captures.Count} captures, {packets:N0} packets");
        foreach ((string outcome, int count) in outcomes)
            output.WriteLine($"{count,6}  {outcome}");
        foreach (string failure in failures)
            output.WriteLine("FAIL " + failure);
        output.WriteLine($"mining: {miningCaught}/{mining} mining captures gave miner events or alerts; {falsePositives.Count}/{benign} other captures did (must be 0)");
        foreach (string falsePositive in falsePositives)
            output.WriteLine("FALSE POSITIVE " + falsePositive);
        string[] unexpectedExploits = [.. exploitCaptures.Keys.Where(c => !s_webAttackCaptures.Contains(c))];
        output.WriteLine($"exploit alerts: {string.Join(", ", exploitCaptures.Select(c => $"{c.Key} {c.Value}"))}; " +
                         $"{unexpectedExploits.Length} other captures with exploit alerts (must be 0)");
        Assert.Empty(failures);
        Assert.Empty(falsePositives);
        Assert.Empty(unexpectedExploits);
    }

    /// <summary>Captures of real web attacks (a Nikto RCE scan, a Log4Shell exploit, an ASP web-shell upload).</summary>
    private static readonly HashSet<string> s_webAttackCaptures = new(StringComparer.Ordinal)
    {
        "ndpi/default/pcap/WebattackRCE.pcap",
        "ndpi/default/pcap/log4j-webapp-exploit.pcap",
        "arkime/tests/pcap/http-tcp-seq-issue.pcap",
    };

    private static bool IsMiningCapture(string relative) =>
        relative.StartsWith("mining/", StringComparison.Ordinal) || relative == "ndpi/default/pcap/mining.pcapng";

    private static string Classify(string message) =>
        message.Contains("truncat", StringComparison.OrdinalIgnoreCase) || message.Contains("ends", StringComparison.OrdinalIgnoreCase)
            ? "truncated"
            : "corrupt";
}
