using System.Diagnostics;
using Assay.Capture;
using Assay.Decoding;
using Assay.Decoding.Network;
using Assay.Flows;
using Assay.Output;

namespace Assay.Engine;

/// <summary>Where a run is, for a progress display polled from another thread.</summary>
public sealed class AnalysisProgress
{
    private long _position;
    private long _packets;

    public long Position => Volatile.Read(ref _position);

    public long Packets => Volatile.Read(ref _packets);

    public long Length { get; internal set; } = -1;

    internal void Report(long position, long packets)
    {
        Volatile.Write(ref _position, position);
        Volatile.Write(ref _packets, packets);
    }
}

/// <summary>
/// Runs the pipeline over a packet source. The calling thread is the reader: it reads, decodes, reassembles IP
/// fragments and shards packets by a symmetric flow hash into batches for N <see cref="FlowWorker"/> threads; workers
/// format EVE events into chunks for the <see cref="EveSink"/> thread (docs/DESIGN.md, "Threads").
/// </summary>
public sealed class Analyzer : IDisposable
{
    /// <summary>Batches in flight per worker (queued plus being filled): bounds memory at ≈ 2 MiB × 4 per worker.</summary>
    public const int BatchesPerWorker = 4;

    /// <summary>How often, in packet time, every worker receives a batch even if it has nothing to do, so its idle flows expire.</summary>
    private const long TickNanos = 1_000_000_000L;

    /// <summary>Packets between progress reports and cancellation checks.</summary>
    private const int ProgressInterval = 4096;

    /// <summary>Capture bytes per flow assumed when sizing flow tables from a file's length (generous: tables still grow).</summary>
    private const long BytesPerExpectedFlow = 16 * 1024;

    /// <summary>Link type used for reassembled datagrams (raw IP).</summary>
    private const int RawLinkType = 101;

    private readonly AnalysisOptions _options;
    private readonly EveSink _sink;
    private readonly DecodeStats _stats = new();
    private readonly List<InputWarning> _warnings = [];
    private readonly Defragmenter _defragmenter = new();
    private FlowWorker[] _workers = [];
    private BoundedQueue<PacketBatch>[] _inputs = [];
    private BoundedQueue<PacketBatch>? _pool;

    /// <summary>How often (wall clock) the user's pool lists are checked for changes while reading.</summary>
    private static readonly TimeSpan s_intelReloadInterval = TimeSpan.FromSeconds(5);

    private readonly MiningIntel _intel;
    private readonly Store.PacketStore? _store;
    private CaptureDrops? _drops;
    private EveFormatter? _liveEve;
    private TimeSpan _nextLiveStats;
    private readonly Stopwatch _intelClock = Stopwatch.StartNew();
    private TimeSpan _nextIntelReload = s_intelReloadInterval;

    /// <param name="intel">Pool lists and learned pools; by default the bundled list plus <see cref="AnalysisOptions.PoolLists"/>
    /// (which throws <see cref="Protocols.Intel.IntelFormatException"/> on a bad line).</param>
    /// <param name="store">Where every packet is recorded (the reader thread appends, workers pin alerted flows), or null.</param>
    public Analyzer(AnalysisOptions options, EveSink sink, MiningIntel? intel = null, Store.PacketStore? store = null)
    {
        _store = store;
        _options = options;
        _sink = sink;
        _intel = intel ?? new MiningIntel(options.PoolLists);
        _nextLiveStats = options.LiveStatsInterval;
    }

    public MiningIntel Intel => _intel;

    public AnalysisProgress Progress { get; } = new();

