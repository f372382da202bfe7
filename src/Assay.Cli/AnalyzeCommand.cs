using System.CommandLine;
using Assay.Capture;
using Assay.Engine;
using Assay.Output;
using Assay.Protocols.Intel;

namespace Assay.Cli;

/// <summary><c>assay analyze FILE... -d DIR</c>: read captures, write DIR/eve.json, print a summary.</summary>
internal static class AnalyzeCommand
{
    public static Command Create()
    {
        var files = new Argument<FileInfo[]>("files")
        {
            Description = "Capture files (pcap, pcapng, optionally gzip-compressed). Several files are read in timestamp order as one stream.",
            Arity = ArgumentArity.OneOrMore,
        };
        var pipeline = new PipelineOptions();
        var command = new Command("analyze", "Analyze capture files: decode, track flows, parse DNS/TLS/HTTP and mining protocols, detect miners and exploits, write EVE JSON to DIR/eve.json and record the packets into DIR/packets.")
        {
            files,
        };
        pipeline.AddTo(command);
        command.SetAction(parse =>
        {
            AnalysisOptions? options = pipeline.Parse(parse, out string? error);
            if (options is null)
                return ExitCodes.Fail(ExitCodes.Usage, error!);
            return Run(parse.GetValue(files)!, parse.GetValue(pipeline.DataDirectory)!, options, parse.GetValue(pipeline.Json));
        });
        return command;
    }

    /// <summary>Runs an analysis and prints its summary. Returns the process exit code.</summary>
    public static int Run(IReadOnlyList<FileInfo> files, DirectoryInfo dataDir, AnalysisOptions options, bool json)
    {
        MiningIntel? intel = Prepare(options, out int exitCode);
        if (intel is null)
            return exitCode;

        IPacketSource? source;
        try
        {
            source = InputFiles.Open(files);
        }
        catch (InputException e)
        {
            foreach (string line in e.Lines)
                Console.Error.WriteLine("assay: " + line);
            return ExitCodes.BadInput;
        }

        using (source)
        {
            AnalysisResult? result = Analyze(source, dataDir, options, intel, showProgress: !json, handleCtrlC: true, out string evePath, out exitCode);
            if (result is null)
                return exitCode;

            foreach (InputWarning warning in result.Warnings)
                Console.Error.WriteLine($"assay: warning: {warning.Source}: {warning.Message}");

            var summary = RunSummary.From(result, files, evePath);
            if (json)
                summary.WriteJson(Console.OpenStandardOutput());
            else
                summary.Print();
            return ExitCodes.Success;
        }
    }

    /// <summary>Checks the worker count and loads the pool lists (shared by <c>analyze</c> and <c>sense</c>); null after printing why not.</summary>
    internal static MiningIntel? Prepare(AnalysisOptions options, out int exitCode)
    {
        exitCode = ExitCodes.Success;
        if (options.Workers < 1 || options.Workers > 256)
        {
            exitCode = ExitCodes.Fail(ExitCodes.Usage, $"--workers must be between 1 and 256 (got {options.Workers})");
            return null;
        }

        try
        {
            return new MiningIntel(options.PoolLists);
        }
        catch (IntelFormatException e)
        {
            exitCode = ExitCodes.Fail(ExitCodes.BadInput, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            exitCode = ExitCodes.Fail(ExitCodes.BadInput, $"cannot read a pool list: {e.Message}");
        }

        return null;
    }

    /// <summary>
    /// Analyzes an open source into DIR/eve.json until it ends (shared by <c>analyze</c> and <c>sense</c>). Null after printing
    /// why the data directory or the output failed.
    /// </summary>
    /// <param name="handleCtrlC">Ctrl-C cancels the run (analyze); sense stops its source on SIGINT/SIGTERM itself.</param>
    internal static AnalysisResult? Analyze(IPacketSource source, DirectoryInfo dataDir, AnalysisOptions options, MiningIntel intel,
        bool showProgress, bool handleCtrlC, out string evePath, out int exitCode)
    {
        exitCode = ExitCodes.Success;
        EveSink sink;
        evePath = Path.Combine(dataDir.FullName, DataLayout.EveFile);
        try
        {
            Directory.CreateDirectory(dataDir.FullName);
            sink = EveSink.Create(evePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            exitCode = ExitCodes.Fail(ExitCodes.OutputError, $"{dataDir.FullName}: cannot write the data directory: {e.Message}");
            return null;
        }

        using var cancel = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancel.Cancel();
        };
        if (handleCtrlC)
            Console.CancelKeyPress += onCancel;
        Store.PacketStore? store = null;
        try
        {
            if (options.Record is not null)
            {
                store = Store.PacketStore.Open(dataDir.FullName, options.Record);
                if (!store.Recovery.IsClean)
                {
                    Console.Error.WriteLine($"assay: packet store recovered after an unclean stop: {store.Recovery.Repaired.Count} segment(s) repaired, " +
                                            $"{store.Recovery.IndexesRebuilt.Count} index(es) rebuilt, {store.Recovery.Discarded.Count} discarded");
                    foreach (Store.RepairedSegment repaired in store.Recovery.Repaired)
                        Console.Error.WriteLine($"assay:   {repaired.Segment}: {repaired.PacketsKept:N0} packets kept, {repaired.BytesTruncated:N0} bytes of a cut packet removed");
                    foreach (string discarded in store.Recovery.Discarded)
                        Console.Error.WriteLine($"assay:   {discarded}: discarded");
                }
            }

            AnalysisResult result;
            using (var analyzer = new Analyzer(options, sink, intel, store))
                result = ProgressDisplay.Run(analyzer, source, showProgress, cancel.Token);
            sink.Complete();
            store?.Dispose();   // closes the open segment: index written, renamed
            return result;
        }
        catch (Store.StoreException e)
        {
            exitCode = ExitCodes.Fail(ExitCodes.OutputError, e.Message);
            return null;
        }
        catch (IOException e)
        {
            exitCode = ExitCodes.Fail(ExitCodes.OutputError, $"{evePath}: {e.Message}");
            return null;
        }
        finally
        {
            if (handleCtrlC)
                Console.CancelKeyPress -= onCancel;
            store?.Dispose();
            sink.Dispose();
        }
    }
}
