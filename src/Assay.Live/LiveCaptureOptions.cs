namespace Assay.Live;

/// <summary>How <see cref="LivePacketSource"/> opens an interface.</summary>
public sealed record LiveCaptureOptions
{
    /// <summary>Full snap length, as tcpdump's default: every byte of every packet (GSO/GRO super-packets included).</summary>
    public const int FullSnapLength = 262_144;

    /// <summary>Kernel ring buffer: 64 MiB absorbs about half a second of a saturated 1 Gb/s link while the reader catches up.</summary>
    public const int DefaultBufferBytes = 64 << 20;

    /// <summary>
    /// TPACKET_V3 block retire timeout: a partly filled block is handed to the reader after at most this long, so packets flow
    /// promptly on a quiet link. Stopping does not depend on it (<see cref="LivePacketSource.Stop"/> breaks the wait).
    /// </summary>
    public const int DefaultReadTimeoutMillis = 50;

    /// <summary>A BPF capture filter (pcap-filter(7) syntax), compiled for the interface's link type; null captures everything.</summary>
    public string? Filter { get; init; }

    /// <summary>Promiscuous mode (on by default: a sensor on a SPAN port sees traffic addressed to others).</summary>
    public bool Promiscuous { get; init; } = true;

    /// <summary>Bytes kept of each packet.</summary>
    public int SnapLength { get; init; } = FullSnapLength;

    /// <summary>The kernel capture buffer in bytes.</summary>
    public int BufferBytes { get; init; } = DefaultBufferBytes;

    /// <summary>See <see cref="DefaultReadTimeoutMillis"/>.</summary>
    public int ReadTimeoutMillis { get; init; } = DefaultReadTimeoutMillis;

    /// <summary>
    /// Immediate mode: each packet is delivered as it arrives (libpcap then uses TPACKET_V2 with fixed-size frames, which
    /// holds far fewer packets in the same buffer). Off by default: the read timeout gives low enough latency.
    /// </summary>
    public bool Immediate { get; init; }
}
