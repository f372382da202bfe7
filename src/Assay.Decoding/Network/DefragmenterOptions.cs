namespace Assay.Decoding.Network;

/// <summary>Limits for a <see cref="Defragmenter"/>. The defaults are the constants on <see cref="Defragmenter"/>.</summary>
public sealed record DefragmenterOptions
{
    public static DefragmenterOptions Default { get; } = new();

    /// <summary>A datagram still incomplete this long after its first fragment is dropped (<see cref="Anomaly.FragmentTimeout"/>).</summary>
    public long TimeoutNanos { get; init; } = Defragmenter.DefaultTimeoutNanos;

    /// <summary>Datagrams being reassembled at once; a new one beyond this is refused (<see cref="Anomaly.FragmentGlobalCapReached"/>).</summary>
    public int MaxPendingDatagrams { get; init; } = Defragmenter.DefaultMaxPendingDatagrams;

    /// <summary>Pooled bytes held for pending datagrams; a fragment that would exceed it is refused (<see cref="Anomaly.FragmentGlobalCapReached"/>).</summary>
    public long MaxBufferedBytes { get; init; } = Defragmenter.DefaultMaxBufferedBytes;

    /// <summary>Fragments accepted per datagram; one more drops the datagram (<see cref="Anomaly.FragmentDatagramCapReached"/>).</summary>
    public int MaxFragmentsPerDatagram { get; init; } = Defragmenter.DefaultMaxFragmentsPerDatagram;
}
