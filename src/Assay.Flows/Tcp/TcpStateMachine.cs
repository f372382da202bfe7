using Assay.Decoding;

namespace Assay.Flows;

/// <summary>
/// A passive observer's TCP state (RFC 9293 §3.3.2, seen from the middle): it follows SYN, SYN-ACK, FIN and RST from
/// both sides without checking sequence numbers (that is the reassembler's job). Flows picked up mid-stream (no SYN)
/// count as established, as Suricata's midstream mode does.
/// </summary>
public static class TcpStateMachine
{
    public static void Advance(ref FlowRecord flow, TcpFlags flags, bool toServer)
    {
        if ((flags & TcpFlags.Rst) != 0)
        {
            flow.TcpState = TcpConnectionState.Closed;
            flow.EndReason = FlowEndReason.Rst;
            return;
        }

        TcpConnectionState state = flow.TcpState;
        bool syn = (flags & TcpFlags.Syn) != 0;
        bool ack = (flags & TcpFlags.Ack) != 0;
        bool fin = (flags & TcpFlags.Fin) != 0;

        switch (state)
        {
            case TcpConnectionState.None:
                state = syn ? (ack ? TcpConnectionState.SynReceived : TcpConnectionState.SynSent) : TcpConnectionState.Established;
                break;
            case TcpConnectionState.SynSent:
                if (syn && ack && !toServer)
                    state = TcpConnectionState.SynReceived;
                else if (!syn && ack && !toServer)
                    state = TcpConnectionState.Established;   // SYN-ACK missed
                break;
            case TcpConnectionState.SynReceived:
                if (!syn && ack && toServer)
                    state = TcpConnectionState.Established;
                break;
        }

        if (fin)
        {
            state = state switch
            {
                TcpConnectionState.FinWait1 when !toServer => TcpConnectionState.TimeWait,
                TcpConnectionState.CloseWait when toServer => TcpConnectionState.TimeWait,
                TcpConnectionState.FinWait1 or TcpConnectionState.CloseWait or TcpConnectionState.TimeWait or TcpConnectionState.Closed => state,
                _ => toServer ? TcpConnectionState.FinWait1 : TcpConnectionState.CloseWait,
            };
            if (state == TcpConnectionState.TimeWait)
                flow.EndReason = FlowEndReason.Fin;
        }
        else if (state == TcpConnectionState.TimeWait && ack)
        {
            // The ACK of the second FIN completes the close.
            state = TcpConnectionState.Closed;
        }

        flow.TcpState = state;
    }

    /// <summary>Suricata's name for <paramref name="state"/> in <c>tcp.state</c>.</summary>
    public static string Name(TcpConnectionState state) => state switch
    {
        TcpConnectionState.SynSent => "syn_sent",
        TcpConnectionState.SynReceived => "syn_recv",
        TcpConnectionState.Established => "established",
        TcpConnectionState.FinWait1 => "fin_wait1",
        TcpConnectionState.CloseWait => "close_wait",
        TcpConnectionState.TimeWait => "time_wait",
        TcpConnectionState.Closed => "closed",
        _ => "none",
    };
}
