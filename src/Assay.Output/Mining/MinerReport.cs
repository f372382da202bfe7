namespace Assay.Output.Mining;

/// <summary>How sure a mining verdict is (DESIGN.md §5). Written as <c>miner.confidence</c>.</summary>
public enum MinerConfidence : byte
{
    /// <summary>Traffic shape only: a long flow whose timing and sizes look like job pushes and share submits.</summary>
    Heuristic,

    /// <summary>Traffic to a known or learned pool, or a miner TLS fingerprint together with pool-like traffic.</summary>
    Strong,

    /// <summary>A parsed mining protocol message that nothing else sends.</summary>
    Certain,
}

/// <summary>One piece of evidence behind a verdict: its kind, a readable sentence, and where it came from.</summary>
/// <param name="Kind">A stable word, e.g. <c>login</c>, <c>submit</c>, <c>pool_sni</c>, <c>tls_fingerprint</c>, <c>shape</c>.</param>
/// <param name="PacketNumber">1-based position of the packet in the input, or 0 when the evidence is about the whole flow.</param>
public sealed record MinerEvidence(string Kind, string Sentence, long Timestamp, long PacketNumber, long FlowId);

/// <summary>
/// One mining session as the EVE <c>miner</c> event reports it (docs/EVE.md): built by the engine from a parsed session
/// (certain) or from pool intelligence, TLS fingerprints and traffic shape (strong, heuristic). Plain data: written on
/// the worker's thread, then handed to the run's summary (host verdicts) when the flow ends.
/// </summary>
public sealed class MinerReport
{
    public long FlowId { get; init; }
    public UInt128 ClientAddress { get; init; }
    public ushort ClientPort { get; init; }
    public bool IPv6 { get; init; }
    public MinerConfidence Confidence { get; set; }

    /// <summary><c>stratum</c>, <c>cryptonote</c>, <c>ethproxy</c>, … or <see langword="null"/> when no protocol was read.</summary>
    public string? Dialect { get; set; }

    /// <summary><c>tcp</c>, <c>tls</c>, <c>http</c>, <c>websocket</c>, <c>socks5</c> (+ what is inside, e.g. <c>socks5</c> then stratum).</summary>
    public required string Transport { get; set; }

    public UInt128 PoolAddress { get; init; }
    public ushort PoolPort { get; init; }
    public string? PoolName { get; set; }
    public string? Login { get; set; }
    public string? Password { get; set; }
    public string? Worker { get; set; }
    public string? Agent { get; set; }
    public string? Algorithm { get; set; }
    public IReadOnlyList<string> Algorithms { get; set; } = [];
    public double? Difficulty { get; set; }
    public long SharesSubmitted { get; set; }
    public long SharesAccepted { get; set; }
    public long SharesRejected { get; set; }
    public long Jobs { get; set; }
    public double? HashrateHps { get; set; }
    public string? HashrateMethod { get; set; }
    public long FirstSeen { get; set; }
    public long LastSeen { get; set; }

    /// <summary>The flow ended (a final event) rather than an update on a session still running.</summary>
    public bool Final { get; set; }

    public List<MinerEvidence> Evidence { get; } = [];
}
