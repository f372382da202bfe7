using System.Globalization;
using System.IO.Compression;
using System.Text;

namespace Assay.Synthesis.Payloads;

/// <summary>HTTP/1.1 messages (RFC 9112): request line or status line, headers, CRLF, body.</summary>
public static class HttpMessages
{
    private const string CrLf = "\r\n";

    /// <summary>
    /// A request. <c>Host</c> comes first; a <c>Content-Length</c> is added when there is a body and the caller did not set one.
    /// </summary>
    public static byte[] Request(string method, string target, string host, IEnumerable<KeyValuePair<string, string>>? headers = null,
        ReadOnlySpan<byte> body = default)
    {
        var text = new StringBuilder();
        text.Append(method).Append(' ').Append(target).Append(" HTTP/1.1").Append(CrLf);
        text.Append("Host: ").Append(host).Append(CrLf);
        bool hasLength = AppendHeaders(text, headers);
        if (!body.IsEmpty && !hasLength)
            text.Append("Content-Length: ").Append(body.Length.ToString(CultureInfo.InvariantCulture)).Append(CrLf);
        text.Append(CrLf);
        return Concat(Encoding.ASCII.GetBytes(text.ToString()), body);
    }

    /// <summary>A <c>GET</c> with the headers curl 7.x sends (<c>User-Agent: curl/…</c>, <c>Accept: */*</c>).</summary>
    public static byte[] CurlGet(string target, string host, string curlVersion = "7.68.0") =>
        Request("GET", target, host, [new("User-Agent", "curl/" + curlVersion), new("Accept", "*/*")]);

    /// <summary>A browser-like <c>GET</c>.</summary>
    public static byte[] BrowserGet(string target, string host, string userAgent) =>
        Request("GET", target, host,
        [
            new("User-Agent", userAgent),
            new("Accept", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"),
            new("Accept-Language", "en-US,en;q=0.5"),
            new("Accept-Encoding", "gzip, deflate"),
            new("Connection", "keep-alive"),
        ]);

    /// <summary>
    /// A response. With <paramref name="gzip"/> the body is gzip-compressed and <c>Content-Encoding: gzip</c> is added; with
    /// <paramref name="chunkSize"/> &gt; 0 it is sent with <c>Transfer-Encoding: chunked</c> in chunks of that size, otherwise with
    /// <c>Content-Length</c>.
    /// </summary>
    public static byte[] Response(int status, string reason, IEnumerable<KeyValuePair<string, string>>? headers, ReadOnlySpan<byte> body,
        bool gzip = false, int chunkSize = 0)
    {
        byte[] content = gzip ? Gzip(body) : body.ToArray();
        var text = new StringBuilder();
        text.Append("HTTP/1.1 ").Append(status.ToString(CultureInfo.InvariantCulture)).Append(' ').Append(reason).Append(CrLf);
        AppendHeaders(text, headers);
        if (gzip)
            text.Append("Content-Encoding: gzip").Append(CrLf);
        if (chunkSize > 0)
            text.Append("Transfer-Encoding: chunked").Append(CrLf);
        else
            text.Append("Content-Length: ").Append(content.Length.ToString(CultureInfo.InvariantCulture)).Append(CrLf);
        text.Append(CrLf);
        byte[] head = Encoding.ASCII.GetBytes(text.ToString());
        return chunkSize > 0 ? Concat(head, Chunk(content, chunkSize)) : Concat(head, content);
    }

    /// <summary><c>200 OK</c> with a content type, a nginx <c>Server</c> header and a fixed <c>Date</c>.</summary>
    public static byte[] Ok(string contentType, ReadOnlySpan<byte> body, DateTimeOffset date, bool gzip = false, int chunkSize = 0) =>
        Response(200, "OK",
        [
            new("Server", "nginx/1.18.0"),
            new("Date", date.ToString("r", CultureInfo.InvariantCulture)),
            new("Content-Type", contentType),
            new("Connection", "keep-alive"),
        ], body, gzip, chunkSize);

    /// <summary>Chunked transfer coding (RFC 9112 §7.1): hex size CRLF data CRLF …, then <c>0</c> CRLF CRLF.</summary>
    public static byte[] Chunk(ReadOnlySpan<byte> content, int chunkSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(chunkSize);
        using var stream = new MemoryStream(content.Length + 64);
        for (int offset = 0; offset < content.Length; offset += chunkSize)
        {
            int length = Math.Min(chunkSize, content.Length - offset);
            stream.Write(Encoding.ASCII.GetBytes(length.ToString("x", CultureInfo.InvariantCulture) + CrLf));
            stream.Write(content.Slice(offset, length));
            stream.Write("\r\n"u8);
        }

        stream.Write("0\r\n\r\n"u8);
        return stream.ToArray();
    }

    public static byte[] Gzip(ReadOnlySpan<byte> content)
    {
        using var stream = new MemoryStream();
        using (var gzip = new GZipStream(stream, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(content);
        return stream.ToArray();
    }

    private static bool AppendHeaders(StringBuilder text, IEnumerable<KeyValuePair<string, string>>? headers)
    {
        bool hasLength = false;
        if (headers is null)
            return false;
        foreach ((string name, string value) in headers)
        {
            text.Append(name).Append(": ").Append(value).Append(CrLf);
            hasLength |= name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase)
                || name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase);
        }

        return hasLength;
    }

    private static byte[] Concat(byte[] head, ReadOnlySpan<byte> body)
    {
        byte[] all = new byte[head.Length + body.Length];
        head.CopyTo(all, 0);
        body.CopyTo(all.AsSpan(head.Length));
        return all;
    }
}
