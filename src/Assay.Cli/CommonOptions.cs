using System.CommandLine;

namespace Assay.Cli;

/// <summary>Options shared by the commands that run the pipeline.</summary>
internal static class CommonOptions
{
    public static Option<DirectoryInfo> DataDirectory(bool required, string? defaultPath = null)
    {
        var option = new Option<DirectoryInfo>("--data-dir", "-d")
        {
            Description = "Data directory: eve.json (and later the packet store and metadata) are written here.",
            Required = required,
        };
        if (defaultPath is not null)
            option.DefaultValueFactory = _ => new DirectoryInfo(defaultPath);
        return option;
    }

    public static Option<int> Workers() => new("--workers", "-w")
    {
        Description = "Flow worker threads (packets are sharded by a symmetric flow hash). Default: one per core.",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    public static Option<bool> Json() => new("--json")
    {
        Description = "Print the run summary as JSON on stdout instead of tables.",
    };

    public static Option<bool> NoAnomalyEvents() => new("--no-anomaly-events")
    {
        Description = "Count malformed packets but do not write an EVE anomaly event for each.",
    };
}