    /// <summary>Reads <paramref name="source"/> to its end (or until cancelled) and returns what was counted. Call once per instance.</summary>
    public AnalysisResult Run(IPacketSource source, CancellationToken cancellation = default)
    {
        var clock = Stopwatch.StartNew();
        int workerCount = Math.Max(1, _options.Workers);
        // One worker runs on the reader's own thread: no hand-off, no second core needed (the most work per CPU-second).
        bool inline = workerCount == 1;
        int batches = inline ? 1 : workerCount * BatchesPerWorker;
        var pool = _pool = new BoundedQueue<PacketBatch>(batches);
        for (int i = 0; i < batches; i++)
            pool.Add(new PacketBatch());

        var files = _options.FilesDirectory is null ? null : new Protocols.Http.FileStore(_options.FilesDirectory);
        var workers = _workers = new FlowWorker[workerCount];
        var finalBarrier = inline ? null : new Barrier(workerCount);
        var inputs = _inputs = new BoundedQueue<PacketBatch>[inline ? 0 : workerCount];
        var threads = new Thread[inline ? 0 : workerCount];
        var current = new PacketBatch[workerCount];
        Exception? workerFailure = null;
        // A capture file's size says roughly how many flows to expect (gen_mix: one per ~8.6 KiB); live input has no size.
        int expectedFlows = source.Length > 0 ? (int)Math.Min(int.MaxValue, source.Length / BytesPerExpectedFlow / workerCount) : 0;
        for (int i = 0; i < workerCount; i++)
        {
            var worker = workers[i] = new FlowWorker(i, _options, _sink, files, _intel, finalBarrier, _store, expectedFlows);
            if (inline)
                continue;
            var input = inputs[i] = new BoundedQueue<PacketBatch>(BatchesPerWorker);
            threads[i] = new Thread(() =>
            {
                try
                {
                    while (input.TryTake(out PacketBatch batch))
                    {
                        worker.Process(batch);
                        batch.Reset();
                        pool.Add(batch);
                    }
                }
                catch (Exception e) when (e is IOException or InvalidOperationException)
                {
                    workerFailure = e;
                    finalBarrier?.RemoveParticipant();   // the others must not wait for it at the end
                    // Keep draining so the reader never blocks on a dead worker.
                    while (input.TryTake(out PacketBatch batch))
                    {
                        batch.Reset();
                        pool.Add(batch);
                    }
                }
            })
            { Name = $"assay-worker-{i}", IsBackground = true };
            threads[i].Start();
        }

        Progress.Length = source.Length;
        long now = long.MinValue;
        long nextTick = long.MinValue;
        long readerWaits = 0;
        try
        {
            for (int i = 0; i < workerCount; i++)
                current[i] = Take(pool);
            ReadAll(source, workerCount, current, ref now, ref nextTick, cancellation);
            if (source is ICaptureStatistics live)
                _drops = live.ReadDrops();
            _liveEve?.Dispose();
            _liveEve = null;
        }
        finally
        {
            for (int i = 0; i < workerCount; i++)
            {
                PacketBatch? batch = current[i];
                if (batch is null)
                {
                    // Failed before this worker got a batch: just let its thread end.
                    if (!inline)
                        inputs[i].Complete();
                    continue;
                }

                batch.Now = now == long.MinValue ? 0 : now;
                batch.Final = true;
                Send(i, batch, final: true);   // inline: processes what is left (nothing) and finishes
            }

            foreach (Thread thread in threads)
                thread.Join();
            foreach (FlowWorker worker in workers)
                worker.Dispose();
        }

        if (workerFailure is not null)
            throw new IOException("a worker failed: " + workerFailure.Message, workerFailure);

        var flows = new FlowStats();
        long events = 0;
        var miners = new List<Output.Mining.MinerReport>();
        foreach (FlowWorker worker in workers)
        {
            flows.Add(worker.Stats);
            events += worker.EventsWritten;
            miners.AddRange(worker.FinishedMiners);
        }

        miners.Sort((a, b) => a.FlowId.CompareTo(b.FlowId));
        IReadOnlyList<MinerHostVerdict> hosts = MinerHosts.Build(miners);

        foreach (BoundedQueue<PacketBatch> input in inputs)
            readerWaits += input.FullWaits;

        var result = new AnalysisResult
        {
            Drops = _drops,
            Recorded = _store?.Stats,
            Decode = _stats,
            Flows = flows,
            Warnings = _warnings,
            Workers = workerCount,
            EventsWritten = events + hosts.Count + 1,   // + the host verdicts and the stats event below
            Miners = miners,
            MinerHosts = hosts,
            Elapsed = clock.Elapsed,
            ReaderWaits = readerWaits,
        };
        using (var eve = new EveFormatter(_sink))
        {
            foreach (MinerHostVerdict host in hosts)
                MinerHosts.Write(eve, host);
            StatsEvent.Write(eve, result);
        }
        return result;
    }

    /// <summary>Returns the defragmenter's pooled buffers.</summary>
    public void Dispose()
    {
        _defragmenter.Dispose();
        _liveEve?.Dispose();
    }

    private static PacketBatch Take(BoundedQueue<PacketBatch> pool)
    {
        pool.TryTake(out PacketBatch batch);
        return batch;
    }

