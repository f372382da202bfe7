namespace Assay.Synthesis.Sessions;

/// <summary>Which operating system's TCP a side imitates: it decides the SYN option layout and whether timestamps are offered.</summary>
public enum TcpStack : byte
{
    /// <summary>SYN options MSS, SACK-permitted, timestamps, NOP, window scale; SYN window 64240.</summary>
    Linux,
    /// <summary>SYN options MSS, NOP, window scale, NOP, NOP, SACK-permitted; no timestamps; SYN window 64240.</summary>
    Windows,
}

/// <summary>Knobs for <see cref="TcpConversation"/>. Times are as seen from the sensor.</summary>
public sealed record TcpConversationOptions
{
    /// <summary>Round trip sensor → server → sensor: how long after a client packet the server's answer is seen.</summary>
    public TimeSpan ServerRtt { get; init; } = TimeSpan.FromMilliseconds(30);

    /// <summary>Round trip sensor → client → sensor.</summary>
    public TimeSpan ClientRtt { get; init; } = TimeSpan.FromMicroseconds(300);

    /// <summary>Gap between back-to-back segments of one burst.</summary>
    public TimeSpan SegmentSpacing { get; init; } = TimeSpan.FromMicroseconds(12);

    public TcpStack ClientStack { get; init; } = TcpStack.Linux;
    public TcpStack ServerStack { get; init; } = TcpStack.Linux;
    public ushort ClientMss { get; init; } = 1460;
    public ushort ServerMss { get; init; } = 1460;

    /// <summary>Window scale shift offered in the SYN (RFC 7323 §2); negative leaves the option out.</summary>
    public int ClientWindowScale { get; init; } = 7;

    public int ServerWindowScale { get; init; } = 7;

    /// <summary>Raw (unscaled) window field after the handshake.</summary>
    public ushort ClientWindow { get; init; } = 502;

    public ushort ServerWindow { get; init; } = 509;

    /// <summary>Offer timestamps (Linux stacks only; used when both sides offer).</summary>
    public bool Timestamps { get; init; } = true;

    public bool SackPermitted { get; init; } = true;

    /// <summary>Receivers ACK every second full segment and hold a lone one for <see cref="DelayedAckTimeout"/> (RFC 9293 §3.8.6.3).</summary>
    public bool DelayedAck { get; init; }

    public TimeSpan DelayedAckTimeout { get; init; } = TimeSpan.FromMilliseconds(40);

    /// <summary>Probability a data segment is lost before the sensor: never seen, dup-ACKed, then seen once as a retransmission.</summary>
    public double LossRate { get; init; }

    /// <summary>Probability a data segment is lost after the sensor: seen twice (original, then retransmission).</summary>
    public double RetransmissionRate { get; init; }

    /// <summary>Probability a data segment is seen after the one following it.</summary>
    public double ReorderRate { get; init; }

    /// <summary>Seeds ISNs, IP IDs, timestamp bases and the loss/reorder draws.</summary>
    public long Seed { get; init; } = 1;

    public uint? ClientIsn { get; init; }
    public uint? ServerIsn { get; init; }

    public Framing Framing { get; init; } = Framing.Ethernet;
}
