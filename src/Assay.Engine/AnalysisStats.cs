using Assay.Capture;
using Assay.Decoding;

namespace Assay.Engine;

/// <summary>Counters of the reader/decoder stage. Plain fields: one thread writes them; read after the run.</summary>
public sealed class DecodeStats
{
    public long Packets;
    public long Bytes;
    public long FirstTimestamp = long.MaxValue;
    public long LastTimestamp = long.MinValue;
    public long Ethernet;
    public long Vlan;
    public long Mpls;
    public long Arp;
    public long IPv4;
    public long IPv6;
    public long Tcp;
    public long Udp;
    public long Icmp;
    public long IcmpV6;
    public long Sctp;
    public long OtherTransport;
    public long Fragments;
    public long Reassembled;
    /// <summary>Packets with no decodable IP or ARP layer.</summary>
    public long Invalid;
    /// <summary>Packets shorter on file than on the wire (snap length).</summary>
    public long TruncatedBySnapLength;
    public readonly long[] Anomalies = new long[AnomalyNames.Count];
    /// <summary>Packets per (file, link type) the decoders do not support.</summary>
    public readonly Dictionary<(string File, int LinkType), long> UnsupportedLinkTypes = [];
}

/// <summary>Counters of one flow worker, merged after the run.</summary>
public sealed class FlowStats
{
    public long Flows;
    public long TcpFlows;
    public long UdpFlows;
    public long IcmpFlows;
    public long OtherFlows;
    public long Evicted;
    public long TimedOut;
    public long Events;
    public long UntrackedHosts;
    public readonly long[] Anomalies = new long[AnomalyNames.Count];
    public readonly Dictionary<UInt128, HostTally> Hosts = [];

    public void Add(FlowStats other)
    {
        Flows += other.Flows;
        TcpFlows += other.TcpFlows;
        UdpFlows += other.UdpFlows;
        IcmpFlows += other.IcmpFlows;
        OtherFlows += other.OtherFlows;
        Evicted += other.Evicted;
        TimedOut += other.TimedOut;
        Events += other.Events;
        UntrackedHosts += other.UntrackedHosts;
        for (int i = 0; i < Anomalies.Length; i++)
            Anomalies[i] += other.Anomalies[i];
        foreach ((UInt128 address, HostTally tally) in other.Hosts)
        {
            Hosts.TryGetValue(address, out HostTally mine);
            Hosts[address] = new HostTally(tally.IPv6, mine.Bytes + tally.Bytes, mine.Packets + tally.Packets, mine.Flows + tally.Flows);
        }
    }
}

/// <summary>Traffic to and from one address, summed over the flows it took part in.</summary>
public readonly record struct HostTally(bool IPv6, ulong Bytes, ulong Packets, long Flows);

/// <summary>A problem with one input file (truncated, corrupt) that did not stop the run.</summary>
public readonly record struct InputWarning(string Source, string Message);

/// <summary>Everything a run counted.</summary>
public sealed class AnalysisResult
{
    public required DecodeStats Decode { get; init; }
    public required FlowStats Flows { get; init; }
    public required IReadOnlyList<InputWarning> Warnings { get; init; }
    public required int Workers { get; init; }
    public long EventsWritten { get; init; }
    public TimeSpan Elapsed { get; init; }
    /// <summary>Times the reader waited for a worker (workers slower than reading: back-pressure, no loss).</summary>
    public long ReaderWaits { get; init; }

    /// <summary>What the packet store recorded (null when not recording).</summary>
    public Store.StoreStats? Recorded { get; init; }

    /// <summary>A live capture's kernel and interface counters at the end (null for files).</summary>
    public CaptureDrops? Drops { get; init; }

    /// <summary>Every mining session seen (one report per flow with a verdict), in flow-id order.</summary>
    public IReadOnlyList<Output.Mining.MinerReport> Miners { get; init; } = [];

    /// <summary>One verdict per host that mined.</summary>
    public IReadOnlyList<MinerHostVerdict> MinerHosts { get; init; } = [];

    public long AnomalyCount(Anomaly anomaly) => Decode.Anomalies[(int)anomaly] + Flows.Anomalies[(int)anomaly];
}