    /// <summary>
    /// Hands a filled batch to its worker and returns the batch to fill next: queued to the worker's thread, or, with one
    /// worker (whose packets are processed as they are read), only the final, empty batch that finishes it.
    /// </summary>
    private PacketBatch Send(int shard, PacketBatch batch, bool final = false)
    {
        if (_inputs.Length == 0)
        {
            _workers[shard].Process(batch);
            batch.Reset();
            return batch;
        }

        _inputs[shard].Add(batch);
        if (final)
        {
            _inputs[shard].Complete();
            return batch;
        }

        return Take(_pool!);
    }

    private void ReadAll(IPacketSource source, int workerCount, PacketBatch[] current, ref long now, ref long nextTick,
        CancellationToken cancellation)
    {
        DecodeStats stats = _stats;
        bool inline = _inputs.Length == 0;
        DecodedPacket packet = default;
        AnomalySet anomalies = default;
        var live = source as ICaptureStatistics;
        while (true)
        {
            ReadStatus status = source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> read);
            if (status != ReadStatus.Packet)
            {
                if (status != ReadStatus.EndOfInput)
                {
                    if (source.Problems.Count == 0)
                        _warnings.Add(new InputWarning(source.Name, source.Problem ?? status.ToString()));
                    foreach (SourceProblem problem in source.Problems)
                        _warnings.Add(new InputWarning(problem.Name, problem.Problem));
                }
                break;
            }

            // Scoped: after reassembly it points at the defragmenter's buffer instead of the reader's.
            scoped ReadOnlySpan<byte> frame = read;
            long number = ++stats.Packets;
            stats.Bytes += frame.Length;
            long timestamp = header.TimestampNanos;
            if (timestamp < stats.FirstTimestamp)
                stats.FirstTimestamp = timestamp;
            if (timestamp > stats.LastTimestamp)
                stats.LastTimestamp = timestamp;

            anomalies.Clear();
            if (header.CapturedLength < header.OriginalLength)
                stats.TruncatedBySnapLength++;
            bool decoded = PacketDecoder.TryDecode(header.LinkType, frame, ref packet, ref anomalies);
            bool hasFlow = decoded && packet.IsIP;
            if (_store is not null)
            {
                // Every packet as captured (fragments too, keyed by their addresses), indexed by the flow key the events use.
                FlowKey key = hasFlow ? FlowKey.From(in packet, out _) : default;
                _store.Append(timestamp, header.OriginalLength, header.LinkType, read, in key, hasFlow);
            }
            if (!decoded)
            {
                stats.Invalid++;
                if (anomalies.Contains(Anomaly.LinkTypeUnsupported))
                {
                    var key = (source.CurrentName, header.LinkType);
                    stats.UnsupportedLinkTypes.TryGetValue(key, out long seen);
                    stats.UnsupportedLinkTypes[key] = seen + 1;
                }
            }
            else
            {
                CountLayers(in packet, stats);
            }

            if (hasFlow && packet.IsFragment)
            {
                stats.Fragments++;
                DefragStatus defrag = _defragmenter.Add(in packet, frame, timestamp, ref anomalies, out ReadOnlySpan<byte> datagram);
                hasFlow = false;
                if (defrag == DefragStatus.Complete)
                {
                    stats.Reassembled++;
                    frame = datagram;
                    // The datagram is bare IP: keep the link-layer identity of the fragments (VLAN ids are in the flow key).
                    (ushort vlan, ushort vlan2, byte vlans, PacketLayers link) = (packet.VlanId, packet.VlanId2, packet.VlanCount,
                        packet.Layers & (PacketLayers.Ethernet | PacketLayers.Vlan | PacketLayers.Mpls));
                    hasFlow = PacketDecoder.TryDecode(RawLinkType, frame, ref packet, ref anomalies) && packet.IsIP;
                    (packet.VlanId, packet.VlanId2, packet.VlanCount) = (vlan, vlan2, vlans);
                    packet.Layers |= link;
                    if (hasFlow)
                        CountTransport(in packet, stats);
                }
            }

            for (int a = 0; a < anomalies.Count; a++)
                stats.Anomalies[(int)anomalies[a]]++;

            if (timestamp > now)
                now = timestamp;

            // Held fragments and undecodable packets without anomalies need no worker.
            if (inline)
            {
                // One worker: process right here, straight from the reader's buffer (no batch, no copy, no hand-off).
                if (hasFlow || anomalies.Count != 0)
                    _workers[0].ProcessPacket(in packet, in anomalies, timestamp, number, hasFlow, frame);
            }
            else if (hasFlow || anomalies.Count != 0)
            {
                int shard = hasFlow
                    ? (int)(FlowKey.From(in packet, out _).ShardHash() % (ulong)workerCount)
                    : (int)(number % workerCount);
                int length = Math.Min(frame.Length, PacketBatch.DataCapacity);
                PacketBatch batch = current[shard];
                if (!batch.HasRoomFor(length))
                {
                    batch.Now = now;
                    batch = current[shard] = Send(shard, batch);
                }

                ref PacketSlot slot = ref batch.Slots[batch.Count++];
                slot.Packet = packet;
                slot.Anomalies = anomalies;
                slot.Timestamp = timestamp;
                slot.Number = number;
                slot.Offset = batch.DataLength;
                slot.Length = length;
                slot.HasFlow = hasFlow;
                frame[..length].CopyTo(batch.Data.AsSpan(batch.DataLength));
                batch.DataLength += length;
            }

            if (now >= nextTick)
            {
                // Every worker hears the time at least once a second of packet time, so idle flows expire everywhere.
                if (nextTick != long.MinValue)
                {
                    for (int i = 0; i < workerCount; i++)
                    {
                        if (inline)
                        {
                            _workers[i].Advance(now);
                            continue;
                        }

                        current[i].Now = now;
                        current[i] = Send(i, current[i]);
                    }

                    var expired = default(AnomalySet);
                    _defragmenter.Expire(now, ref expired);
                    for (int a = 0; a < expired.Count; a++)
                        stats.Anomalies[(int)expired[a]]++;
                    stats.Anomalies[(int)Anomaly.FragmentTimeout] += expired.Overflow;
                }

                nextTick = now + TickNanos;
            }

            if (live is not null && _intelClock.Elapsed >= _nextLiveStats)
            {
                // Live: drop counters now and then, from this thread (the formatter is used only here).
                _drops = live.ReadDrops();
                _liveEve ??= new EveFormatter(_sink);
                StatsEvent.WriteLive(_liveEve, stats, _drops.Value, _intelClock.Elapsed);
                _liveEve.Flush();
                _nextLiveStats = _intelClock.Elapsed + _options.LiveStatsInterval;
            }

            if ((number & (ProgressInterval - 1)) == 0)
            {
                Progress.Report(source.Position, number);
                if (_intelClock.Elapsed >= _nextIntelReload)
                {
                    _intel.ReloadIfChanged(out string? error);
                    if (error is not null)
                        _warnings.Add(new InputWarning("pool lists", error + " (the previous lists stay in use)"));
                    _nextIntelReload = _intelClock.Elapsed + s_intelReloadInterval;
                }

                if (cancellation.IsCancellationRequested)
                {
                    _warnings.Add(new InputWarning(source.Name, $"stopped by request after {number} packets"));
                    break;
                }
            }
        }

