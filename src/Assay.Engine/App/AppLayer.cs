using Assay.Decoding;
using Assay.Flows;
using Assay.Output;
using Assay.Output.Dns;
using Assay.Protocols;
using Assay.Protocols.Dns;

namespace Assay.Engine.App;

/// <summary>
/// The application layer of one worker: decides each flow's protocol by content (ports are a hint), runs the parsers and
/// writes their EVE events. Same thread as the flow table: no locks.
/// </summary>
internal sealed class AppLayer
{
    /// <summary>Well-known ports of DNS and its multicast kin: a payload there that looks like DNS is DNS, even a response
    /// seen first (mDNS announcements); elsewhere only a DNS-looking query starts a DNS flow.</summary>
    private const ushort DnsPort = 53, MulticastDnsPort = 5353, LlmnrPort = 5355;

    private readonly EveFormatter _eve;
    private readonly DnsEveWriter _dnsWriter = new();
    private readonly List<FlowApp> _apps = [];
    private readonly Stack<int> _free = new();
    private DnsMessageReader _dns;

    public AppLayer(EveFormatter eve) => _eve = eve;

    public long DnsMessages { get; private set; }

    /// <summary>One packet of a tracked flow (after the flow table has counted it).</summary>
    public void OnPacket(ref FlowRecord flow, in DecodedPacket packet, bool toServer, ReadOnlySpan<byte> frame, long timestamp, long number,
        ref AnomalySet anomalies)
    {
        if (packet.PayloadLength == 0)
            return;
        ReadOnlySpan<byte> payload = frame.Slice(packet.PayloadOffset, Math.Min(packet.PayloadLength, frame.Length - packet.PayloadOffset));
        if (packet.Protocol == (byte)IpProtocol.Udp)
            OnUdp(ref flow, in packet, toServer, payload, timestamp, number, ref anomalies);
    }

    private void OnUdp(ref FlowRecord flow, in DecodedPacket packet, bool toServer, ReadOnlySpan<byte> payload, long timestamp, long number,
        ref AnomalySet anomalies)
    {
        var protocol = (AppProtocol)flow.AppProtocol;
        if (protocol == AppProtocol.None)
        {
            // By content; port 53 only lets a DNS-looking payload through without the stricter query test.
            bool dnsPort = IsDnsPort(packet.SourcePort) || IsDnsPort(packet.DestinationPort);
            protocol = DnsDetector.LooksLikeDns(payload) && (dnsPort || IsQuery(payload)) ? AppProtocol.Dns : AppProtocol.Failed;
            flow.AppProtocol = (byte)protocol;
        }

        if (protocol == AppProtocol.Dns)
            OnDnsMessage(ref flow, toServer, payload, timestamp, number, ref anomalies);
    }

    private static bool IsDnsPort(ushort port) => port is DnsPort or MulticastDnsPort or LlmnrPort;

    private static bool IsQuery(ReadOnlySpan<byte> payload) => payload.Length > 2 && (payload[2] & 0x80) == 0;

    private void OnDnsMessage(ref FlowRecord flow, bool toServer, ReadOnlySpan<byte> message, long timestamp, long number, ref AnomalySet anomalies)
    {
        if (!DnsParser.TryParse(message, ref _dns, ref anomalies))
            return;
        DnsMessages++;
        FlowApp app = Get(ref flow);
        var sink = new UnansweredSink();
        long txId;
        if (!_dns.IsResponse)
            txId = app.Dns.OnQuery(in _dns, message, timestamp, number, ref anomalies, ref sink);
        else
            app.Dns.TryMatchResponse(in _dns, message, ref anomalies, out _, out txId);
        _dnsWriter.Write(_eve, in flow, timestamp, number, toServer, txId, in _dns, message);
    }

    /// <summary>The flow ended: release its state.</summary>
    public void OnFlowEnd(ref FlowRecord flow)
    {
        if (flow.AppSlot == 0)
            return;
        int slot = flow.AppSlot - 1;
        FlowApp app = _apps[slot];
        var sink = new UnansweredSink();
        app.Dns.Flush(ref sink);
        app.Reset();
        _free.Push(slot);
        flow.AppSlot = 0;
    }

    private FlowApp Get(ref FlowRecord flow)
    {
        if (flow.AppSlot != 0)
            return _apps[flow.AppSlot - 1];
        int slot;
        if (_free.Count > 0)
        {
            slot = _free.Pop();
        }
        else
        {
            slot = _apps.Count;
            _apps.Add(new FlowApp());
        }

        flow.AppSlot = slot + 1;
        return _apps[slot];
    }

    /// <summary>Unanswered DNS queries have no EVE event of their own (Suricata has none); they are counted by the table.</summary>
    private readonly struct UnansweredSink : IDnsTransactionSink
    {
        public void OnUnanswered(in DnsPendingQuery query)
        {
        }
    }
}
