namespace Assay.Protocols.Tls;

/// <summary>
/// What one connection's handshake showed, filled once per flow by <see cref="TlsHandshakeCollector"/> and read at the
/// output boundary (strings are made when the hello is seen, a handful per connection). Names follow Suricata's EVE
/// <c>tls</c> object.
/// </summary>
public sealed class TlsHandshakeInfo
{
    private readonly List<string> _clientAlpns = [];
    private readonly List<string> _serverAlpns = [];
    private readonly List<TlsCertificateInfo> _serverCertificates = [];
    private readonly List<TlsCertificateInfo> _clientCertificates = [];

    public bool HasClientHello { get; internal set; }

    public bool HasServerHello { get; internal set; }

    /// <summary>The server sent a HelloRetryRequest (RFC 8446 §4.1.4); server fields then describe the ServerHello after it, if seen.</summary>
    public bool HelloRetryRequest { get; internal set; }

    /// <summary>server_name (SNI) as sent, bytes mapped one to one (Latin-1); null without the extension.</summary>
    public string? ServerName { get; internal set; }

    /// <summary>ClientHello legacy_version.</summary>
    public ushort ClientVersion { get; internal set; }

    /// <summary>The ServerHello's version: supported_versions when present, else legacy_version; 0 before a ServerHello.</summary>
    public ushort NegotiatedVersion { get; internal set; }

    /// <summary>EVE <c>tls.version</c>: Suricata's name for <see cref="NegotiatedVersion"/> ("TLS 1.2", "TLSv1", "UNDETERMINED").</summary>
    public string Version => TlsVersion.GetName(NegotiatedVersion);

    /// <summary>The cipher suite the server chose; 0 before a ServerHello.</summary>
    public ushort CipherSuite { get; internal set; }

    public IReadOnlyList<string> ClientAlpns => _clientAlpns;

    public IReadOnlyList<string> ServerAlpns => _serverAlpns;

    public string? Ja3 { get; internal set; }

    public string? Ja3Hash { get; internal set; }

    public string? Ja3S { get; internal set; }

    public string? Ja3SHash { get; internal set; }

    public string? Ja4 { get; internal set; }

    /// <summary>The server's chain, its own certificate first (TLS ≤ 1.2: TLS 1.3 encrypts it).</summary>
    public IReadOnlyList<TlsCertificateInfo> ServerCertificates => _serverCertificates;

    /// <summary>The client's chain when the server asked for one (TLS ≤ 1.2).</summary>
    public IReadOnlyList<TlsCertificateInfo> ClientCertificates => _clientCertificates;

    /// <summary>The server fields come from a HelloRetryRequest: a later ServerHello replaces them.</summary>
    internal bool ServerHelloIsRetry { get; set; }

    internal List<string> ClientAlpnList => _clientAlpns;

    internal List<string> ServerAlpnList => _serverAlpns;

    internal List<TlsCertificateInfo> ServerCertificateList => _serverCertificates;

    internal List<TlsCertificateInfo> ClientCertificateList => _clientCertificates;
}