        Progress.Report(source.Position, stats.Packets);
    }

    private static void CountLayers(in DecodedPacket packet, DecodeStats stats)
    {
        PacketLayers layers = packet.Layers;
        if ((layers & PacketLayers.Ethernet) != 0)
            stats.Ethernet++;
        if ((layers & PacketLayers.Vlan) != 0)
            stats.Vlan++;
        if ((layers & PacketLayers.Mpls) != 0)
            stats.Mpls++;
        if ((layers & PacketLayers.Arp) != 0)
            stats.Arp++;
        if ((layers & PacketLayers.IPv4) != 0)
            stats.IPv4++;
        if ((layers & PacketLayers.IPv6) != 0)
            stats.IPv6++;
        CountTransport(in packet, stats);
    }

    private static void CountTransport(in DecodedPacket packet, DecodeStats stats)
    {
        PacketLayers layers = packet.Layers;
        if ((layers & PacketLayers.Tcp) != 0)
            stats.Tcp++;
        else if ((layers & PacketLayers.Udp) != 0)
            stats.Udp++;
        else if ((layers & PacketLayers.Icmp) != 0)
            stats.Icmp++;
        else if ((layers & PacketLayers.IcmpV6) != 0)
            stats.IcmpV6++;
        else if ((layers & PacketLayers.Sctp) != 0)
            stats.Sctp++;
        else if ((layers & PacketLayers.OtherTransport) != 0)
            stats.OtherTransport++;
    }
}
