namespace Assay.Flows;

/// <summary>Idle timeouts per protocol and state, in seconds. Defaults are Suricata's (suricata.yaml <c>flow-timeouts</c>).</summary>
public sealed record FlowTimeouts
{
    public int TcpNew { get; init; } = 60;
    public int TcpEstablished { get; init; } = 600;
    /// <summary>After FIN from both sides or RST; a new SYN on the same tuple starts a new flow sooner.</summary>
    public int TcpClosed { get; init; } = 60;
    public int UdpNew { get; init; } = 30;
    public int UdpEstablished { get; init; } = 300;
    public int IcmpNew { get; init; } = 30;
    public int IcmpEstablished { get; init; } = 300;
    public int OtherNew { get; init; } = 30;
    public int OtherEstablished { get; init; } = 300;

    public static FlowTimeouts Default { get; } = new();

    /// <summary>The shortest of all timeouts, in nanoseconds: no flow idle for less can have expired.</summary>
    public long MinimumNanos => 1_000_000_000L * Math.Min(Math.Min(Math.Min(TcpNew, TcpEstablished), Math.Min(TcpClosed, UdpNew)),
        Math.Min(Math.Min(UdpEstablished, IcmpNew), Math.Min(IcmpEstablished, Math.Min(OtherNew, OtherEstablished))));
}
