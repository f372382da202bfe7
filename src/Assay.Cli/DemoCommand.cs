using System.CommandLine;
using Assay.Engine;
using Assay.Synthesis.Scenarios;

namespace Assay.Cli;

/// <summary>
/// <c>assay demo [-d DIR] [CAPTURE]</c>: the README's main job. Without a capture it generates the bundled demo (a small
/// office whose IP camera gets compromised and starts mining, made by Assay.Synthesis) into DIR/demo.pcap and analyzes it;
/// with a capture it analyzes that instead.
/// </summary>
internal static class DemoCommand
{
    public const string DefaultDirectory = "assay-demo";
    public const string DemoCapture = "demo.pcap";

    public static Command Create()
    {
        var capture = new Argument<FileInfo?>("capture")
        {
            Description = "A capture to analyze instead of the generated demo.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var dataDir = CommonOptions.DataDirectory(required: false, defaultPath: DefaultDirectory);
        var workers = CommonOptions.Workers();
        var json = CommonOptions.Json();
        var seed = new Option<long>("--seed")
        {
            Description = "Seed of the generated demo (the same seed gives a byte-identical capture).",
            DefaultValueFactory = _ => new DemoOptions().Seed,
        };
        var command = new Command("demo", "Generate the bundled demo capture (or take CAPTURE) and analyze it into DIR (default ./assay-demo).")
        {
            capture, dataDir, workers, json, seed,
        };
        command.SetAction(parse => Run(parse.GetValue(capture), parse.GetValue(dataDir)!, parse.GetValue(workers), parse.GetValue(json), parse.GetValue(seed)));
        return command;
    }

    private static int Run(FileInfo? capture, DirectoryInfo dataDir, int workers, bool json, long seed)
    {
        // The demo records its packets and files like a sensor, so that assay pcap/follow/files/story work on it.
        var options = new AnalysisOptions
        {
            Workers = workers,
            Record = new Store.PacketStoreOptions(),
            FilesDirectory = Path.Combine(dataDir.FullName, DataLayout.FilesDirectory),
        };
        if (capture is not null)
            return AnalyzeCommand.Run([capture], dataDir, options, json);

        string path = Path.Combine(dataDir.FullName, DemoCapture);
        try
        {
            Directory.CreateDirectory(dataDir.FullName);
            // A fresh demo: the packets of an earlier demo run would be recorded twice.
            string packets = Path.Combine(dataDir.FullName, DataLayout.PacketsDirectory);
            if (Directory.Exists(packets))
                Directory.Delete(packets, recursive: true);
            ScenarioSummary summary = DemoScenario.Write(path, new DemoOptions { Seed = seed });
            if (!json)
            {
                Console.WriteLine($"Generated {path}: {summary.PacketCount:N0} packets over {TimeSpan.FromTicks((summary.LastTimestampNanos - summary.FirstTimestampNanos) / 100):g} " +
                                  $"(an office network; its IP camera is exploited, downloads a dropper and a miner, and mines; a printer and a workstation mine too).");
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ExitCodes.Fail(ExitCodes.OutputError, $"{path}: cannot write the demo capture: {e.Message}");
        }

        return AnalyzeCommand.Run([new FileInfo(path)], dataDir, options, json);
    }
}
