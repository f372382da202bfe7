using Assay.Decoding;

namespace Assay.Flows.Tcp;

// Policy, caps and state layout: docs/DESIGN.md, "Streams: TCP reassembly".

/// <summary>
/// Reassembles TCP byte streams per direction: in-order delivery to a struct sink, out-of-order buffering in pooled blocks,
/// first-wins overlaps with a different-data anomaly, bounded gap skipping, FIN/RST ends, depth and carve limits. The policy,
/// caps and state layout are described at the top of this file.
/// </summary>
public sealed partial class TcpReassembler
{
    /// <summary>Default inspection depth per direction, 1 MiB as Suricata's <c>stream.reassembly.depth</c>.</summary>
    public const long DefaultParseDepth = 1L * 1024 * 1024;

    /// <summary>Default furthest delivery a consumer can ask for (file carving), 64 MiB.</summary>
    public const long DefaultCarveLimit = 64L * 1024 * 1024;

    /// <summary>Default out-of-order bytes held per direction, 4 MiB: above a typical receive window, so one loss in a fast
    /// transfer is repaired by its retransmission before this forces a gap.</summary>
    public const int DefaultMaxBufferedBytesPerDirection = 4 * 1024 * 1024;

    /// <summary>Default pool nodes per direction: 4,096, enough for a 4 MiB window of single lost segments (≈ 2,900 at 1,448
    /// bytes each); tiny-segment floods hit it.</summary>
    public const int DefaultMaxSegmentsPerDirection = 4096;

    /// <summary>Default delivered bytes kept per direction for retransmission checks, 64 KiB (one unscaled window).</summary>
    public const int DefaultRetainBytes = 64 * 1024;

    /// <summary>The node count lives in a <see cref="ushort"/> in <see cref="TcpStreamState"/>.</summary>
    private const int MaxSegmentsLimit = ushort.MaxValue;

    /// <summary>Retained (already delivered) bytes of all flows may use at most 1/this of the pool's budget, so one-sided
    /// flows (no ACKs to free them) never starve out-of-order buffering.</summary>
    private const int RetainShareOfBudget = 2;

    private readonly TcpReassemblerOptions _options;
    private readonly SegmentPool _pool;
    private readonly long _carveLimit;
    private readonly int _maxSegments;
    private readonly long _retainBudget;

    public TcpReassembler()
        : this(TcpReassemblerOptions.Default, new SegmentPool())
    {
    }

    public TcpReassembler(TcpReassemblerOptions options)
        : this(options, new SegmentPool())
    {
    }

