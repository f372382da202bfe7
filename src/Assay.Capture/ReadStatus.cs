namespace Assay.Capture;

/// <summary>Outcome of <see cref="IPacketSource.TryReadPacket"/>.</summary>
public enum ReadStatus
{
    /// <summary>A packet was read.</summary>
    Packet,
    /// <summary>The input ended cleanly.</summary>
    EndOfInput,
    /// <summary>The input ended inside a record: everything before was delivered; <see cref="IPacketSource.Problem"/> says where.</summary>
    Truncated,
    /// <summary>The input is corrupt from here on (impossible length, bad block): reading stops; <see cref="IPacketSource.Problem"/> says why.</summary>
    Corrupt,
}
