using Assay.Decoding;

namespace Assay.Flows.Tcp;

/// <summary>Why a direction's stream ended. Delivered once per direction through <see cref="ITcpStreamSink.OnEnd"/>.</summary>
public enum TcpStreamEnd : byte
{
    /// <summary>Not ended.</summary>
    None,
    /// <summary>Every byte before the sender's FIN was delivered (or skipped as a gap).</summary>
    Fin,
    /// <summary>The sender reset the connection; held bytes were delivered first, holes skipped as gaps.</summary>
    Rst,
    /// <summary>Bytes arrived past <see cref="TcpStreamState.DeliveryLimit"/>: the rest of the stream is not delivered.</summary>
    DepthReached,
    /// <summary>The flow ended without FIN or RST in this direction (timeout, end of input, eviction): <see cref="TcpReassembler.Close{TSink}"/>.</summary>
    Closed,
}

/// <summary>
/// Overlapping bytes that differ from the bytes already held or delivered (<see cref="Anomaly.StreamOverlapDifferentData"/>):
/// the first-arrived version was kept (and is what the consumer saw); the later one was discarded where they overlap.
/// </summary>
/// <param name="HeldOffset">Stream offset of the first-arrived bytes the new segment overlapped and that differ.</param>
/// <param name="HeldLength">Length of that range (from the first to the last differing overlapped run).</param>
/// <param name="NewOffset">Stream offset of the new segment's data.</param>
/// <param name="NewLength">Length of the new segment's data.</param>
/// <param name="FirstDifference">Stream offset of the first byte that differs.</param>
/// <param name="Timestamp">The new segment's timestamp, as passed to <see cref="TcpReassembler.Process{TSink}(ref TcpStreamState, uint, Decoding.TcpFlags, ReadOnlySpan{byte}, long, ref TSink)"/>.</param>
public readonly record struct TcpOverlap(long HeldOffset, long HeldLength, long NewOffset, long NewLength, long FirstDifference, long Timestamp);

/// <summary>
/// Receives one direction's reassembled stream from <see cref="TcpReassembler"/>. Implement it on a <see langword="struct"/>:
/// the reassembler's methods are generic over the sink, so calls are direct and nothing is boxed (Kestrel's struct handlers).
/// </summary>
/// <remarks>
/// Calls arrive in stream order: every byte from offset 0 up to the end is covered exactly once by an
/// <see cref="OnData"/> or an <see cref="OnGap"/>, then <see cref="OnEnd"/> comes once. <see cref="OnOverlap"/> and
/// <see cref="OnAnomaly"/> may come between them, and also just after <see cref="OnEnd"/> when the segment that ended the
/// stream (at the depth) overlapped different data.
/// </remarks>
public interface ITcpStreamSink
{
    /// <summary>
    /// The next bytes of the stream, starting at <paramref name="streamOffset"/>. The span is valid only during the call (it is
    /// the packet's payload or a pooled block): copy what you keep.
    /// </summary>
    /// <returns>
    /// The stream offset up to which this consumer wants delivery to continue. Data stops at the inspection depth
    /// (<see cref="TcpReassemblerOptions.ParseDepth"/>) unless a consumer asks for more, e.g. a carver that has just seen a
    /// body of N bytes start returns that body's end offset; the reassembler raises the direction's limit to it, at most to
    /// <see cref="TcpReassemblerOptions.CarveLimit"/>. Return 0 (or anything not beyond the current limit) to change nothing.
    /// A consumer that also parses must not parse bytes at or beyond the parse depth itself.
    /// </returns>
    long OnData(ReadOnlySpan<byte> data, long streamOffset);

    /// <summary><paramref name="length"/> bytes at <paramref name="streamOffset"/> were never seen and are skipped.</summary>
    void OnGap(long streamOffset, long length);

    /// <summary>The stream ended at <paramref name="streamOffset"/>; nothing more is delivered for this direction.</summary>
    void OnEnd(TcpStreamEnd reason, long streamOffset);

    /// <summary>A segment overlapped held or delivered bytes with different bytes (<see cref="Anomaly.StreamOverlapDifferentData"/>).</summary>
    void OnOverlap(in TcpOverlap overlap);

    /// <summary>
    /// A named event for this direction, reported once per direction per kind: <see cref="Anomaly.StreamGap"/>,
    /// <see cref="Anomaly.StreamDepthReached"/>, <see cref="Anomaly.StreamBufferLimit"/>, <see cref="Anomaly.StreamSegmentLimit"/>,
    /// <see cref="Anomaly.StreamMemcap"/>, <see cref="Anomaly.StreamDataAfterFin"/>. Counters on <see cref="TcpReassembler"/>
    /// count every occurrence.
    /// </summary>
    void OnAnomaly(Anomaly anomaly, long streamOffset);
}
