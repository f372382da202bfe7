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

    public static Option<string[]> Timeouts() => new("--timeout")
    {
        Description = "Flow idle timeout in seconds, as NAME=SECONDS (repeatable). Names: tcp-new, tcp-established, tcp-closed, " +
                      "udp-new, udp-established, icmp-new, icmp-established, other-new, other-established.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<int> MaxFlows() => new("--max-flows")
    {
        Description = "Hard cap on concurrent flows (all workers together); the least recently seen flow is evicted beyond it.",
        DefaultValueFactory = _ => Flows.FlowTable.DefaultMaxFlows,
    };

    /// <summary>Applies <c>--timeout NAME=SECONDS</c> overrides; an error message for the first bad one.</summary>
    public static Flows.FlowTimeouts ParseTimeouts(string[]? overrides, out string? error)
    {
        var timeouts = Flows.FlowTimeouts.Default;
        error = null;
        foreach (string item in overrides ?? [])
        {
            int eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !int.TryParse(item.AsSpan(eq + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int seconds) || seconds < 1)
            {
                error = $"--timeout {item}: expected NAME=SECONDS with SECONDS a whole number ≥ 1";
                return timeouts;
            }

            string name = item[..eq];
            Flows.FlowTimeouts? updated = name switch
            {
                "tcp-new" => timeouts with { TcpNew = seconds },
                "tcp-established" => timeouts with { TcpEstablished = seconds },
                "tcp-closed" => timeouts with { TcpClosed = seconds },
                "udp-new" => timeouts with { UdpNew = seconds },
                "udp-established" => timeouts with { UdpEstablished = seconds },
                "icmp-new" => timeouts with { IcmpNew = seconds },
                "icmp-established" => timeouts with { IcmpEstablished = seconds },
                "other-new" => timeouts with { OtherNew = seconds },
                "other-established" => timeouts with { OtherEstablished = seconds },
                _ => null,
            };
            if (updated is null)
            {
                error = $"--timeout {item}: unknown timeout '{name}' (tcp-new, tcp-established, tcp-closed, udp-new, udp-established, icmp-new, icmp-established, other-new, other-established)";
                return timeouts;
            }

            timeouts = updated;
        }

        return timeouts;
    }

    public static Option<FileInfo[]> PoolLists() => new("--pool-list")
    {
        Description = "A file of mining pools to add to the bundled list: one domain, IP, CIDR or host:port per line ('#' comments, optional TAB + label). Repeatable; re-read when it changes.",
        AllowMultipleArgumentsPerToken = false,
    };

    public static Option<bool> StoreFiles() => new("--store-files")
    {
        Description = "Store every carved file (HTTP bodies) once under its sha256 in DIR/files/.",
    };

    public static Option<string[]> FileHashes() => new("--file-hashes")
    {
        Description = "Digests of each HTTP file in fileinfo events: md5, sha1, sha256, comma-separated and/or repeated, or none. " +
                      "Default: all three. SHA-256 is computed (and written) whenever files are carved (--store-files or recording).",
        AllowMultipleArgumentsPerToken = false,
    };

    /// <summary>Reads <c>--file-hashes</c> values (<c>md5,sha1</c>, repeated, <c>none</c>; any case); all three when none
    /// are given; an error message naming the first bad word.</summary>
    public static Protocols.Http.FileHashes ParseFileHashes(string[]? values, out string? error)
    {
        const string Accepted = "md5, sha1, sha256, or none";
        error = null;
        if (values is null || values.Length == 0)
            return Protocols.Http.FileHashes.All;
        var hashes = Protocols.Http.FileHashes.None;
        bool none = false;
        bool any = false;
        foreach (string value in values)
        {
            foreach (string word in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
            {
                any = true;
                switch (word.ToUpperInvariant())
                {
                    case "MD5": hashes |= Protocols.Http.FileHashes.Md5; break;
                    case "SHA1": hashes |= Protocols.Http.FileHashes.Sha1; break;
                    case "SHA256": hashes |= Protocols.Http.FileHashes.Sha256; break;
                    case "NONE": none = true; break;
                    default:
                        error = $"--file-hashes {value}: unknown digest '{word}' (accepted: {Accepted})";
                        return Protocols.Http.FileHashes.All;
                }
            }
        }

        if (!any)
            error = $"--file-hashes: expected {Accepted}";
        else if (none && hashes != Protocols.Http.FileHashes.None)
            error = $"--file-hashes: 'none' cannot be combined with a digest (got {string.Join(',', values)})";
        return error is null ? hashes : Protocols.Http.FileHashes.All;
    }

    public static Option<bool> NoAnomalyEvents() => new("--no-anomaly-events")
    {
        Description = "Count malformed packets but do not write an EVE anomaly event for each.",
    };
}
