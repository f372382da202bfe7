using System.Text.Encodings.Web;
using System.Text.Json;
using Assay.Decoding;
using Assay.Flows;

namespace Assay.Output;

/// <summary>
/// Formats EVE JSON events (Suricata's layout, DESIGN.md §4) for one worker thread into pooled chunks that go to an
/// <see cref="EveSink"/>. One instance per thread; reused for every event, so formatting allocates nothing.
/// </summary>
public sealed class EveFormatter : IDisposable
{
    /// <summary>A chunk is submitted once it holds this much, so lines reach the file in reasonably fresh batches.</summary>
    public const int SubmitThreshold = 192 * 1024;

    private static readonly JsonWriterOptions s_options = new()
    {
        Indented = false,
        SkipValidation = true,
        // Values are escaped where needed; this keeps '+' and '/' (timestamps, base64) readable, as Suricata writes them.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // Names of the fields every event has, encoded once (a UTF-8 literal name is checked for escaping at every write).
    private static readonly JsonEncodedText s_timestamp = JsonEncodedText.Encode("timestamp"u8);
    private static readonly JsonEncodedText s_eventType = JsonEncodedText.Encode("event_type"u8);
    private static readonly JsonEncodedText s_flowId = JsonEncodedText.Encode("flow_id"u8);
    private static readonly JsonEncodedText s_srcIp = JsonEncodedText.Encode("src_ip"u8);
    private static readonly JsonEncodedText s_srcPort = JsonEncodedText.Encode("src_port"u8);
    private static readonly JsonEncodedText s_destIp = JsonEncodedText.Encode("dest_ip"u8);
    private static readonly JsonEncodedText s_destPort = JsonEncodedText.Encode("dest_port"u8);
    private static readonly JsonEncodedText s_proto = JsonEncodedText.Encode("proto"u8);
    private static readonly JsonEncodedText s_appProto = JsonEncodedText.Encode("app_proto"u8);
    private static readonly JsonEncodedText s_communityId = JsonEncodedText.Encode("community_id"u8);
    private static readonly JsonEncodedText s_start = JsonEncodedText.Encode("start"u8);
    private static readonly JsonEncodedText s_end = JsonEncodedText.Encode("end"u8);
    private static readonly JsonEncodedText s_flow = JsonEncodedText.Encode("flow"u8);
    private static readonly JsonEncodedText s_pktsToServer = JsonEncodedText.Encode("pkts_toserver"u8);
    private static readonly JsonEncodedText s_pktsToClient = JsonEncodedText.Encode("pkts_toclient"u8);
    private static readonly JsonEncodedText s_bytesToServer = JsonEncodedText.Encode("bytes_toserver"u8);
    private static readonly JsonEncodedText s_bytesToClient = JsonEncodedText.Encode("bytes_toclient"u8);
    private static readonly JsonEncodedText s_age = JsonEncodedText.Encode("age"u8);
    private static readonly JsonEncodedText s_state = JsonEncodedText.Encode("state"u8);
    private static readonly JsonEncodedText s_reason = JsonEncodedText.Encode("reason"u8);
    private static readonly JsonEncodedText s_alerted = JsonEncodedText.Encode("alerted"u8);
    private static readonly JsonEncodedText s_tcp = JsonEncodedText.Encode("tcp"u8);
    private static readonly JsonEncodedText s_tcpFlags = JsonEncodedText.Encode("tcp_flags"u8);
    private static readonly JsonEncodedText s_tcpFlagsTs = JsonEncodedText.Encode("tcp_flags_ts"u8);
    private static readonly JsonEncodedText s_tcpFlagsTc = JsonEncodedText.Encode("tcp_flags_tc"u8);

    private readonly ChunkWriter _buffer;
    private readonly Utf8JsonWriter _json;
    private readonly byte[] _scratch = new byte[64];

    // A value that needs no escaping, formatted between quotes at [1..] and written as it is (see WritePlain).
    private readonly byte[] _plain = new byte[66];
    /// <summary>Flows whose Community ID is remembered (direct-mapped by flow id): a DNS flow's request and response,
    /// or an HTTP flow's transactions and files, are usually written while their entry is still there.</summary>
    private const int CommunityIdCacheSize = 4096;

    private readonly long[] _communityIdFlows = new long[CommunityIdCacheSize];
    private readonly FlowKey[] _communityIdKeys = new FlowKey[CommunityIdCacheSize];
    private readonly byte[] _communityIds = new byte[CommunityIdCacheSize * CommunityId.Length];

    public EveFormatter(EveSink sink)
    {
        _buffer = new ChunkWriter(sink);
        _json = new Utf8JsonWriter(_buffer, s_options);
    }

    public long EventsWritten { get; private set; }

    /// <summary>Starts an event: the caller writes its own fields with <see cref="Json"/> then calls <see cref="EndEvent"/>.</summary>
    public Utf8JsonWriter BeginEvent(long timestamp, ReadOnlySpan<byte> eventType)
    {
        _json.Reset(_buffer);
        _json.WriteStartObject();
        WriteTimestamp(s_timestamp, timestamp);
        WritePlain(s_eventType, eventType);
        return _json;
    }

    public Utf8JsonWriter Json => _json;

    public void EndEvent()
    {
        _json.WriteEndObject();
        _json.Flush();
        _buffer.WriteByte((byte)'\n');
        EventsWritten++;
        _buffer.FlushIfOver(SubmitThreshold);
    }

    /// <summary>Submits whatever is buffered (end of a batch, end of input).</summary>
    public void Flush() => _buffer.FlushIfOver(0);

    /// <summary>Submits what is buffered and releases the JSON writer.</summary>
    public void Dispose()
    {
        Flush();
        _json.Dispose();
    }

    /// <summary>An EVE <c>flow</c> event for an ended flow.</summary>
    public void WriteFlow(in FlowRecord flow)
    {
        _json.Reset(_buffer);
        _json.WriteStartObject();
        WriteTimestamp(s_timestamp, flow.FirstTimestamp);
        _json.WriteNumber(s_flowId, flow.FlowId);
        WriteFlowTuple(in flow);
        WritePlain(s_eventType, "flow"u8);

        _json.WriteStartObject(s_flow);
        _json.WriteNumber(s_pktsToServer, flow.PacketsToServer);
        _json.WriteNumber(s_pktsToClient, flow.PacketsToClient);
        _json.WriteNumber(s_bytesToServer, flow.BytesToServer);
        _json.WriteNumber(s_bytesToClient, flow.BytesToClient);
        WriteTimestamp(s_start, flow.FirstTimestamp);
        WriteTimestamp(s_end, flow.LastTimestamp);
        _json.WriteNumber(s_age, (flow.LastTimestamp - flow.FirstTimestamp) / 1_000_000_000L);
        WritePlain(s_state, FlowState(in flow));
        WritePlain(s_reason, ReasonName(flow.EndReason));
        _json.WriteBoolean(s_alerted, flow.Alerted);
        _json.WriteEndObject();

        if (flow.IsTcp)
        {
            TcpFlags all = flow.TcpFlagsToServer | flow.TcpFlagsToClient;
            _json.WriteStartObject(s_tcp);
            WriteTcpFlags(s_tcpFlags, all);
            WriteTcpFlags(s_tcpFlagsTs, flow.TcpFlagsToServer);
            WriteTcpFlags(s_tcpFlagsTc, flow.TcpFlagsToClient);
            WriteFlagBooleans(all);
            _json.WriteString(s_state, TcpStateMachine.Name(flow.TcpState));
            _json.WriteEndObject();
        }

        EndEvent();
    }

    /// <summary>An EVE <c>anomaly</c> event for one packet (Suricata's <c>type: decode</c> form).</summary>
    /// <param name="flowId">The packet's flow, or 0 when it has none.</param>
    public void WriteAnomaly(long timestamp, long packetNumber, in DecodedPacket packet, long flowId, Anomaly anomaly, ReadOnlySpan<byte> type)
    {
        _json.Reset(_buffer);
        _json.WriteStartObject();
        WriteTimestamp(s_timestamp, timestamp);
        if (flowId != 0)
            _json.WriteNumber(s_flowId, flowId);
        _json.WriteNumber("pcap_cnt"u8, packetNumber);
        WritePlain(s_eventType, "anomaly"u8);
        if (packet.IsIP)
        {
            bool v6 = packet.IPVersion == 6;
            WriteAddress(s_srcIp, packet.Source, v6);
            if (packet.HasPorts)
                _json.WriteNumber(s_srcPort, packet.SourcePort);
            WriteAddress(s_destIp, packet.Destination, v6);
            if (packet.HasPorts)
                _json.WriteNumber(s_destPort, packet.DestinationPort);
            WriteProto(packet.Protocol);
        }

        _json.WriteStartObject("anomaly"u8);
        _json.WriteString("type"u8, type);
        _json.WriteString("event"u8, AnomalyNames.Get(anomaly));
        _json.WriteString("layer"u8, AnomalyNames.Layer(anomaly));
        _json.WriteEndObject();
        EndEvent();
    }

    /// <summary>
    /// Common tuple fields of a flow's events. <c>src_*</c> is the side that started the flow, or — for events about one
    /// packet or one direction (a DNS response, a downloaded file) — <paramref name="clientIsSource"/> = false puts the
    /// server first, as Suricata logs them. Community ID does not depend on it.
    /// </summary>
    public void WriteFlowTuple(in FlowRecord flow, bool clientIsSource = true)
    {
        bool v6 = flow.IPVersion == 6;
        bool icmp = flow.Protocol is (byte)IpProtocol.Icmp or (byte)IpProtocol.IcmpV6;
        WriteAddress(s_srcIp, clientIsSource ? flow.ClientAddress : flow.ServerAddress, v6);
        bool ports = flow.Protocol is (byte)IpProtocol.Tcp or (byte)IpProtocol.Udp or (byte)IpProtocol.Sctp;
        if (ports)
            _json.WriteNumber(s_srcPort, clientIsSource ? flow.ClientPort : flow.ServerPort);
        WriteAddress(s_destIp, clientIsSource ? flow.ServerAddress : flow.ClientAddress, v6);
        if (ports)
            _json.WriteNumber(s_destPort, clientIsSource ? flow.ServerPort : flow.ClientPort);
        WriteProto(flow.Protocol);
        ReadOnlySpan<byte> appProto = Assay.Protocols.AppProtocolNames.Get((Assay.Protocols.AppProtocol)flow.AppProtocol);
        if (!appProto.IsEmpty)
            WritePlain(s_appProto, appProto);
        if (icmp)
        {
            _json.WriteNumber("icmp_type"u8, flow.IcmpType);
            _json.WriteNumber("icmp_code"u8, flow.IcmpCode);
        }

        if (flow.VlanId != 0)
        {
            _json.WriteStartArray("vlan"u8);
            _json.WriteNumberValue(flow.VlanId);
            if (flow.VlanId2 != 0)
                _json.WriteNumberValue(flow.VlanId2);
            _json.WriteEndArray();
        }

        WritePlain(s_communityId, CommunityIdOf(in flow));
    }

    /// <summary>
    /// The flow's Community ID as UTF-8. A flow's events come close together (a DNS request and its response, an HTTP
    /// transaction and its file), so recent flows' IDs are remembered: about one SHA-1 per flow rather than per event.
    /// </summary>
    public ReadOnlySpan<byte> CommunityIdOf(in FlowRecord flow)
    {
        int slot = (int)((ulong)flow.FlowId % CommunityIdCacheSize);
        Span<byte> id = _communityIds.AsSpan(slot * CommunityId.Length, CommunityId.Length);
        // Flow ids are 63-bit hashes; the key check makes a collision harmless.
        if (_communityIdFlows[slot] != flow.FlowId || flow.FlowId == 0 || !_communityIdKeys[slot].Equals(flow.Key))
        {
            bool v6 = flow.IPVersion == 6;
            bool icmp = flow.Protocol is (byte)IpProtocol.Icmp or (byte)IpProtocol.IcmpV6;
            int written = icmp
                ? CommunityId.Write(flow.ClientAddress, flow.ServerAddress, flow.IcmpType, flow.IcmpCode, flow.Protocol, v6, id)
                : CommunityId.Write(flow.ClientAddress, flow.ServerAddress, flow.ClientPort, flow.ServerPort, flow.Protocol, v6, id);
            System.Diagnostics.Debug.Assert(written == CommunityId.Length);
            _communityIdFlows[slot] = flow.FlowId;
            _communityIdKeys[slot] = flow.Key;
        }

        return id;
    }

    private void WriteProto(byte protocol)
    {
        ReadOnlySpan<byte> name = Utf8Format.ProtocolName(protocol);
        if (!name.IsEmpty)
        {
            WritePlain(s_proto, name);
            return;
        }

        System.Buffers.Text.Utf8Formatter.TryFormat(protocol, _plain.AsSpan(1), out int written);
        WritePlainFormatted(s_proto, written);
    }

    private void WriteAddress(JsonEncodedText name, UInt128 address, bool v6) =>
        WritePlainFormatted(name, Utf8Format.WriteAddress(address, v6, _plain.AsSpan(1)));

    private void WriteTimestamp(JsonEncodedText name, long timestamp) =>
        WritePlainFormatted(name, Utf8Format.WriteTimestamp(timestamp, _plain.AsSpan(1)));

    /// <summary>
    /// A string value that never needs JSON escaping — an address, a timestamp, a Community ID, a protocol or event
    /// name from this code (ASCII letters, digits and <c>.:-+/=_</c>) — written as it is: the writer's escaping scan,
    /// run for every name and value otherwise, was ~6 % of a full run.
    /// </summary>
    private void WritePlain(JsonEncodedText name, ReadOnlySpan<byte> value)
    {
        value.CopyTo(_plain.AsSpan(1));
        WritePlainFormatted(name, value.Length);
    }

    /// <summary><see cref="WritePlain"/> for a value already formatted at <c>_plain[1..]</c>.</summary>
    private void WritePlainFormatted(JsonEncodedText name, int length)
    {
        _plain[0] = (byte)'"';
        _plain[length + 1] = (byte)'"';
        _json.WritePropertyName(name);
        _json.WriteRawValue(_plain.AsSpan(0, length + 2), skipInputValidation: true);
    }

    /// <summary>Suricata's two-hex-digit flag byte, e.g. <c>"1b"</c>.</summary>
    private void WriteTcpFlags(JsonEncodedText name, TcpFlags flags)
    {
        const string Digits = "0123456789abcdef";
        _plain[1] = (byte)Digits[(byte)flags >> 4];
        _plain[2] = (byte)Digits[(byte)flags & 0xF];
        WritePlainFormatted(name, 2);
    }

    private void WriteFlagBooleans(TcpFlags flags)
    {
        if ((flags & TcpFlags.Syn) != 0)
            _json.WriteBoolean("syn"u8, true);
        if ((flags & TcpFlags.Fin) != 0)
            _json.WriteBoolean("fin"u8, true);
        if ((flags & TcpFlags.Rst) != 0)
            _json.WriteBoolean("rst"u8, true);
        if ((flags & TcpFlags.Psh) != 0)
            _json.WriteBoolean("psh"u8, true);
        if ((flags & TcpFlags.Ack) != 0)
            _json.WriteBoolean("ack"u8, true);
        if ((flags & TcpFlags.Urg) != 0)
            _json.WriteBoolean("urg"u8, true);
        if ((flags & TcpFlags.Ece) != 0)
            _json.WriteBoolean("ecn"u8, true);
        if ((flags & TcpFlags.Cwr) != 0)
            _json.WriteBoolean("cwr"u8, true);
    }

    /// <summary>Suricata's <c>flow.state</c>: new (one direction only), established, closed (TCP FIN/RST).</summary>
    private static ReadOnlySpan<byte> FlowState(in FlowRecord flow)
    {
        if (flow.IsTcp && flow.TcpState is TcpConnectionState.Closed or TcpConnectionState.TimeWait)
            return "closed"u8;
        if (flow.IsTcp && flow.EndReason == FlowEndReason.Rst)
            return "closed"u8;
        return flow.BothDirectionsSeen ? "established"u8 : "new"u8;
    }

    /// <summary><c>flow.reason</c>: <c>timeout</c>, <c>fin</c>, <c>rst</c>, <c>shutdown</c> (end of input), <c>forced</c> (evicted).</summary>
    public static ReadOnlySpan<byte> ReasonName(FlowEndReason reason) => reason switch
    {
        FlowEndReason.Timeout => "timeout"u8,
        FlowEndReason.Fin => "fin"u8,
        FlowEndReason.Rst => "rst"u8,
        FlowEndReason.EndOfInput => "shutdown"u8,
        FlowEndReason.Evicted => "forced"u8,
        _ => "unknown"u8,
    };
}
