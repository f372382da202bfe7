namespace Assay.Protocols;

/// <summary>The application protocol of a flow, decided by content (ports are only a hint). Written as EVE <c>app_proto</c>.</summary>
public enum AppProtocol : byte
{
    /// <summary>Not decided yet (or no payload).</summary>
    None,
    Dns,
    Http,
    Tls,
    Ssh,
    /// <summary>Newline-delimited JSON-RPC (stratum and other miner dialects).</summary>
    JsonRpc,
    /// <summary>Payload seen, but no known protocol (Suricata's <c>failed</c>).</summary>
    Failed,
    /// <summary>A SOCKS4/5 proxy handshake (the tunnelled stream after it is detected again and takes its place).</summary>
    Socks,
}

/// <summary>EVE names of <see cref="AppProtocol"/> values.</summary>
public static class AppProtocolNames
{
    /// <summary>Suricata's <c>app_proto</c> word; empty for <see cref="AppProtocol.None"/> (the field is left out).</summary>
    public static ReadOnlySpan<byte> Get(AppProtocol protocol) => protocol switch
    {
        AppProtocol.Dns => "dns"u8,
        AppProtocol.Http => "http"u8,
        AppProtocol.Tls => "tls"u8,
        AppProtocol.Ssh => "ssh"u8,
        AppProtocol.JsonRpc => "jsonrpc"u8,
        AppProtocol.Failed => "failed"u8,
        AppProtocol.Socks => "socks"u8,
        _ => default,
    };
}
