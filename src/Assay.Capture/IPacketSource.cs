namespace Assay.Capture;

/// <summary>A stream of captured packets (a file, several files merged by time, or a live interface).</summary>
/// <remarks>
/// Packet bytes returned by <see cref="TryReadPacket"/> stay valid only until the next call: callers copy what they keep.
/// Nothing a file contains makes this throw once the source is open; damage is reported through <see cref="ReadStatus"/>.
/// </remarks>
public interface IPacketSource : IDisposable
{
    /// <summary>What to call this source in messages (the file path).</summary>
    string Name { get; }

    /// <summary>Reads the next packet.</summary>
    ReadStatus TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data);

    /// <summary>After <see cref="ReadStatus.Truncated"/> or <see cref="ReadStatus.Corrupt"/>: one readable sentence naming the problem and its byte offset.</summary>
    string? Problem { get; }

    /// <summary>Bytes of the underlying input consumed so far (for progress); compressed bytes for gzip input.</summary>
    long Position { get; }

    /// <summary>Total bytes of the underlying input when known, else -1.</summary>
    long Length { get; }

    /// <summary>The file the last packet came from (differs from <see cref="Name"/> for merged sources).</summary>
    string CurrentName => Name;

    /// <summary>Every damaged input behind this source, each with its own problem sentence.</summary>
    IReadOnlyList<SourceProblem> Problems => [];
}
