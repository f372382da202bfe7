using System.Buffers;
using Assay.Decoding;
using Assay.Flows;
using Assay.Flows.Tcp;
using Assay.Output;
using Assay.Output.Dns;
using Assay.Output.Http;
using Assay.Output.Tls;
using Assay.Protocols;
using Assay.Protocols.Dns;
using Assay.Protocols.Http;
using Assay.Protocols.Socks;
using Assay.Protocols.WebSocket;
using Assay.Protocols.Tls;

namespace Assay.Engine.App;

/// <summary>
/// The application layer of one worker: decides each flow's protocol by content (ports are a hint), runs the parsers and
/// writes their EVE events. Same thread as the flow table: no locks.
/// </summary>
internal sealed partial class AppLayer : IDisposable
{
    /// <summary>Well-known ports of DNS and its multicast kin: a payload there that looks like DNS is DNS, even a response
    /// seen first (mDNS announcements); elsewhere only a DNS-looking query starts a DNS flow.</summary>
    private const ushort DnsPort = 53, MulticastDnsPort = 5353, LlmnrPort = 5355;

    /// <summary>Bytes a direction may hold back for a parser waiting on the rest of a message: one largest TLS record.</summary>
    private const int MaxPendingBytes = TlsHandshakeParser.RecordHeaderLength + TlsHandshakeParser.MaxRecordLength;

    /// <summary>Bytes needed to tell protocols apart by content.</summary>
    private const int DetectionBytes = 8;

    private static readonly SearchValues<byte> s_whitespace = SearchValues.Create(" \t\r\n"u8);

    private readonly EveFormatter _eve;
    private readonly TcpReassembler _reassembler = new();
    private readonly DnsEveWriter _dnsWriter = new();
    private readonly HttpParserContext _http;
    private readonly HttpEveWriter _httpWriter = new();
    private AnomalySet _streamAnomalies;

    // The flow and packet time being processed, for parsers' events raised from inside reassembly callbacks (a copy: the
    // callbacks cannot hold a ref to the flow table).
    private FlowRecord _current;
    private long _now;
    private long _number;
    private readonly List<FlowApp> _apps = [];
    private readonly Stack<int> _free = new();
    private DnsMessageReader _dns;

    /// <summary>Bytes a SOCKS handshake may take per direction before it is given up: a v5 CONNECT with the longest name and
    /// a username/password exchange fit in well under 1 KiB.</summary>
    private const int MaxSocksHandshakeBytes = 1024;

    /// <param name="files">Where carved files are stored (shared by all workers; thread-safe), or null.</param>
    /// <param name="intel">Pool lists and learned pools (shared by all workers; thread-safe).</param>
    /// <param name="store">The packet store, to pin the packets of alerted flows (kept longer by retention), or null.</param>
    /// <param name="fileHashes">Digests computed for HTTP files (SHA-256 is added when <paramref name="files"/> is set).</param>
    public AppLayer(EveFormatter eve, FileStore? files, MiningIntel intel, Store.PacketStore? store = null, FileHashes fileHashes = FileHashes.All)
    {
        _eve = eve;
        _store = store;
        _intel = intel;
        _finished = [];
        // HTTP heads are parsed only as deep as reassembly delivers by default; bodies are carved further on request.
        _http = new HttpParserContext(new HttpOptions { ParseDepth = _reassembler.Options.ParseDepth, FileStore = files, FileHashes = fileHashes });
    }

    public void Dispose() => _http.Dispose();

    /// <summary>One packet of a tracked flow (after the flow table has counted it).</summary>
    public void OnPacket(ref FlowRecord flow, in DecodedPacket packet, bool toServer, ReadOnlySpan<byte> frame, long timestamp, long number,
        ref AnomalySet anomalies)
    {
        ReadOnlySpan<byte> payload = packet.PayloadLength == 0
            ? default
            : frame.Slice(packet.PayloadOffset, Math.Min(packet.PayloadLength, frame.Length - packet.PayloadOffset));
        if (packet.Protocol == (byte)IpProtocol.Tcp && (packet.Layers & PacketLayers.Tcp) != 0)
            OnTcp(ref flow, in packet, toServer, payload, timestamp, number, ref anomalies);
        else if (packet.Protocol == (byte)IpProtocol.Udp && !payload.IsEmpty)
            OnUdp(ref flow, in packet, toServer, payload, timestamp, number, ref anomalies);
    }

