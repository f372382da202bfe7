using System.Runtime.InteropServices;
using Assay.Decoding;
using Assay.Flows;
using Assay.Output;

namespace Assay.Engine;

/// <summary>
/// One worker shard: owns a flow table (no locks: only this thread touches its flows) and an EVE formatter, and
/// processes the batches the reader sends it.
/// </summary>
internal sealed class FlowWorker : IDisposable
{
    /// <summary>How often, in packet time, idle flows are swept.</summary>
    private const long SweepIntervalNanos = 1_000_000_000L;

    private readonly FlowTable _table;
    private readonly EveFormatter _eve;
    private readonly App.AppLayer _app;
    private readonly AnalysisOptions _options;
    private long _nextSweep = long.MinValue;

    private readonly Barrier? _finalBarrier;

    /// <param name="finalBarrier">Every worker waits here before ending its flows at the end of input, so that flows end
    /// only once all packets are processed (pools learned on one worker are known to all: same events for any worker count).</param>
    /// <param name="expectedFlows">Flows this worker is expected to see (sizes its flow table up front).</param>
    public FlowWorker(int id, AnalysisOptions options, EveSink sink, Protocols.Http.FileStore? files, MiningIntel intel, Barrier? finalBarrier = null,
        Store.PacketStore? store = null, int expectedFlows = FlowTable.DefaultInitialCapacity)
    {
        _finalBarrier = finalBarrier;
        Id = id;
        _options = options;
        _table = new FlowTable(options.Timeouts, Math.Max(1, options.MaxFlows / Math.Max(1, options.Workers)), expectedFlows);
        _eve = new EveFormatter(sink);
        _app = new App.AppLayer(_eve, files, intel, store, options.FileHashes);
    }

    public int Id { get; }

    public FlowStats Stats { get; } = new();

    public long EventsWritten => _eve.EventsWritten;

    /// <summary>The mining sessions whose flows ended on this worker.</summary>
    public IReadOnlyList<Output.Mining.MinerReport> FinishedMiners => _app.FinishedMiners;

    /// <summary>Processes every packet of a batch, then advances time; on the final batch, ends all flows.</summary>
    public void Process(PacketBatch batch)
    {
        PacketSlot[] slots = batch.Slots;
        byte[] data = batch.Data;
        for (int i = 0; i < batch.Count; i++)
        {
            ref PacketSlot slot = ref slots[i];
            ProcessPacket(in slot.Packet, in slot.Anomalies, slot.Timestamp, slot.Number, slot.HasFlow, data.AsSpan(slot.Offset, slot.Length));
        }

        Advance(batch.Now);
        if (batch.Final)
        {
            _finalBarrier?.SignalAndWait();
            Finish(batch.Now);
        }
    }

    /// <summary>One packet: its flow, and an EVE anomaly event for each anomaly it raised.</summary>
    /// <param name="frame">The packet's bytes (for the stream stages to come; flows need only <paramref name="packet"/>).</param>
    public void ProcessPacket(in DecodedPacket packet, in AnomalySet decodeAnomalies, long timestamp, long number, bool hasFlow, ReadOnlySpan<byte> frame)
    {
        long flowId = 0;
        AnomalySet anomalies = decodeAnomalies;
        int decodeCount = anomalies.Count;   // the rest are the application layer's
        if (hasFlow)
        {
            var sink = new Sink(this);
            FlowLookup lookup = _table.Track(in packet, frame.Length, timestamp, number, ref sink);
            if (lookup.Index != FlowTable.NoFlow)
            {
                ref FlowRecord flow = ref _table[lookup.Index];
                flowId = flow.FlowId;
                _app.OnPacket(ref flow, in packet, lookup.ToServer, frame, timestamp, number, ref anomalies);
                for (int a = decodeCount; a < anomalies.Count; a++)
                    Stats.Anomalies[(int)anomalies[a]]++;
            }
        }

        if (anomalies.Count != 0 && _options.AnomalyEvents)
        {
            for (int a = 0; a < anomalies.Count; a++)
                _eve.WriteAnomaly(timestamp, number, in packet, flowId, anomalies[a], a < decodeCount ? "decode"u8 : "applayer"u8);
        }
    }

    /// <summary>Packet time has reached <paramref name="now"/>: at most once a second, end the flows idle past their timeout.</summary>
    public void Advance(long now)
    {
        if (now < _nextSweep)
            return;
        var sink = new Sink(this);
        _table.Expire(now, ref sink);
        _nextSweep = now + SweepIntervalNanos;
    }

    /// <summary>End of input: ends every flow and submits the buffered events.</summary>
    public void Finish(long now)
    {
        var sink = new Sink(this);
        _table.Flush(now, ref sink);
        Stats.Evicted = _table.FlowsEvicted;
        Stats.TimedOut = _table.FlowsTimedOut;
        Stats.Anomalies[(int)Anomaly.FlowTableFull] = _table.FlowsEvicted;
        _eve.Flush();
        Stats.Events = _eve.EventsWritten;
    }

    private void OnFlowEnd(ref FlowRecord flow)
    {
        FlowStats stats = Stats;
        stats.Flows++;
        switch (flow.Protocol)
        {
            case (byte)IpProtocol.Tcp: stats.TcpFlows++; break;
            case (byte)IpProtocol.Udp: stats.UdpFlows++; break;
            case (byte)IpProtocol.Icmp or (byte)IpProtocol.IcmpV6: stats.IcmpFlows++; break;
            default: stats.OtherFlows++; break;
        }

        ulong bytes = flow.BytesToServer + flow.BytesToClient;
        ulong packets = flow.PacketsToServer + flow.PacketsToClient;
        Tally(flow.ClientAddress, flow.IPVersion == 6, bytes, packets);
        Tally(flow.ServerAddress, flow.IPVersion == 6, bytes, packets);
        _app.OnFlowEnd(ref flow);
        _eve.WriteFlow(in flow);
    }

    private void Tally(UInt128 address, bool v6, ulong bytes, ulong packets)
    {
        Dictionary<UInt128, HostTally> hosts = Stats.Hosts;
        if (hosts.Count >= _options.MaxTrackedHosts && !hosts.ContainsKey(address))
        {
            Stats.UntrackedHosts++;
            return;
        }

        ref HostTally tally = ref CollectionsMarshal.GetValueRefOrAddDefault(hosts, address, out _);
        tally = new HostTally(v6, tally.Bytes + bytes, tally.Packets + packets, tally.Flows + 1);
    }

    public void Dispose()
    {
        _eve.Dispose();
        _app.Dispose();
    }

    /// <summary>Flow-end callback as a struct, so the flow table calls it directly.</summary>
    private readonly struct Sink(FlowWorker worker) : IFlowSink
    {
        public void OnFlowEnd(ref FlowRecord flow) => worker.OnFlowEnd(ref flow);
    }
}
