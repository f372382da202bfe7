using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Assay.Capture;
using Assay.Engine;
using Assay.Live;

namespace Assay.Cli;

/// <summary>
/// <c>assay sense -i IFACE [-i IFACE2 …] -d DIR</c>: live capture through libpcap into the same analysis as <c>analyze</c>,
/// until SIGINT or SIGTERM; then everything is flushed, the summary printed, and the exit code is 0.
/// </summary>
internal static class SenseCommand
{
    /// <summary>Drops are printed on stderr this often while capturing (when there are any).</summary>
    private static readonly TimeSpan s_dropReportInterval = TimeSpan.FromMinutes(1);

    public static Command Create()
    {
        var interfaces = new Option<string[]>("--interface", "-i")
        {
            Description = "Network interface to capture on (repeatable: several interfaces are read as one stream).",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        var filter = new Option<string?>("--filter", "-f")
        {
            Description = "BPF capture filter (pcap-filter(7) syntax, as tcpdump takes it).",
        };
        var noPromisc = new Option<bool>("--no-promisc")
        {
            Description = "Do not put the interfaces in promiscuous mode.",
        };
        var bufferSize = new Option<int>("--buffer-size")
        {
            Description = "Kernel capture buffer per interface, in MiB.",
            DefaultValueFactory = _ => LiveCaptureOptions.DefaultBufferBytes >> 20,
        };
        var pipeline = new PipelineOptions();
        var command = new Command("sense", "Capture live from network interfaces (libpcap) and analyze as 'analyze' does, until SIGINT or SIGTERM; EVE JSON goes to DIR/eve.json.")
        {
            interfaces, filter, noPromisc, bufferSize,
        };
        pipeline.AddTo(command);
        command.SetAction(parse =>
        {
            AnalysisOptions? options = pipeline.Parse(parse, out string? error);
            if (options is null)
                return ExitCodes.Fail(ExitCodes.Usage, error!);
            int bufferMiB = parse.GetValue(bufferSize);
            if (bufferMiB is < 1 or > 2047)
                return ExitCodes.Fail(ExitCodes.Usage, $"--buffer-size must be between 1 and 2047 MiB (got {bufferMiB})");
            var capture = new LiveCaptureOptions
            {
                Filter = parse.GetValue(filter),
                Promiscuous = !parse.GetValue(noPromisc),
                BufferBytes = bufferMiB << 20,
            };
            return Run(parse.GetValue(interfaces)!, capture, parse.GetValue(pipeline.DataDirectory)!, options, parse.GetValue(pipeline.Json));
        });
        return command;
    }

    /// <summary>Captures until SIGINT/SIGTERM, then prints the summary. Returns the process exit code.</summary>
    public static int Run(IReadOnlyList<string> interfaceNames, LiveCaptureOptions capture, DirectoryInfo dataDir, AnalysisOptions options, bool json)
    {
        MiningIntel? intel = AnalyzeCommand.Prepare(options, out int exitCode);
        if (intel is null)
            return exitCode;

        IPacketSource source;
        Action stop;
        try
        {
            if (interfaceNames.Count == 1)
            {
                var single = LivePacketSource.Open(interfaceNames[0], capture);
                (source, stop) = (single, single.Stop);
            }
            else
            {
                var multi = MultiLivePacketSource.Open(interfaceNames, capture);
                (source, stop) = (multi, multi.Stop);
            }
        }
        catch (LiveCaptureException e)
        {
            return ExitCodes.Fail(ExitCodes.BadInput, e.Message);
        }

        using (source)
        {
            var statistics = (ICaptureStatistics)source;
            int signals = 0;
            void OnSignal(PosixSignalContext context)
            {
                // The first signal ends the capture cleanly; a second one while shutting down kills the process as usual.
                if (Interlocked.Increment(ref signals) > 1)
                    return;
                context.Cancel = true;
                stop();
            }

            using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
            using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
            using var dropReport = new Timer(_ => ReportDrops(statistics.ReadDrops()), null, s_dropReportInterval, s_dropReportInterval);
            Console.Error.WriteLine($"assay: capturing on {Describe(source)}{(capture.Filter is { Length: > 0 } f ? $" with filter '{f}'" : "")}; SIGINT or SIGTERM stops");

            AnalysisResult? result = AnalyzeCommand.Analyze(source, dataDir, options, intel, showProgress: false, handleCtrlC: false, out string evePath, out exitCode);
            if (result is null)
                return exitCode;

            foreach (InputWarning warning in result.Warnings)
                Console.Error.WriteLine($"assay: warning: {warning.Source}: {warning.Message}");

            CaptureDrops drops = result.Drops ?? statistics.ReadDrops();
            Console.Error.WriteLine($"assay: capture stopped: {Drops(drops)}");
            var summary = RunSummary.From(result, [.. interfaceNames.Select(name => new FileInfo(name))], evePath);
            if (json)
                WriteJson(summary, interfaceNames);
            else
                summary.Print();
            return ExitCodes.Success;
        }
    }

    private static string Describe(IPacketSource source) => source switch
    {
        LivePacketSource one => $"{one.Name} (link type {one.LinkType}, {(one.NanosecondTimestamps ? "nanosecond" : "microsecond")} timestamps)",
        MultiLivePacketSource many => string.Join(", ", many.Sources.Select(one => $"{one.Name} (link type {one.LinkType})")),
        _ => source.Name,
    };

    private static string Drops(CaptureDrops drops) =>
        $"{drops.Received:N0} packets received, {drops.KernelDropped:N0} dropped by the kernel, {drops.InterfaceDropped:N0} by the interface";

    private static void ReportDrops(CaptureDrops drops)
    {
        if (drops.KernelDropped != 0 || drops.InterfaceDropped != 0)
            Console.Error.WriteLine($"assay: capture drops since the start: {Drops(drops)}");
    }

    /// <summary>The run summary as JSON, naming the interfaces instead of input files.</summary>
    private static void WriteJson(RunSummary summary, IReadOnlyList<string> interfaceNames)
    {
        using var buffer = new MemoryStream();
        summary.WriteJson(buffer);
        var root = JsonNode.Parse(buffer.ToArray())!.AsObject();
        var renamed = new JsonObject();
        foreach ((string key, JsonNode? value) in root)
        {
            if (key == "files")
                renamed["interfaces"] = new JsonArray([.. interfaceNames.Select(name => (JsonNode)JsonValue.Create(name))]);
            else
                renamed[key] = value?.DeepClone();
        }

        using Stream stdout = Console.OpenStandardOutput();
        using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Indented = true }))
            renamed.WriteTo(writer);
        stdout.WriteByte((byte)'\n');
    }
}