    private void OnTcp(ref FlowRecord flow, in DecodedPacket packet, bool toServer, ReadOnlySpan<byte> payload, long timestamp, long number,
        ref AnomalySet anomalies)
    {
        // A flow whose protocol needs no more inspection (its TLS handshake is logged, or nothing we parse) stops here.
        if (flow.AppSlot == 0 && payload.IsEmpty && (packet.TcpFlags & (TcpFlags.Syn | TcpFlags.Fin | TcpFlags.Rst)) == 0)
            return;
        FlowApp app = Get(ref flow);
        if (!payload.IsEmpty && app.Protocol is AppProtocol.Tls or AppProtocol.Failed or AppProtocol.None)
            app.Shape.Observe(toServer, payload.Length, timestamp);
        if (!NeedsStream(app))
        {
            CheckMinerSchedule(ref flow, app, timestamp);
            return;
        }

        _streamAnomalies.Clear();
        _current = flow;
        _now = timestamp;
        _number = number;
        var sink = new StreamSink(this, app, toServer);
        _reassembler.Process(ref app.Stream(toServer), packet.TcpSequence, packet.TcpFlags, payload, timestamp, ref sink);
        if ((packet.TcpFlags & TcpFlags.Ack) != 0)
        {
            var peer = new StreamSink(this, app, !toServer);
            _reassembler.Acknowledge(ref app.Stream(!toServer), packet.TcpAcknowledgment, ref peer);
        }

        flow.AppProtocol = (byte)app.Protocol;
        flow.Alerted |= _current.Alerted;
        for (int i = 0; i < _streamAnomalies.Count; i++)
            anomalies.Add(_streamAnomalies[i]);

        if (app.Tls is { } tls && !app.TlsLogged && tls.HasClientHello && tls.HasServerHello && (app.TlsClient.IsDone || app.TlsServer.IsDone))
            LogTls(ref flow, app, timestamp);
        CheckMinerSchedule(ref flow, app, timestamp);
        if (!NeedsStream(app))
            Release(app);
    }

    /// <summary>
    /// Whether the flow's bytes still have a consumer: undecided flows, TLS until its handshake is logged, HTTP, DNS. Flows of
    /// a protocol without a parser yet (SSH, JSON-RPC) and unknown ones stop being reassembled once their
    /// protocol is known, so they cost one branch per packet.
    /// </summary>
    private static bool NeedsStream(FlowApp app) => app.Protocol switch
    {
        AppProtocol.None => true,
        AppProtocol.Tls => !app.TlsLogged,
        AppProtocol.Http => app.Http is not null && !(app.WebSocketToServer is not null && app.MiningGivenUp),
        AppProtocol.Dns => true,
        AppProtocol.JsonRpc => !app.MiningGivenUp,
        AppProtocol.Socks => true,
        _ => false,
    };

