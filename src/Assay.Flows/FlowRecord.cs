using Assay.Decoding;

namespace Assay.Flows;

/// <summary>Why a flow ended. Written as <c>flow.reason</c>.</summary>
public enum FlowEndReason : byte
{
    /// <summary>Still active.</summary>
    None,
    /// <summary>Idle longer than its protocol/state timeout (<c>timeout</c>).</summary>
    Timeout,
    /// <summary>TCP closed by FIN from both sides (<c>fin</c>).</summary>
    Fin,
    /// <summary>TCP reset (<c>rst</c>).</summary>
    Rst,
    /// <summary>The input ended with the flow still open (<c>shutdown</c>, Suricata's word).</summary>
    EndOfInput,
    /// <summary>Evicted because the flow table was full (<c>forced</c>, Suricata's word).</summary>
    Evicted,
}

/// <summary>Connection state of a TCP flow, as Suricata's <c>tcp.state</c> names it.</summary>
public enum TcpConnectionState : byte
{
    None,
    SynSent,
    SynReceived,
    Established,
    /// <summary>The initiator sent FIN first.</summary>
    FinWait1,
    /// <summary>The responder sent FIN first.</summary>
    CloseWait,
    /// <summary>Both sides sent FIN.</summary>
    TimeWait,
    Closed,
}

/// <summary>
/// Per-flow state and counters, stored by value in the flow table (≈ 200 bytes). "Client"/"to server" is the side that
/// started the flow: the sender of its first packet, or the receiver when the first packet seen is a TCP SYN-ACK.
/// </summary>
public struct FlowRecord
{
    public FlowKey Key;
    public long FlowId;
    public UInt128 ClientAddress;
    public UInt128 ServerAddress;
    public ushort ClientPort;
    public ushort ServerPort;
    /// <summary>For ICMP flows: the type and code of the first packet.</summary>
    public byte IcmpType;
    public byte IcmpCode;
    public byte Protocol;
    public byte IPVersion;
    public ushort VlanId;
    public ushort VlanId2;
    /// <summary><see langword="true"/> when the client is <see cref="FlowKey.LowAddress"/>'s side.</summary>
    public bool ClientIsLow;

    public long FirstTimestamp;
    public long LastTimestamp;
    /// <summary>1-based position in the input of the flow's first packet.</summary>
    public long FirstPacketNumber;

    public ulong PacketsToServer;
    public ulong PacketsToClient;
    public ulong BytesToServer;
    public ulong BytesToClient;
    public ulong PayloadBytesToServer;
    public ulong PayloadBytesToClient;

    public TcpFlags TcpFlagsToServer;
    public TcpFlags TcpFlagsToClient;
    public TcpConnectionState TcpState;
    public FlowEndReason EndReason;
    /// <summary>An alert was raised on the flow (EVE <c>flow.alerted</c>).</summary>
    public bool Alerted;

    /// <summary>The application protocol decided for the flow (an <c>Assay.Protocols.AppProtocol</c> value; 0 = none yet).</summary>
    public byte AppProtocol;

    /// <summary>The worker's application-layer state for this flow: 0 = none, else its slot + 1.</summary>
    public int AppSlot;

    /// <summary>Application messages counted on the flow while the app layer holds no state for it (a UDP DNS flow's
    /// slot is returned between transactions; its messages keep their Suricata-style <c>tx_id</c> numbering).</summary>
    public long AppMessages;

    public readonly bool IsTcp => Protocol == (byte)IpProtocol.Tcp;

    public readonly bool BothDirectionsSeen => PacketsToServer != 0 && PacketsToClient != 0;
}
