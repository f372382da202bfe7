using System.Text;
using System.Text.Json;
using Assay.Capture;
using Assay.Engine;
using Assay.Output;

namespace Assay.Tests;

/// <summary>Runs the whole pipeline in-process and returns what it counted and the EVE events it wrote.</summary>
internal static class EngineHarness
{
    public sealed record Run(AnalysisResult Result, IReadOnlyList<JsonElement> Events, string Eve)
    {
        public IEnumerable<JsonElement> OfType(string eventType)
        {
            foreach (JsonElement e in Events)
            {
                if (e.GetProperty("event_type").GetString() == eventType)
                    yield return e;
            }
        }
    }

    public static Run Analyze(string path, AnalysisOptions? options = null)
    {
        using IPacketSource source = CaptureFile.Open(path);
        return Analyze(source, options);
    }

    public static Run Analyze(IPacketSource source, AnalysisOptions? options = null)
    {
        var output = new MemoryStream();
        AnalysisResult result;
        using (var sink = new EveSink(output, leaveOpen: true))
        {
            using var analyzer = new Analyzer(options ?? new AnalysisOptions { Workers = 2 }, sink);
            result = analyzer.Run(source);
            sink.Complete();
        }

        string eve = Encoding.UTF8.GetString(output.ToArray());
        var events = new List<JsonElement>();
        foreach (string line in eve.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            events.Add(JsonDocument.Parse(line).RootElement.Clone());
        return new Run(result, events, eve);
    }
}