    /// <summary>In-order bytes of one direction: decide the protocol on the first bytes, then feed its parser.</summary>
    private long OnStreamData(FlowApp app, bool toServer, ReadOnlySpan<byte> data, long offset)
    {
        if (app.Protocol == AppProtocol.None)
        {
            ref StreamBuffer pending = ref app.Pending(toServer);
            if (pending.Length + data.Length < DetectionBytes && offset + data.Length < DetectionBytes)
            {
                pending.TryAppend(data, DetectionBytes);   // too few bytes to tell yet
                return 0;
            }

            if (pending.Length > 0)
            {
                pending.TryAppend(data, MaxPendingBytes);
                app.Protocol = Detect(pending.Span, _current.ServerPort);
                data = default;   // already in the pending buffer
            }
            else
            {
                app.Protocol = Detect(data, _current.ServerPort);
            }

            _current.AppProtocol = (byte)app.Protocol;
            if (app.Protocol == AppProtocol.Failed)
                ScheduleShapeCheck(app, _current.FirstTimestamp);
            if (app.Protocol == AppProtocol.Tls)
            {
                app.Tls = new TlsHandshakeInfo();
            }
            else if (app.Protocol == AppProtocol.Socks)
            {
                app.Socks = new SocksHandshake();
                if (app.Pending(toServer).Length > 0)
                    return FeedSocks(app, toServer, default);   // the held detection bytes are the handshake's start
            }
            else if (app.Protocol == AppProtocol.JsonRpc)
            {
                if (app.Pending(toServer).Length > 0)
                {
                    // The detection bytes were held back: they are the stream so far, framed into lines from the buffer.
                    FeedJsonLines(app, toServer, default);
                    data = default;
                }
            }
            else if (app.Protocol == AppProtocol.Http)
            {
                app.Http = new HttpParser(_http);
                ref StreamBuffer first = ref app.Pending(toServer);
                if (first.Length > 0)
                {
                    // The detection bytes were held back: they are the start of the message.
                    var httpSink = new HttpSink(this, app);
                    long wanted = app.Http.OnData(toServer, first.Span, ref httpSink);
                    first.Clear();
                    return StreamOffset(app, toServer, wanted);
                }
            }
        }

        if (app.Protocol == AppProtocol.Tls)
        {
            FeedTls(app, toServer, data);
        }
        else if (app.Protocol == AppProtocol.Dns)
        {
            FeedDnsOverTcp(app, toServer, data);
        }
        else if (app.Protocol == AppProtocol.Http && app.Http is not null)
        {
            return FeedHttp(app, toServer, data, offset);
        }
        else if (app.Protocol == AppProtocol.JsonRpc)
        {
            if (!data.IsEmpty)
                FeedJsonLines(app, toServer, data);
        }
        else if (app.Protocol == AppProtocol.Socks)
        {
            return FeedSocks(app, toServer, data);
        }

        return 0;
    }

    /// <summary>HTTP, and after an upgrade to WebSocket, the WebSocket messages (web miners speak JSON in them).</summary>
    private long FeedHttp(FlowApp app, bool toServer, ReadOnlySpan<byte> data, long offset)
    {
        HttpParser http = app.Http!;
        offset -= app.TunnelStart(toServer);   // HTTP's positions count from where HTTP began (after a SOCKS handshake)
        long tunnel = http.TunnelOffset(toServer);
        long wanted = 0;
        if (tunnel < 0 || app.WebSocketToServer is null)
        {
            var httpSink = new HttpSink(this, app);
            wanted = http.OnData(toServer, data, ref httpSink);
            tunnel = http.TunnelOffset(toServer);
        }

        if (tunnel >= 0 && app.WebSocketToServer is not null && !app.MiningGivenUp && offset + data.Length > tunnel)
        {
            WebSocketReader reader = toServer ? app.WebSocketToServer : app.WebSocketToClient!;
            var sink = new WebSocketSink(this, app, toServer);
            reader.Feed(data[(int)Math.Max(0, tunnel - offset)..], ref sink);
        }

        return StreamOffset(app, toServer, wanted);
    }

    /// <summary>An HTTP parser's wanted offset (0: none) as a TCP stream offset, for the reassembler.</summary>
    private static long StreamOffset(FlowApp app, bool toServer, long httpOffset) =>
        httpOffset > 0 ? httpOffset + app.TunnelStart(toServer) : 0;

    /// <summary>
    /// The SOCKS handshake; once the tunnel is open, the stream after it in each direction is detected afresh (a pool
    /// session inside is parsed as if the miner had connected directly, and its report names the proxy's target).
    /// </summary>
    private long FeedSocks(FlowApp app, bool toServer, ReadOnlySpan<byte> data)
    {
        SocksHandshake socks = app.Socks!;
        ref StreamBuffer pending = ref app.Pending(toServer);
        ReadOnlySpan<byte> input = data;
        if (pending.Length > 0)
        {
            if (!pending.TryAppend(data, MaxSocksHandshakeBytes))
            {
                _streamAnomalies.Add(Anomaly.SocksInvalidHandshake);
                app.Protocol = AppProtocol.Failed;
                app.ServerBound.Clear();
                app.ClientBound.Clear();
                return 0;
            }

            input = pending.Span;
        }

        int used = socks.Feed(toServer, input, ref _streamAnomalies);
        if (socks.State == SocksState.Failed)
        {
            app.Protocol = AppProtocol.Failed;
            app.ServerBound.Clear();
            app.ClientBound.Clear();
            return 0;
        }

        if (socks.State == SocksState.Handshake)
        {
            if (pending.Length > 0)
                pending.Consume(used);
            else if (used < input.Length && !pending.TryAppend(input[used..], MaxSocksHandshakeBytes))
                _streamAnomalies.Add(Anomaly.SocksInvalidHandshake);
            return 0;
        }

        // Tunnel open: what is left in this direction, and what the other direction held back, is the tunnelled stream.
        // It starts in each direction after that direction's handshake bytes; parsers that track stream positions (HTTP's
        // tunnel offsets, for a WebSocket inside) count from there.
        app.SocksTunnelToServer = socks.ClientBytes;
        app.SocksTunnelToClient = socks.ServerBytes;
        byte[] rest = input[used..].ToArray();
        byte[] other = app.Pending(!toServer).Span.ToArray();
        app.ServerBound.Clear();
        app.ClientBound.Clear();
        app.Protocol = AppProtocol.None;
        // Each handshake direction is at least DetectionBytes long, so detection decides on these bytes at once.
        if (other.Length > 0)
            OnStreamData(app, !toServer, other, app.TunnelStart(!toServer));
        if (rest.Length > 0)
            OnStreamData(app, toServer, rest, app.TunnelStart(toServer));
        return 0;
    }

