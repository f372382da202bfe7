using Assay.Capture;
using Assay.Engine;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// The corpus sweep: every capture in ../shared/corpus (PROVENANCE.tsv lists ~3,200, many malformed) goes through the
/// whole pipeline with no crash and no hang; each ends in a named outcome, and the counts per outcome are printed.
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
                    var result = (await task).Result;
                    packets += result.Decode.Packets;
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
        Assert.Empty(failures);
    }

    private static string Classify(string message) =>
        message.Contains("truncat", StringComparison.OrdinalIgnoreCase) || message.Contains("ends", StringComparison.OrdinalIgnoreCase)
            ? "truncated"
            : "corrupt";
}
