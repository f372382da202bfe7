namespace Assay.Decoding.Network;

/// <summary>What <see cref="Defragmenter.Add"/> did with a fragment.</summary>
public enum DefragStatus : byte
{
    /// <summary>Stored; the datagram is not complete yet.</summary>
    Held,

    /// <summary>This fragment completed the datagram, which is returned.</summary>
    Complete,

    /// <summary>Discarded (malformed, truncated, or a cap was hit); the anomaly says why.</summary>
    Dropped,
}