    private void OnStreamGap(FlowApp app, bool toServer, long length)
    {
        if (app.WebSocketToServer is not null)
        {
            // A WebSocket stream cannot be resynchronised after a hole: stop reading it.
            app.MiningGivenUp = true;
        }

        // A parser cannot resume inside a message after a hole: drop what it was waiting on.
        app.Pending(toServer).Clear();
        if (app.Http is not null)
        {
            var httpSink = new HttpSink(this, app);
            app.Http.OnGap(toServer, length, ref httpSink);
        }
    }

    private void OnStreamEnd(FlowApp app, bool toServer)
    {
        if (app.Http is not null)
        {
            var httpSink = new HttpSink(this, app);
            app.Http.OnEnd(toServer, ref httpSink);
        }
    }

    /// <summary>The protocol of a stream from its first bytes, by content; ports play no part (DESIGN.md, "Protocols").</summary>
    private static AppProtocol Detect(ReadOnlySpan<byte> first, ushort serverPort)
    {
        // DNS over TCP has no magic of its own: a 2-byte length and a DNS header, believed on the DNS port only.
        if (serverPort == DnsPort && first.Length >= 2 + DnsParser.HeaderLength && ((first[0] << 8) | first[1]) >= DnsParser.HeaderLength &&
            DnsParser.IsKnownOpcode((first[4] >> 3) & 0xF))
            return AppProtocol.Dns;
        if (TlsDetector.LooksLikeTls(first))
            return AppProtocol.Tls;
        if (SocksHandshake.LooksLikeSocks(first))
            return AppProtocol.Socks;
        if (first.StartsWith("SSH-"u8))
            return AppProtocol.Ssh;
        if (LooksLikeHttp(first))
            return AppProtocol.Http;
        int start = first.IndexOfAnyExcept(s_whitespace);
        if (start >= 0 && first[start] == (byte)'{')
            return AppProtocol.JsonRpc;
        return AppProtocol.Failed;
    }

    private static bool LooksLikeHttp(ReadOnlySpan<byte> first) =>
        first.StartsWith("GET "u8) || first.StartsWith("POST "u8) || first.StartsWith("HEAD "u8) || first.StartsWith("PUT "u8) ||
        first.StartsWith("DELETE "u8) || first.StartsWith("OPTIONS "u8) || first.StartsWith("CONNECT "u8) || first.StartsWith("PATCH "u8) ||
        first.StartsWith("TRACE "u8) || first.StartsWith("HTTP/1."u8);

    private void FeedTls(FlowApp app, bool toServer, ReadOnlySpan<byte> data)
    {
        ref TlsParserState state = ref app.TlsState(toServer);
        ref StreamBuffer pending = ref app.Pending(toServer);
        if (state.IsDone)
        {
            pending.Clear();
            return;
        }

        var collector = new TlsHandshakeCollector(app.Tls!, fromServer: !toServer);
        if (pending.Length == 0)
        {
            int used = ParseRecords(data, ref state, ref collector);
            if (!state.IsDone && used < data.Length && !pending.TryAppend(data[used..], MaxPendingBytes))
                _streamAnomalies.Add(Anomaly.TlsInvalidRecord);
            return;
        }

        if (!data.IsEmpty && !pending.TryAppend(data, MaxPendingBytes))
        {
            _streamAnomalies.Add(Anomaly.TlsInvalidRecord);
            pending.Clear();
            return;
        }

        int consumed = ParseRecords(pending.Span, ref state, ref collector);
        if (state.IsDone)
            pending.Clear();
        else
            pending.Consume(consumed);
    }

