namespace Assay.Protocols.Http;

/// <summary>Facts about a transaction beyond its fields.</summary>
[Flags]
public enum HttpTransactionFlags : byte
{
    None = 0,
    /// <summary>An HTTP/0.9 request (<c>GET /path</c>, no version, no fields); its response is raw bytes until close.</summary>
    Http09 = 1,
    /// <summary>A response arrived with no request waiting for it (capture started mid-connection, or a lost request).</summary>
    NoRequest = 2,
    /// <summary>The connection stopped being HTTP after this transaction (101 Switching Protocols, or CONNECT answered 2xx).</summary>
    Tunnel = 4,
    /// <summary>Written before it finished because the flow held <see cref="HttpOptions.MaxTransactionsPerFlow"/> transactions.</summary>
    Evicted = 8,
}

/// <summary>
/// One request and the response paired with it (by order on the connection, so pipelined requests pair correctly).
/// </summary>
/// <remarks>
/// Handed to <see cref="IHttpSink.OnTransaction"/> and <see cref="IHttpSink.OnFile"/>; valid only during that call — the
/// parser reuses the object (and its pooled buffers) afterwards. Text is raw bytes from the wire (not necessarily UTF-8);
/// the output layer escapes it.
/// </remarks>
public sealed class HttpTransaction
{
    /// <summary>Status code when the status line's code is not three digits (<see cref="StatusText"/> holds it).</summary>
    public const int InvalidStatus = -1;

    internal HttpTransaction()
    {
    }

    /// <summary>0-based position in the flow (Suricata's <c>tx_id</c>; Zeek's <c>trans_depth</c> is this + 1).</summary>
    public long Id { get; internal set; }

    public HttpMessage Request { get; } = new(toServer: true);

    public HttpMessage Response { get; } = new(toServer: false);

    public HttpTransactionFlags Flags { get; internal set; }

    /// <summary>The final response's status code; 0 when no response was seen, <see cref="InvalidStatus"/> when it was not a number.</summary>
    public int StatusCode { get; internal set; }

    /// <summary>The last 1xx status seen (interim 100/102/103 before the final response, or 101 itself), as Zeek's <c>info_code</c>; 0 when none.</summary>
    public int InfoCode { get; internal set; }

    public ReadOnlySpan<byte> Method => Request.Slice(Request.StartLine1);

    /// <summary>The request target as sent (Suricata's <c>http.url</c>, Zeek's <c>uri</c>).</summary>
    public ReadOnlySpan<byte> Uri => Request.Slice(Request.StartLine2);

    /// <summary>The request's protocol, e.g. <c>HTTP/1.1</c>; empty for HTTP/0.9.</summary>
    public ReadOnlySpan<byte> RequestProtocol => Request.Slice(Request.StartLine3);

    public ReadOnlySpan<byte> ResponseProtocol => Response.Slice(Response.StartLine1);

    /// <summary>The status code as sent (three digits, or whatever stood there).</summary>
    public ReadOnlySpan<byte> StatusText => Response.Slice(Response.StartLine2);

    public ReadOnlySpan<byte> ReasonPhrase => Response.Slice(Response.StartLine3);

    /// <summary>The <c>Host</c> field, whole (may carry <c>:port</c>; see <see cref="HostName"/>).</summary>
    public ReadOnlySpan<byte> Host => Request.Slice(Request.Host);

    /// <summary>The host without a port: from <c>Host</c>, else from an absolute-form request target.</summary>
    public ReadOnlySpan<byte> HostName => SplitHost(HostSource(), out _);

    /// <summary>The port written in <c>Host</c> (or the absolute target), or -1.</summary>
    public int HostPort
    {
        get
        {
            SplitHost(HostSource(), out int port);
            return port;
        }
    }

    public ReadOnlySpan<byte> UserAgent => Request.Slice(Request.UserAgent);

    public ReadOnlySpan<byte> Referer => Request.Slice(Request.Referer);

    public ReadOnlySpan<byte> XForwardedFor => Request.Slice(Request.XForwardedFor);

    public ReadOnlySpan<byte> RequestContentType => Request.Slice(Request.ContentType);

    public ReadOnlySpan<byte> ResponseContentType => Response.Slice(Response.ContentType);

    /// <summary>The response's <c>Location</c> (Suricata's <c>http.redirect</c>).</summary>
    public ReadOnlySpan<byte> Location => Response.Slice(Response.Location);

    public bool IsHead => Method.SequenceEqual("HEAD"u8);

    /// <summary>The request asked to switch protocols (an <c>Upgrade</c> field): only then does a 101 end HTTP.</summary>
    internal bool RequestUpgrade { get; set; }

    public bool IsConnect => Method.SequenceEqual("CONNECT"u8);

    /// <summary>
    /// The name a body is known by: for a response, the <c>filename</c> (or <c>filename*</c>) parameter of its
    /// <c>Content-Disposition</c>; otherwise the last segment of the request target's path (query and fragment removed),
    /// or the whole path when that segment is empty. Raw bytes (not percent-decoded).
    /// </summary>
    public ReadOnlySpan<byte> FileName(bool toServer)
    {
        if (!toServer && !Response.ContentDisposition.IsEmpty)
        {
            ReadOnlySpan<byte> name = HttpFieldParser.DispositionFileName(Response.Slice(Response.ContentDisposition));
            if (!name.IsEmpty)
                return name;
        }

        ReadOnlySpan<byte> path = HttpFieldParser.TargetPath(Uri);
        int slash = path.LastIndexOf((byte)'/');
        ReadOnlySpan<byte> last = path[(slash + 1)..];
        return last.IsEmpty ? path : last;
    }

    internal void Reset()
    {
        Id = 0;
        Request.Reset(toServer: true);
        Response.Reset(toServer: false);
        Flags = HttpTransactionFlags.None;
        StatusCode = 0;
        InfoCode = 0;
        RequestUpgrade = false;
    }

    private ReadOnlySpan<byte> HostSource()
    {
        if (!Request.Host.IsEmpty)
            return Request.Slice(Request.Host);
        return HttpFieldParser.TargetAuthority(Uri);
    }

    /// <summary><c>host[:port]</c> or <c>[v6]:port</c>.</summary>
    private static ReadOnlySpan<byte> SplitHost(ReadOnlySpan<byte> authority, out int port)
    {
        port = -1;
        int colon = authority.LastIndexOf((byte)':');
        if (colon < 0 || authority.IndexOf((byte)']') > colon)
            return authority;
        ReadOnlySpan<byte> digits = authority[(colon + 1)..];
        if (!digits.IsEmpty && digits.Length <= 5 && digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
        {
            int value = 0;
            foreach (byte d in digits)
                value = (value * 10) + (d - '0');
            port = value <= ushort.MaxValue ? value : -1;
        }

        return authority[..colon];
    }
}
