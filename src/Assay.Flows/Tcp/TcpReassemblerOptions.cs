namespace Assay.Flows.Tcp;

/// <summary>Limits for a <see cref="TcpReassembler"/>. The defaults are the constants on <see cref="TcpReassembler"/>.</summary>
public sealed record TcpReassemblerOptions
{
    public static TcpReassemblerOptions Default { get; } = new();

    /// <summary>Inspection depth per direction: bytes at stream offsets beyond it are not delivered unless the consumer asks
    /// (<see cref="ITcpStreamSink.OnData"/>'s return value).</summary>
    public long ParseDepth { get; init; } = TcpReassembler.DefaultParseDepth;

    /// <summary>The furthest a consumer may raise a direction's delivery limit (file carving). Never below <see cref="ParseDepth"/>.</summary>
    public long CarveLimit { get; init; } = TcpReassembler.DefaultCarveLimit;

    /// <summary>Out-of-order bytes held per direction; more forces the first hole to be skipped as a gap (<see cref="Decoding.Anomaly.StreamBufferLimit"/>).</summary>
    public int MaxBufferedBytesPerDirection { get; init; } = TcpReassembler.DefaultMaxBufferedBytesPerDirection;

    /// <summary>Pool nodes held per direction (buffered plus retained); more forces a gap (<see cref="Decoding.Anomaly.StreamSegmentLimit"/>).</summary>
    public int MaxSegmentsPerDirection { get; init; } = TcpReassembler.DefaultMaxSegmentsPerDirection;

    /// <summary>Delivered bytes kept per direction to compare retransmissions with (freed as the peer acknowledges them);
    /// 0 turns the check off for delivered bytes, leaving zero-copy delivery with no copy at all.</summary>
    public int RetainBytes { get; init; } = TcpReassembler.DefaultRetainBytes;
}