    /// <summary>DNS over TCP (RFC 1035 §4.2.2): length-prefixed messages, each a <c>dns</c> event like over UDP.</summary>
    private void FeedDnsOverTcp(FlowApp app, bool toServer, ReadOnlySpan<byte> data)
    {
        ref StreamBuffer pending = ref app.Pending(toServer);
        if (!data.IsEmpty && pending.Length > 0 && !pending.TryAppend(data, DnsTcpFraming.MaxMessageLength + 2))
        {
            _streamAnomalies.Add(Anomaly.DnsMalformed);
            pending.Clear();
            return;
        }

        ReadOnlySpan<byte> input = pending.Length > 0 ? pending.Span : data;
        int used = 0;
        while (DnsTcpFraming.TryReadMessage(input[used..], out ReadOnlySpan<byte> message, out int consumed) == OperationStatus.Done)
        {
            used += consumed;
            OnDnsMessage(ref _current, toServer, message, _now, _number, ref _streamAnomalies);
        }

        if (pending.Length > 0)
            pending.Consume(used);
        else if (used < input.Length && !pending.TryAppend(input[used..], DnsTcpFraming.MaxMessageLength + 2))
            _streamAnomalies.Add(Anomaly.DnsMalformed);
    }

    private int ParseRecords(ReadOnlySpan<byte> data, ref TlsParserState state, ref TlsHandshakeCollector collector)
    {
        int used = 0;
        while (used < data.Length && !state.IsDone)
        {
            OperationStatus status = TlsHandshakeParser.TryReadRecord(data[used..], ref state, ref collector, ref _streamAnomalies, out int consumed);
            used += consumed;
            if (status != OperationStatus.Done || consumed == 0)
                break;
        }

        return used;
    }

    private void LogTls(ref FlowRecord flow, FlowApp app, long timestamp)
    {
        TlsEveWriter.Write(_eve, in flow, timestamp, app.Tls!);
        app.TlsLogged = true;
        CheckTls(ref flow, app, app.Tls!, timestamp);
    }

    /// <summary>Nothing more to parse on this flow: give its reassembly buffers back now rather than at flow end.</summary>
    private void Release(FlowApp app)
    {
        _reassembler.Discard(ref app.ToServer);
        _reassembler.Discard(ref app.ToClient);
        app.ServerBound.Clear();
        app.ClientBound.Clear();
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
        FlowApp app = Get(ref flow);
        app.Dns.Resume(flow.AppMessages);
        var sink = new UnansweredSink();
        long txId;
        if (!_dns.IsResponse)
            txId = app.Dns.OnQuery(in _dns, message, timestamp, number, ref anomalies, ref sink);
        else
            app.Dns.TryMatchResponse(in _dns, message, ref anomalies, out _, out txId);
        _dnsWriter.Write(_eve, in flow, timestamp, number, toServer, txId, in _dns, message);
        CheckDns(ref flow, message, timestamp, number);
        if (!flow.IsTcp && app.Dns.Outstanding == 0)
        {
            // Nothing waits for an answer: a UDP DNS flow needs no state until its next message, so its slot goes back to
            // the pool (tens of thousands of one-exchange flows would otherwise each hold one until they time out).
            flow.AppMessages = app.Dns.Messages;
            Free(ref flow, app);
        }
    }

    /// <summary>The flow ended: release its state.</summary>
    public void OnFlowEnd(ref FlowRecord flow)
    {
        if (flow.AppSlot == 0)
            return;
        FlowApp app = _apps[flow.AppSlot - 1];
        var sink = new UnansweredSink();
        app.Dns.Flush(ref sink);
        if (app.Tls is { HasClientHello: true } && !app.TlsLogged)
            LogTls(ref flow, app, flow.LastTimestamp);   // the handshake never finished: log what was seen
        if (app.Http is not null)
        {
            // Deliver what reassembly still holds, then end both directions: every transaction left is written.
            _current = flow;
            _now = flow.LastTimestamp;
            var toServer = new StreamSink(this, app, true);
            var toClient = new StreamSink(this, app, false);
            _reassembler.Close(ref app.ToServer, TcpStreamEnd.Closed, ref toServer);
            _reassembler.Close(ref app.ToClient, TcpStreamEnd.Closed, ref toClient);
            var httpSink = new HttpSink(this, app);
            app.Http.Close(ref httpSink);
            flow.Alerted |= _current.Alerted;
        }

        _current = flow;
        FinishMiner(ref flow, app);
        Free(ref flow, app);
    }

