using System.Runtime.InteropServices;

namespace Assay.Flows.Tcp;

/// <summary>
/// Reassembly state of one direction of one TCP connection: 80 bytes, meant to live by value next to the flow (two per TCP
/// flow). <see langword="default"/> is a fresh direction that has seen nothing. Only a <see cref="TcpReassembler"/> changes
/// it; the held bytes are nodes of that reassembler's <see cref="SegmentPool"/>, so a state must go back to the same
/// reassembler's <see cref="TcpReassembler.Close{TSink}"/> or <see cref="TcpReassembler.Discard"/> before it is dropped.
/// </summary>
/// <remarks>
/// Stream offsets are 64-bit and start at 0 with the first byte after the SYN (or with the first data byte seen when the
/// connection was picked up mid-stream). A sequence number maps to an offset by 32-bit serial arithmetic (RFC 1982) around
/// the next expected byte, so a stream may run through any number of sequence wraps.
/// </remarks>
[StructLayout(LayoutKind.Auto)]
public struct TcpStreamState
{
    internal long _nextOffset;        // next stream offset to deliver: bytes delivered plus bytes skipped as gaps
    internal long _limit;             // delivery stops here: the inspection depth, raised by carve requests
    internal long _finOffset;         // stream offset of the FIN (valid with StreamFlags.Fin)
    internal long _highestOffset;     // end of the highest byte (or FIN) seen: how far holes may be skipped
    internal long _missedBytes;       // bytes skipped as gaps
    internal uint _baseSequence;      // sequence number of stream offset 0
    internal int _pendingHead;        // out-of-order nodes, sorted by offset, not overlapping, all ≥ _nextOffset
    internal int _pendingTail;
    internal int _retainedHead;       // delivered bytes kept for overlap checks, ascending, all < _nextOffset
    internal int _retainedTail;
    internal int _pendingBytes;
    internal int _retainedBytes;
    internal ushort _nodes;           // pending + retained nodes
    internal StreamFlags _flags;
    internal ReportedAnomalies _reported;
    internal TcpStreamEnd _endReason;

    [Flags]
    internal enum StreamFlags : byte
    {
        None = 0,
        Initialized = 1,
        Syn = 2,
        Fin = 4,
        Ended = 8,
    }

    /// <summary>Anomalies already reported for this direction (each is reported once).</summary>
    [Flags]
    internal enum ReportedAnomalies : byte
    {
        None = 0,
        Gap = 1,
        DepthReached = 2,
        BufferLimit = 4,
        SegmentLimit = 8,
        Memcap = 16,
        DataAfterFin = 32,
    }

    /// <summary>The direction has an anchor (a SYN, or a first data segment or FIN when picked up mid-stream).</summary>
    public readonly bool IsInitialized => (_flags & StreamFlags.Initialized) != 0;

    /// <summary>The stream started with a SYN seen: offset 0 is the byte after the initial sequence number.</summary>
    public readonly bool SawSyn => (_flags & StreamFlags.Syn) != 0;

    /// <summary>A FIN was seen (its offset is <see cref="FinOffset"/>).</summary>
    public readonly bool SawFin => (_flags & StreamFlags.Fin) != 0;

    /// <summary><see cref="ITcpStreamSink.OnEnd"/> was delivered; nothing more will be.</summary>
    public readonly bool HasEnded => (_flags & StreamFlags.Ended) != 0;

    /// <summary>Why the stream ended (<see cref="TcpStreamEnd.None"/> while it has not).</summary>
    public readonly TcpStreamEnd EndReason => _endReason;

    /// <summary>Stream offset of the next byte to deliver: bytes delivered plus bytes skipped as gaps.</summary>
    public readonly long Position => _nextOffset;

    /// <summary>Stream offset at which delivery stops (the inspection depth, or further when a consumer asked to carve).</summary>
    public readonly long DeliveryLimit => _limit;

    /// <summary>Stream offset of the FIN; meaningful when <see cref="SawFin"/>.</summary>
    public readonly long FinOffset => _finOffset;

    /// <summary>Bytes skipped as gaps (Zeek's <c>missed_bytes</c> for this direction).</summary>
    public readonly long MissedBytes => _missedBytes;

    /// <summary>Out-of-order bytes held, waiting for a hole before them to fill.</summary>
    public readonly int BufferedBytes => _pendingBytes;

    /// <summary>Delivered bytes still held to check retransmissions against.</summary>
    public readonly int RetainedBytes => _retainedBytes;

    /// <summary>Pool nodes held (buffered plus retained).</summary>
    public readonly int Segments => _nodes;

    /// <summary>Sequence number of stream offset 0 (ISN + 1 after a SYN).</summary>
    public readonly uint BaseSequence => _baseSequence;

    /// <summary>
    /// The stream offset of <paramref name="sequence"/>: the signed 32-bit distance (RFC 1982) from the next expected
    /// sequence number, added to <see cref="Position"/>. Meaningful once <see cref="IsInitialized"/>.
    /// </summary>
    public readonly long OffsetOf(uint sequence) => _nextOffset + (int)(sequence - unchecked(_baseSequence + (uint)_nextOffset));
}