    /// <param name="options">Limits.</param>
    /// <param name="pool">The worker's pool and memory budget (one per worker; not thread-safe).</param>
    public TcpReassembler(TcpReassemblerOptions options, SegmentPool pool)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(pool);
        ArgumentOutOfRangeException.ThrowIfNegative(options.ParseDepth);
        ArgumentOutOfRangeException.ThrowIfNegative(options.CarveLimit);
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxBufferedBytesPerDirection);
        ArgumentOutOfRangeException.ThrowIfNegative(options.RetainBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxSegmentsPerDirection);
        _options = options;
        _pool = pool;
        _carveLimit = Math.Max(options.ParseDepth, options.CarveLimit);
        _maxSegments = Math.Min(options.MaxSegmentsPerDirection, MaxSegmentsLimit);
        _retainBudget = pool.Budget / RetainShareOfBudget;
    }

    public TcpReassemblerOptions Options => _options;

    public SegmentPool Pool => _pool;

    // ---- counters: plain values read by the stats thread (torn reads of a long are acceptable for statistics) ----

    /// <summary>Segments with payload passed to <see cref="Process{TSink}(ref TcpStreamState, uint, TcpFlags, ReadOnlySpan{byte}, long, ref TSink)"/>.</summary>
    public long DataSegments { get; private set; }

    /// <summary>Segments that started at the next expected byte.</summary>
    public long InOrderSegments { get; private set; }

    /// <summary>Segments buffered because a hole lay before them.</summary>
    public long OutOfOrderSegments { get; private set; }

    /// <summary>Segments that brought no new byte (retransmissions; dropped).</summary>
    public long Retransmissions { get; private set; }

    /// <summary>Segments that brought new bytes and also overlapped bytes already seen.</summary>
    public long Overlaps { get; private set; }

    /// <summary>Segments whose overlapping bytes differed from the first version (<see cref="Anomaly.StreamOverlapDifferentData"/>).</summary>
    public long OverlapsWithDifferentData { get; private set; }

    /// <summary>Bytes handed to <see cref="ITcpStreamSink.OnData"/>.</summary>
    public long BytesDelivered { get; private set; }

    /// <summary>Of <see cref="BytesDelivered"/>, bytes delivered straight from the packet's payload.</summary>
    public long BytesDeliveredZeroCopy { get; private set; }

    /// <summary>Retransmitted bytes of delivered data that was no longer retained, so they were dropped unchecked.</summary>
    public long UncheckedBytes { get; private set; }

    /// <summary>Holes skipped (<see cref="ITcpStreamSink.OnGap"/> calls).</summary>
    public long Gaps { get; private set; }

    public long GapBytes { get; private set; }

    /// <summary>Directions that ended at their delivery limit.</summary>
    public long DepthReached { get; private set; }

    /// <summary>Bytes not delivered because they lay past the delivery limit (or past <see cref="TcpReassemblerOptions.CarveLimit"/>).</summary>
    public long BytesBeyondDepth { get; private set; }

    /// <summary>Times <see cref="TcpReassemblerOptions.MaxBufferedBytesPerDirection"/> forced a gap.</summary>
    public long BufferLimitHits { get; private set; }

    /// <summary>Times <see cref="TcpReassemblerOptions.MaxSegmentsPerDirection"/> forced a gap.</summary>
    public long SegmentLimitHits { get; private set; }

    /// <summary>Segments (or parts) dropped because the pool's budget was spent.</summary>
    public long MemcapHits { get; private set; }

    /// <summary>Bytes dropped at <see cref="MemcapHits"/>.</summary>
    public long MemcapDroppedBytes { get; private set; }

    /// <summary>Delivered bytes not retained for overlap checks because the retention share of the budget was spent.</summary>
    public long RetainSkippedBytes { get; private set; }

    /// <summary>Block bytes held for retained (delivered) bytes now, across this reassembler's flows.</summary>
    public long RetainedBlockBytes { get; private set; }

    /// <summary>Bytes before stream offset 0 (sent before the SYN's sequence number, or before a mid-stream pickup).</summary>
    public long BytesBeforeStart { get; private set; }

    /// <summary>Bytes past the FIN.</summary>
    public long BytesAfterFin { get; private set; }

    /// <summary>Bytes that arrived after the stream ended (retransmissions after FIN, RST payloads, anything after a RST).</summary>
    public long BytesAfterEnd { get; private set; }

    /// <summary>Payload bytes on the wire that the capture cut off (snap length); they end up as gaps.</summary>
    public long BytesNotCaptured { get; private set; }

    /// <summary>One-byte keep-alive segments (the last byte delivered, sent again), ignored.</summary>
    public long KeepAlives { get; private set; }

    /// <summary>Streams ended, by any reason.</summary>
    public long StreamsEnded { get; private set; }

    /// <summary>
    /// Feeds one segment of the direction <paramref name="state"/> belongs to. Delivers whatever became contiguous to
    /// <paramref name="sink"/>. Never throws on any sequence number, flag combination or payload.
    /// </summary>
    /// <param name="state">The sending direction's state.</param>
    /// <param name="sequence">The segment's sequence number.</param>
    /// <param name="flags">The segment's flags (SYN, FIN and RST matter here; ACK is for <see cref="Acknowledge{TSink}"/>).</param>
    /// <param name="payload">The segment's payload (captured bytes only).</param>
    /// <param name="timestamp">Packet time, passed through to <see cref="TcpOverlap.Timestamp"/>.</param>
    /// <param name="sink">Receives this direction's stream.</param>
    public void Process<TSink>(ref TcpStreamState state, uint sequence, TcpFlags flags, ReadOnlySpan<byte> payload, long timestamp, ref TSink sink)
        where TSink : struct, ITcpStreamSink
        => Process(ref state, sequence, flags, payload, payload.Length, timestamp, ref sink);

    /// <summary>
    /// As <see cref="Process{TSink}(ref TcpStreamState, uint, TcpFlags, ReadOnlySpan{byte}, long, ref TSink)"/>, for a segment
    /// whose payload the capture cut short: <paramref name="segmentLength"/> is its payload length on the wire (from the IP
    /// length). The missing tail counts as seen but never held — it places the FIN correctly and becomes a gap once the
    /// peer acknowledges past it or the stream closes, as Zeek counts it in <c>missed_bytes</c>.
    /// </summary>
    public void Process<TSink>(ref TcpStreamState state, uint sequence, TcpFlags flags, ReadOnlySpan<byte> payload, int segmentLength, long timestamp, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        int wireLength = Math.Max(segmentLength, payload.Length);
        if (state.HasEnded)
        {
            CountAfterEnd(ref state, sequence, flags, payload.Length);
            return;
        }

        bool syn = (flags & TcpFlags.Syn) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;
        bool rst = (flags & TcpFlags.Rst) != 0;
        uint dataSequence = syn ? unchecked(sequence + 1) : sequence;   // SYN occupies one sequence number before the data

        if (!state.IsInitialized)
        {
            if (!syn && !fin && !rst && payload.IsEmpty)
                return;   // a pure ACK does not anchor the stream: keep-alives and window probes carry seq - 1
            Initialize(ref state, dataSequence, syn);
        }

        if (rst)
        {
            // RFC 9293 §3.10.7: a reset ends the connection; its payload (diagnostic text at most) is not stream data.
            BytesAfterEnd += payload.Length;
            Finish(ref state, TcpStreamEnd.Rst, ref sink);
            return;
        }

        long offset = state.OffsetOf(dataSequence);
        if (fin)
            RecordFin(ref state, offset + wireLength, ref sink);

        if (wireLength > payload.Length)
            NoteUncaptured(ref state, offset + payload.Length, offset + wireLength);

        if (payload.Length == 1 && !syn && !fin && offset == state._nextOffset - 1)
        {
            // A keep-alive (RFC 9293 §3.8.4): the last byte delivered, sent again, often as one garbage byte. Comparing it
            // would report different data where there is none (Suricata skips these the same way). It is never a new byte.
            KeepAlives++;
            return;
        }

        if (!payload.IsEmpty)
            ProcessData(ref state, offset, payload, timestamp, ref sink);

        CheckFin(ref state, ref sink);
    }

    /// <summary>
    /// Tells <paramref name="state"/>'s direction that its receiver acknowledged up to <paramref name="acknowledgment"/>
    /// (call it with the ACK number of every packet the other direction sends with ACK set). Frees retained bytes below
    /// the ACK, and skips holes the receiver has acknowledged past — as far as bytes this direction has shown beyond them.
    /// </summary>
    public void Acknowledge<TSink>(ref TcpStreamState state, uint acknowledgment, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        if (!state.IsInitialized || state.HasEnded)
            return;

        long ackOffset = state.OffsetOf(acknowledgment);
        if (state._retainedHead != 0)
            TrimRetained(ref state, Math.Min(ackOffset, state._nextOffset));

        long target = Math.Min(ackOffset, state._highestOffset);
        if (target > state._nextOffset)
        {
            AdvanceTo(ref state, target, ref sink);
            CheckFin(ref state, ref sink);
        }
    }

    /// <summary>
    /// Ends the direction because the flow ended (<see cref="TcpStreamEnd.Closed"/>) or for another reason: delivers every
    /// held byte, skips every hole up to the highest byte seen, delivers <see cref="ITcpStreamSink.OnEnd"/> (once), and frees
    /// the direction's pool memory. Does nothing to an ended direction.
    /// </summary>
    public void Close<TSink>(ref TcpStreamState state, TcpStreamEnd reason, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        if (state.HasEnded)
            return;
        Finish(ref state, reason == TcpStreamEnd.None ? TcpStreamEnd.Closed : reason, ref sink);
    }

    /// <summary>Frees the direction's pool memory without delivering anything; the state ends (<see cref="TcpStreamEnd.Closed"/>).</summary>
    public void Discard(ref TcpStreamState state)
    {
        ReleaseNodes(ref state);
        if (!state.HasEnded)
        {
            state._flags |= TcpStreamState.StreamFlags.Ended;
            state._endReason = TcpStreamEnd.Closed;
            StreamsEnded++;
        }
    }

    /// <summary>
    /// Raises the direction's delivery limit to <paramref name="endOffset"/> (at most <see cref="TcpReassemblerOptions.CarveLimit"/>),
    /// as returning it from <see cref="ITcpStreamSink.OnData"/> does. No effect once the stream has ended.
    /// </summary>
    public void RequestDelivery(ref TcpStreamState state, long endOffset)
    {
        if (!state.HasEnded)
            RaiseLimit(ref state, endOffset);
    }

    private void Initialize(ref TcpStreamState state, uint dataSequence, bool syn)
    {
        state._baseSequence = dataSequence;
        state._nextOffset = 0;
        state._highestOffset = 0;
        state._flags |= TcpStreamState.StreamFlags.Initialized | (syn ? TcpStreamState.StreamFlags.Syn : 0);
        if (state._limit < _options.ParseDepth)
            state._limit = _options.ParseDepth;
    }

    private void RaiseLimit(ref TcpStreamState state, long wanted)
    {
        if (wanted > state._limit)
            state._limit = Math.Min(wanted, Math.Max(state._limit, _carveLimit));
    }

    private void RecordFin<TSink>(ref TcpStreamState state, long finOffset, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        // First FIN wins. A FIN behind bytes already delivered cannot be the sender's (it sent those bytes before its FIN):
        // ignore it rather than let a forged FIN end inspection.
        if (state.SawFin || finOffset < state._nextOffset)
            return;

        state._flags |= TcpStreamState.StreamFlags.Fin;
        state._finOffset = finOffset;
        state._highestOffset = finOffset;   // nothing past the FIN is stream data: holes are skipped up to it, never beyond
        if (state._pendingHead != 0)
            TrimPendingFrom(ref state, finOffset, ref sink);
    }

    private void NoteUncaptured(ref TcpStreamState state, long start, long end)
    {
        BytesNotCaptured += end - start;
        if (state.SawFin)
            end = Math.Min(end, state._finOffset);
        if (end > state._highestOffset)
            state._highestOffset = end;
    }

    private void CheckFin<TSink>(ref TcpStreamState state, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        if (state.SawFin && !state.HasEnded && state._nextOffset >= state._finOffset)
            End(ref state, TcpStreamEnd.Fin, ref sink);
    }

    /// <summary>Delivers what is held, skips holes up to the highest byte seen, then ends with <paramref name="reason"/> (or FIN if that came first).</summary>
    private void Finish<TSink>(ref TcpStreamState state, TcpStreamEnd reason, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        if (state.IsInitialized)
        {
            AdvanceTo(ref state, state._highestOffset, ref sink);
            CheckFin(ref state, ref sink);
        }

        if (!state.HasEnded)
            End(ref state, reason, ref sink);
    }

    private void End<TSink>(ref TcpStreamState state, TcpStreamEnd reason, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        state._flags |= TcpStreamState.StreamFlags.Ended;
        state._endReason = reason;
        ReleaseNodes(ref state);
        StreamsEnded++;
        sink.OnEnd(reason, state._nextOffset);
    }

    private void CountAfterEnd(ref TcpStreamState state, uint sequence, TcpFlags flags, int length)
    {
        if (length == 0)
            return;
        if (state._endReason == TcpStreamEnd.DepthReached)
        {
            BytesBeyondDepth += length;
            return;
        }

        if (state.SawFin && (flags & TcpFlags.Rst) == 0)
        {
            uint dataSequence = (flags & TcpFlags.Syn) != 0 ? unchecked(sequence + 1) : sequence;
            long offset = state.OffsetOf(dataSequence);
            long after = Math.Clamp(offset + length - Math.Max(offset, state._finOffset), 0, length);
            BytesAfterFin += after;
            BytesAfterEnd += length - after;
            return;
        }

        BytesAfterEnd += length;
    }

    private static void Report<TSink>(ref TcpStreamState state, TcpStreamState.ReportedAnomalies kind, Anomaly anomaly, long offset, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        if ((state._reported & kind) != 0)
            return;
        state._reported |= kind;
        sink.OnAnomaly(anomaly, offset);
    }
}
