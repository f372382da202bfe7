using Assay.Decoding;

namespace Assay.Flows.Tcp;

// TCP stream reassembly — policy, caps and state layout (to move to docs/DESIGN.md)
// ==================================================================================
//
// Shape. One TcpReassembler per worker owns a SegmentPool (pooled blocks + the worker's memory budget) and the counters.
// Each direction of each TCP flow has a TcpStreamState (80 bytes, by value, next to the flow). The engine calls, for every
// TCP packet of the flow:
//     reassembler.Process(ref senderState, seq, flags, payload, timestamp, ref senderSink);
//     if ACK is set: reassembler.Acknowledge(ref receiverState, ack, ref receiverSink);
// and, when the flow ends without FIN/RST (timeout, end of input, eviction), Close(ref state, TcpStreamEnd.Closed, ref sink)
// on both directions (Discard(ref state) when nothing should be delivered). The sink is a struct (ITcpStreamSink): calls
// are direct, nothing is boxed or allocated.
//
// Sequence space. Stream offsets are 64-bit; offset 0 is the byte after the SYN (ISN + 1), or — for a flow picked up
// mid-stream — the first byte of the first data segment (or FIN) seen. Pure ACKs never anchor a stream. A sequence number
// becomes an offset by 32-bit serial arithmetic (RFC 1982) around the next expected byte: offset = next + (int)(seq -
// expected), so streams cross 2^32 any number of times. Bytes before offset 0 are dropped (BytesBeforeStart).
//
// Delivery. Every stream byte from 0 to the end is covered once, in order, by OnData or OnGap, then OnEnd comes once.
// - In order, nothing buffered (the common case): OnData gets the packet's payload span itself (zero copy).
// - In order with buffered data after it: the payload fills the hole straight from the packet; overlaps with the buffered
//   run are compared; the buffered run is then delivered from its pooled blocks.
// - Out of order: the bytes that fill holes between held runs are copied into pooled blocks (consecutive segments are
//   packed into the same block), held until the hole before them fills or is skipped.
//
// Overlap policy: FIRST DATA WINS. Every stream byte keeps the first version seen; a later segment only fills holes. This is
// Suricata's "first" policy (its default, "bsd", also keeps held data, except — as target-based reassembly describes BSD
// stacks — where a later segment starts before it), and the rule our Defragmenter follows. First-wins is the simplest rule
// that makes the delivered stream independent of retransmission timing, and the anomaly flags the cases where an end host
// with another policy could have seen different bytes. A segment whose bytes were all seen is a retransmission (Retransmissions, dropped). A
// segment that is partly new is an overlap (Overlaps). Where overlapping bytes differ from the held/delivered ones, the
// segment raises stream.overlap_different_data: ITcpStreamSink.OnOverlap with both positions (held offset/length, new
// offset/length, first differing offset) — the insertion/evasion signal, whichever version the end host kept.
// To compare retransmissions of bytes already delivered, the last RetainBytes (default 64 KiB) delivered bytes of each
// direction are kept in pooled blocks until the peer ACKs them (the receiver drops retransmissions of acknowledged bytes,
// so nothing after the ACK can change what it saw). This is one copy of in-order data; delivery itself stays zero-copy;
// RetainBytes = 0 turns it off (then retransmissions of delivered bytes are counted as UncheckedBytes, not compared).
//
// Gaps (holes never filled). A hole is skipped — OnGap(offset, length), then delivery resumes — when:
// - the peer acknowledges past it (Acknowledge), only as far as bytes this direction has shown beyond it (a stray or
//   forged ACK cannot make us skip data nobody sent);
// - buffering one more out-of-order segment would pass MaxBufferedBytesPerDirection or MaxSegmentsPerDirection;
// - RST, or Close at flow end: every held byte is delivered, every hole up to the highest byte seen is skipped.
// A FIN alone does not skip holes: a retransmission can arrive after the FIN (it does in the lossy lab capture); the FIN
// is acknowledged once the receiver has every byte, and that ACK skips whatever is still missing.
// Payload the capture cut off (snap length; the Process overload that takes the wire length) counts as seen but missing:
// it places the FIN and becomes a gap the same way — Zeek's missed_bytes (retransmit-fast009.pcap: 24,257, as Zeek).
// A one-byte segment that repeats the last byte delivered is a keep-alive and is ignored (KeepAlives), never compared.
//
// FIN/RST. The first FIN's position ends the stream: data after it is dropped (BytesAfterFin, stream.data_after_fin);
// a FIN behind delivered data is ignored. OnEnd(Fin) comes when every byte before the FIN is delivered or skipped. A RST
// delivers what is held, skips holes, and ends the stream (OnEnd(Rst)); its payload is ignored. After the end everything is
// counted and ignored (BytesAfterEnd). OnEnd comes exactly once per direction: Fin, Rst, DepthReached or Closed (never
// after Discard, which frees a direction silently).
//
// Depth and carving. Delivery stops at the direction's limit, initially ParseDepth (default 1 MiB). OnData returns the
// offset up to which the consumer wants delivery to go on (e.g. an HTTP parser that has just read Content-Length); the
// limit rises to it, capped at CarveLimit (default 64 MiB) — one stream feeds both parsers (which stop at ParseDepth
// themselves) and a carver. Out-of-order bytes are buffered up to max(limit, CarveLimit) so a later raise loses nothing.
// When bytes arrive past the limit, the stream ends with OnEnd(DepthReached) (stream.depth_reached) and its memory is
// freed; raising the limit after that has no effect.
//
// Caps (named constants; each hit is counted and reported once per direction as an anomaly):
//   ParseDepth                    1 MiB    per direction, delivery stops            stream.depth_reached  DepthReached
//   CarveLimit                   64 MiB    per direction, most a consumer may ask   (clamps the request)
//   MaxBufferedBytesPerDirection  4 MiB    out-of-order bytes; forces a gap         stream.buffer_limit   BufferLimitHits
//   MaxSegmentsPerDirection       4096     pool nodes; forces a gap                 stream.segment_limit  SegmentLimitHits
//   SegmentPool.Budget          128 MiB    per worker (all its flows); the segment  stream.memcap         MemcapHits
//                                          is dropped (after freeing the direction's retained bytes)
//   RetainBytes                  64 KiB    per direction, delivered bytes kept for overlap checks until ACKed; all
//                                          flows' retained blocks use at most half the budget (RetainSkippedBytes), so
//                                          one-sided captures (no ACKs) cannot starve out-of-order buffering
// 4 MiB is above the window a default Linux receiver advertises (tcp_rmem max 6 MiB, about half of it offered as window),
// so a single loss in a fast download is repaired by its retransmission before the cap forces a gap.
//
// State layout (TcpStreamState, LayoutKind.Auto, 80 bytes):
//   long  next offset (delivered + skipped)   long  delivery limit      long  FIN offset       long  highest offset seen
//   long  missed (gap) bytes                  uint  base sequence (seq of offset 0)
//   int   pending head, tail (out-of-order nodes)    int  retained head, tail (delivered bytes kept)
//   int   pending bytes, retained bytes       ushort nodes     byte flags     byte anomalies reported     byte end reason
// An idle flow whose bytes are all acknowledged holds no pool memory: 2 × 80 bytes of state.
//
// Memory. SegmentPool nodes are (offset, block, start, length, next) in one array with a free list; blocks of 256 B,
// 2 KiB and 16 KiB come from ArrayPool<byte>.Shared and go back to the pool's free stacks when delivered/trimmed. The
// budget counts block capacity. After warm-up nothing is allocated per packet (tested).
//
// Never throws on traffic: every input (any seq, flags, length, order) is accepted or counted. One instance per worker,
// not thread-safe, as flows are.

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
