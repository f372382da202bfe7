using System.IO.Compression;
using System.Text;
using Assay.Synthesis.Payloads;

namespace Assay.Synthesis.Tests.Payloads;

public class HttpMessagesTests
{
    private static (string Head, byte[] Body) Split(byte[] message)
    {
        int end = message.AsSpan().IndexOf("\r\n\r\n"u8);
        return (Encoding.ASCII.GetString(message, 0, end), message[(end + 4)..]);
    }

    [Fact]
    public void RequestWithBodyGetsContentLength()
    {
        (string head, byte[] body) = Split(HttpMessages.Request("POST", "/x", "example.com", null, "abc"u8));
        Assert.Equal("POST /x HTTP/1.1\r\nHost: example.com\r\nContent-Length: 3", head);
        Assert.Equal("abc"u8.ToArray(), body);
    }

    [Fact]
    public void ChunkedGzipResponseDecodesToTheOriginal()
    {
        byte[] content = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("hello chunked world ", 500)));
        (string head, byte[] body) = Split(HttpMessages.Ok("text/plain", content, DateTimeOffset.UnixEpoch, gzip: true, chunkSize: 100));
        Assert.Contains("Transfer-Encoding: chunked", head, StringComparison.Ordinal);
        Assert.Contains("Content-Encoding: gzip", head, StringComparison.Ordinal);
        Assert.DoesNotContain("Content-Length", head, StringComparison.Ordinal);
        Assert.Contains("Date: Thu, 01 Jan 1970 00:00:00 GMT", head, StringComparison.Ordinal);

        var dechunked = new MemoryStream();
        int offset = 0;
        while (true)
        {
            int lineEnd = body.AsSpan(offset).IndexOf("\r\n"u8);
            int size = Convert.ToInt32(Encoding.ASCII.GetString(body, offset, lineEnd), 16);
            offset += lineEnd + 2;
            if (size == 0)
                break;
            Assert.True(size <= 100);
            dechunked.Write(body, offset, size);
            offset += size + 2;
        }

        Assert.Equal(body.Length, offset + 2);
        using var gzip = new GZipStream(new MemoryStream(dechunked.ToArray()), CompressionMode.Decompress);
        var plain = new MemoryStream();
        gzip.CopyTo(plain);
        Assert.Equal(content, plain.ToArray());
    }

    [Fact]
    public void ContentLengthMatchesTheBody()
    {
        (string head, byte[] body) = Split(HttpMessages.Response(404, "Not Found", null, "nope"u8));
        Assert.Equal("HTTP/1.1 404 Not Found\r\nContent-Length: 4", head);
        Assert.Equal(4, body.Length);
    }
}
