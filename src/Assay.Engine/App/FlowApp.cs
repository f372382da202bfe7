using Assay.Flows.Tcp;
using Assay.Protocols;
using Assay.Protocols.Dns;
using Assay.Protocols.Http;
using Assay.Protocols.Tls;

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
    }
}
