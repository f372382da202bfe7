using Assay.Flows.Tcp;
using Assay.Protocols;
using Assay.Protocols.Dns;
using Assay.Output.Mining;
using Assay.Protocols.Http;
using Assay.Protocols.Intel;
using Assay.Protocols.Mining;
using Assay.Protocols.Mining.Shape;
using Assay.Protocols.Socks;
using Assay.Protocols.Tls;
using Assay.Protocols.WebSocket;

namespace Assay.Engine.App;

/// <summary>
/// Application-layer state of one flow, owned by the flow's worker. Created on a flow's first TCP segment or DNS message
/// and recycled through <see cref="AppLayer"/>'s pool when the flow ends, so steady state allocates nothing (a TLS
/// handshake's fingerprints and certificate fields are allocated once, at output frequency).
/// </summary>
internal sealed class FlowApp
{
    public AppProtocol Protocol;

    /// <summary>DNS queries waiting for responses (UDP or TCP DNS flows).</summary>
    public DnsTransactionTable Dns;

    /// <summary>TCP reassembly per direction (client→server, server→client).</summary>
    public TcpStreamState ToServer;
    public TcpStreamState ToClient;

    /// <summary>Unparsed bytes per direction.</summary>
    public StreamBuffer ServerBound;
    public StreamBuffer ClientBound;

    public TlsParserState TlsClient;
    public TlsParserState TlsServer;
    public TlsHandshakeInfo? Tls;
    public bool TlsLogged;

    /// <summary>The flow's HTTP parser (created when the flow is detected as HTTP; returned at flow end).</summary>
    public HttpParser? Http;

    /// <summary>Mining protocol state (JSON-RPC lines, JSON-RPC over HTTP, web-miner WebSocket messages); pooled.</summary>
    public MiningSession? Mining;

    /// <summary>The JSON texts of this flow are not mining (enough of them were read): stop parsing them.</summary>
    public bool MiningGivenUp;

    /// <summary>The first bytes of the last request body, kept until its transaction is inspected for exploits.</summary>
    public byte[]? RequestBodyHead;
    public int RequestBodyHeadLength;

    /// <summary>Per direction: the rest of an overlong JSON line is being skipped up to its newline.</summary>
    public bool SkippingLineToServer;
    public bool SkippingLineToClient;

    /// <summary>Sizes and timing of the flow's payload packets, for the traffic-shape heuristic (TLS and unknown flows).</summary>
    public FlowShape Shape;

    /// <summary>The WebSocket readers after an HTTP upgrade (client→server, server→client).</summary>
    public WebSocketReader? WebSocketToServer;
    public WebSocketReader? WebSocketToClient;

    /// <summary>The SOCKS handshake that opened the flow, kept after it for the tunnel's target.</summary>
    public SocksHandshake? Socks;

    /// <summary>Stream offset per direction where the SOCKS tunnel's payload starts (-1: no tunnel yet).</summary>
    public long SocksTunnelToServer = -1;
    public long SocksTunnelToClient = -1;

    /// <summary>Stream offset where the protocol now parsed began in that direction: after a SOCKS handshake, else 0.</summary>
    public long TunnelStart(bool toServer) => Math.Max(0, toServer ? SocksTunnelToServer : SocksTunnelToClient);

    /// <summary>The best pool match seen for the server (list, learned pool, SNI, Host, SOCKS target), or null.</summary>
    public PoolEvidence? Pool;

    /// <summary>A miner TLS fingerprint matched the ClientHello.</summary>
    public TlsFingerprintMatch? Fingerprint;

    /// <summary>The session's verdict once there is one (kept up to date; written as <c>miner</c> events).</summary>
    public MinerReport? Report;

    /// <summary>Mining alerts already raised on this flow, one bit per <see cref="MinerSignature"/> (by its low two digits).</summary>
    public ulong AlertsRaised;

    /// <summary><see cref="MiningSession.Changes"/> when the last <c>miner</c> event was written (-1: none yet).</summary>
    public int ReportedChanges = -1;

    /// <summary>Packet time of the next verdict check (shape) or update event of a long session; <see cref="long.MaxValue"/>
    /// while nothing is scheduled (the flow is not a candidate).</summary>
    public long NextMinerCheck = long.MaxValue;

    public ref bool SkippingLine(bool toServer) => ref toServer ? ref SkippingLineToServer : ref SkippingLineToClient;

    public ref TcpStreamState Stream(bool toServer) => ref toServer ? ref ToServer : ref ToClient;

    public ref StreamBuffer Pending(bool toServer) => ref toServer ? ref ServerBound : ref ClientBound;

    public ref TlsParserState TlsState(bool toServer) => ref toServer ? ref TlsClient : ref TlsServer;

    public void Reset()
    {
        Protocol = AppProtocol.None;
        Dns.Reset();
        ToServer = default;
        ToClient = default;
        ServerBound.Clear();
        ClientBound.Clear();
        TlsClient.Reset();
        TlsServer.Reset();
        Tls = null;
        TlsLogged = false;
        Http?.Dispose();
        Http = null;
        Mining?.Reset();
        MiningGivenUp = false;
        RequestBodyHeadLength = 0;
        SkippingLineToServer = false;
        SkippingLineToClient = false;
        Shape.Reset();
        WebSocketToServer = null;
        WebSocketToClient = null;
        Socks = null;
        SocksTunnelToServer = -1;
        SocksTunnelToClient = -1;
        Pool = null;
        Fingerprint = null;
        Report = null;
        AlertsRaised = 0;
        ReportedChanges = -1;
        NextMinerCheck = long.MaxValue;
    }
}

/// <summary>Why the server of a flow is believed to be a mining pool; <paramref name="Name"/> names the pool when the evidence does.</summary>
/// <param name="Kind">Evidence kind: <c>pool_list</c>, <c>pool_learned</c>, <c>pool_sni</c>, <c>pool_certificate</c>, <c>pool_http_host</c>, <c>socks_target</c>.</param>
internal sealed record PoolEvidence(string? Name, string Kind, string Sentence, long Timestamp, long PacketNumber);