    /// <summary>Returns the flow's slot to the pool.</summary>
    private void Free(ref FlowRecord flow, FlowApp app)
    {
        Release(app);
        app.Reset();
        _free.Push(flow.AppSlot - 1);
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

    /// <summary>An upgrade to WebSocket was accepted: from the tunnel offsets on, both directions are WebSocket frames.</summary>
    private static void StartWebSocket(FlowApp app, HttpTransaction transaction)
    {
        HttpHeaderList request = transaction.Request.Headers;
        HttpHeaderList response = transaction.Response.Headers;
        if (!request.TryGetValue("upgrade"u8, out ReadOnlySpan<byte> upgrade) || !request.TryGetValue("connection"u8, out ReadOnlySpan<byte> connection)
            || !WebSocketHandshake.IsUpgrade(upgrade, connection))
            return;
        bool deflate = response.TryGetValue("sec-websocket-extensions"u8, out ReadOnlySpan<byte> extensions)
            && WebSocketHandshake.NegotiatesPerMessageDeflate(extensions);
        app.WebSocketToServer = new WebSocketReader(fromClient: true, deflate);
        app.WebSocketToClient = new WebSocketReader(fromClient: false, deflate);
    }

    /// <summary>WebSocket messages of the current flow: text messages go to the mining parsers.</summary>
    private readonly struct WebSocketSink(AppLayer layer, FlowApp app, bool toServer) : IWebSocketSink
    {
        public void OnMessage(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool truncated)
        {
            if (opcode == WebSocketOpcode.Text && !truncated)
                layer.FeedJsonText(app, toServer, payload, "websocket");
        }

        public void OnClose(ushort code)
        {
        }

        public void OnAnomaly(Anomaly anomaly) => layer._streamAnomalies.Add(anomaly);
    }

    /// <summary>One direction's reassembled stream, routed to the flow's parsers.</summary>
    private readonly struct StreamSink(AppLayer layer, FlowApp app, bool toServer) : ITcpStreamSink
    {
        public long OnData(ReadOnlySpan<byte> data, long streamOffset) => layer.OnStreamData(app, toServer, data, streamOffset);

        public void OnGap(long streamOffset, long length) => layer.OnStreamGap(app, toServer, length);

        public void OnEnd(TcpStreamEnd reason, long streamOffset) => layer.OnStreamEnd(app, toServer);

        public void OnOverlap(in TcpOverlap overlap) => layer._streamAnomalies.Add(Anomaly.StreamOverlapDifferentData);

        public void OnAnomaly(Anomaly anomaly, long streamOffset) => layer._streamAnomalies.Add(anomaly);
    }

    /// <summary>HTTP transactions and files, written as EVE <c>http</c> and <c>fileinfo</c> events of the current flow.</summary>
    private readonly struct HttpSink(AppLayer layer, FlowApp app) : IHttpSink
    {
        public void OnTransaction(HttpTransaction transaction)
        {
            layer._httpWriter.WriteTransaction(layer._eve, in layer._current, layer._now, transaction);
            layer.CheckIntrusion(app, transaction);
            layer.CheckHttp(app, transaction);
            if ((transaction.Flags & HttpTransactionFlags.Tunnel) != 0 && transaction.StatusCode == 101)
                StartWebSocket(app, transaction);
        }

        public void OnFile(HttpTransaction transaction, HttpFile file)
        {
            layer._httpWriter.WriteFile(layer._eve, in layer._current, layer._now, transaction, file);
            KeepRequestBody(app, file);
            layer.OnHttpFile(app, file);
        }

        public void OnAnomaly(Anomaly anomaly, bool toServer, long transactionId) => layer._streamAnomalies.Add(anomaly);
    }
}
