using Assay.Flows;

namespace Assay.Engine;

/// <summary>Settings of one analysis run.</summary>
public sealed record AnalysisOptions
{
    /// <summary>Flow-tracking worker threads; packets are sharded by a symmetric flow hash. Default: one per core.</summary>
    public int Workers { get; init; } = Environment.ProcessorCount;

    public FlowTimeouts Timeouts { get; init; } = FlowTimeouts.Default;

    /// <summary>Hard cap on concurrent flows, split evenly over the workers.</summary>
    public int MaxFlows { get; init; } = FlowTable.DefaultMaxFlows;

    /// <summary>Write an EVE <c>anomaly</c> event for every malformed packet (always counted).</summary>
    public bool AnomalyEvents { get; init; } = true;

    /// <summary>Store every carved file once under its sha256 in this directory (<c>DIR/files</c>); null stores nothing.</summary>
    public string? FilesDirectory { get; init; }

    /// <summary>Digests of each HTTP file written to <c>fileinfo</c> (all three by default). With
    /// <see cref="FilesDirectory"/> set, SHA-256 is computed (and written) even when not asked for: files are stored under it.</summary>
    public Protocols.Http.FileHashes FileHashes { get; init; } = Protocols.Http.FileHashes.All;

    /// <summary>How often (wall clock) a live capture writes a <c>stats</c> event with its drop counters (Suricata: 8 s).</summary>
    public TimeSpan LiveStatsInterval { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>Record every packet into the data directory's packet store with these settings; null records nothing.</summary>
    public Store.PacketStoreOptions? Record { get; init; }

    /// <summary>User pool lists (domains, IPs, CIDRs, host:port endpoints), added to the bundled list and reloaded when changed.</summary>
    public IReadOnlyList<string> PoolLists { get; init; } = [];

    /// <summary>Hosts kept for the top-talkers summary; beyond it, new hosts are not tracked (counted).</summary>
    public int MaxTrackedHosts { get; init; } = 1 << 18;
}
