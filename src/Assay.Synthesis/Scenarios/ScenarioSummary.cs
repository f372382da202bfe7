using System.Net;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Scenarios;

/// <summary>What a planted flow is, so tests can assert a detector found (or ignored) it.</summary>
public enum FlowRole : byte
{
    // Ordinary office traffic
    DnsLookup,
    WebTls,
    WebHttp,
    Ntp,
    FileShare,
    CameraStream,
    Printing,
    IcmpEcho,
    VoiceSignalling,
    IPv6Web,

    // Edge cases planted for the decoders
    FragmentedDns,
    PortScan,

    // The intrusion and the miners (everything from here on is malicious)
    ExploitAttempt,
    DropperDownload,
    MinerDownload,
    PoolDnsLookup,
    StratumXmrig,
    StratumCleartextOddPort,
    StratumTlsNoSni,
}

/// <summary>
/// One planted flow: its role, 5-tuple (client = the side that spoke first; ICMP uses ports 0), the first packet time, and how
/// many of its packets are in the file.
/// </summary>
public sealed record PlantedFlow(FlowRole Role, IPProtocolNumber Protocol, IPAddress ClientAddress, ushort ClientPort, IPAddress ServerAddress,
    ushort ServerPort, long StartNanos, int PacketCount, string Description)
{
    public bool IsMalicious => Role >= FlowRole.ExploitAttempt;

    public override string ToString() =>
        $"{Role} {Protocol} {ClientAddress}:{ClientPort} -> {ServerAddress}:{ServerPort} ({PacketCount} packets) {Description}";
}

/// <summary>A packet planted to be malformed: its 0-based index in the file and the anomaly a decoder should name.</summary>
/// <param name="Anomaly">The stable dotted name Assay.Decoding uses (e.g. <c>ipv4.checksum_invalid</c>).</param>
public sealed record PlantedAnomaly(int PacketIndex, string Anomaly, string Description);

/// <summary>Ground truth for a generated capture.</summary>
public sealed record ScenarioSummary
{
    /// <summary>The file written, or null when written to a stream.</summary>
    public string? Path { get; init; }

    public required int PacketCount { get; init; }

    /// <summary>Bytes of packet data (excluding pcap headers).</summary>
    public required long ByteCount { get; init; }

    public required long FirstTimestampNanos { get; init; }
    public required long LastTimestampNanos { get; init; }
    public required IReadOnlyList<PlantedFlow> Flows { get; init; }
    public required IReadOnlyList<PlantedAnomaly> Anomalies { get; init; }
    public required IReadOnlyList<Host> Hosts { get; init; }

    /// <summary>Wall-clock time the generator took (not part of the file, so not deterministic).</summary>
    public TimeSpan GenerationTime { get; init; }

    public IEnumerable<PlantedFlow> WithRole(FlowRole role) => Flows.Where(f => f.Role == role);

    public IEnumerable<PlantedFlow> Malicious => Flows.Where(f => f.IsMalicious);
}
