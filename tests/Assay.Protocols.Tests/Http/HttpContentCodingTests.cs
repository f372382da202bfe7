using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Assay.Decoding;
using Assay.Protocols.Http;

namespace Assay.Protocols.Tests.Http;

/// <summary>Content-Encoding: bodies are hashed and typed as their decoded content (Zeek's files.log does the same).</summary>
public class HttpContentCodingTests
{
    private static readonly byte[] s_page = Encoding.ASCII.GetBytes(
        "<!DOCTYPE html><html><head><title>t</title></head><body>" + string.Concat(Enumerable.Repeat("<p>repeated text</p>", 200)) + "</body></html>");

    private static byte[] Compress(byte[] data, Func<Stream, Stream> wrap)
    {
        var output = new MemoryStream();
        using (Stream compressor = wrap(output))
            compressor.Write(data);
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data) => Compress(data, s => new GZipStream(s, CompressionLevel.Optimal, leaveOpen: true));

    private static byte[] Zlib(byte[] data) => Compress(data, s => new ZLibStream(s, CompressionLevel.Optimal, leaveOpen: true));

    private static byte[] RawDeflate(byte[] data) => Compress(data, s => new DeflateStream(s, CompressionLevel.Optimal, leaveOpen: true));

    private static HttpScript Respond(string encoding, byte[] body, bool chunked = false)
    {
        var script = new HttpScript().Request("GET /page HTTP/1.1\r\nAccept-Encoding: gzip, deflate\r\n\r\n");
        if (chunked)
        {
            script.Response($"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nTransfer-Encoding: chunked\r\n\r\n");
            for (int i = 0; i < body.Length; i += 100)
            {
                int n = Math.Min(100, body.Length - i);
                script.Response($"{n:x}\r\n").Add(false, body[i..(i + n)]).Response("\r\n");
            }

            return script.Response("0\r\n\r\n");
        }

        return script.Response($"HTTP/1.1 200 OK\r\nContent-Encoding: {encoding}\r\nContent-Length: {body.Length}\r\n\r\n").Add(false, body);
    }

    public static TheoryData<string, string> Encodings => new()
    {
        { "gzip", "gzip" },
        { "x-gzip", "gzip" },
        { "deflate", "zlib" },
        { "deflate", "raw" },
    };

    private static byte[] Encode(string kind, byte[] data) => kind switch
    {
        "gzip" => Gzip(data),
        "zlib" => Zlib(data),
        _ => RawDeflate(data),
    };

    [Theory]
    [MemberData(nameof(Encodings))]
    public void EncodedBodiesAreHashedAsTheirDecodedContent(string encoding, string kind)
    {
        byte[] body = Encode(kind, s_page);
        foreach (bool chunked in new[] { false, true })
        {
            HttpRecorder run = Respond(encoding, body, chunked).RunChunked(7);
            RecordedTransaction tx = Assert.Single(run.Transactions);
            Assert.Equal(body.Length, tx.ResponseBodyLength);
            RecordedFile file = Assert.Single(run.Files);
            Assert.Equal(HttpFileState.Closed, file.State);
            Assert.Equal(s_page.Length, file.Size);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(s_page)), file.Sha256);
            Assert.Equal(FileMagicType.Html, file.Magic);
            Assert.Empty(run.Anomalies);
        }
    }

    [Fact]
    public void ABodyLabelledGzipThatIsNotGzipIsTakenAsIs()
    {
        HttpRecorder run = Respond("gzip", s_page).Run();
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(HttpFileState.Closed, file.State);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(s_page)), file.Sha256);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void CorruptCompressedDataStopsDecodingWithAnAnomaly()
    {
        byte[] body = Gzip(s_page);
        for (int i = 20; i < body.Length - 8; i++)
            body[i] ^= 0x5A;
        HttpRecorder run = Respond("gzip", body).Run();
        Assert.Equal(HttpFileState.Truncated, Assert.Single(run.Files).State);
        Assert.True(run.Has(Anomaly.HttpDecompressionFailed));
        Assert.True(Assert.Single(run.Transactions).ResponseComplete);
    }

    [Fact]
    public void UnsupportedCodingsAreHashedAsSent()
    {
        byte[] body = Gzip(s_page);
        HttpRecorder run = Respond("gzip, br", body).Run();
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(body.Length, file.Size);
        Assert.Equal(FileMagicType.Gzip, file.Magic);
    }

    /// <summary>Codings are listed in the order applied, in one field or several; they are undone last to first (http-evader 125–151).</summary>
    [Theory]
    [InlineData("gzip, gzip", "gzip,gzip")]
    [InlineData("gzip\r\nContent-Encoding: gzip", "gzip,gzip")]
    [InlineData("deflate,deflate", "raw,raw")]
    [InlineData("gzip\r\nContent-Encoding: deflate", "gzip,raw")]
    [InlineData("deflate, identity, gzip", "zlib,gzip")]
    [InlineData("x-gzip, deflate, gzip", "gzip,raw,gzip")]
    public void LayeredCodingsAreUndoneLastFirst(string header, string applied)
    {
        byte[] body = s_page;
        foreach (string kind in applied.Split(','))
            body = Encode(kind, body);
        foreach (int chunk in new[] { int.MaxValue, 1, 13 })
        {
            HttpRecorder run = Respond(header, body).RunChunked(chunk);
            RecordedFile file = Assert.Single(run.Files);
            Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(s_page)), file.Sha256);
            Assert.Equal(HttpFileState.Closed, file.State);
            Assert.Empty(run.Anomalies);
        }
    }

    [Fact]
    public void MoreLayersThanTheCapAreHashedAsSent()
    {
        byte[] body = Gzip(Gzip(Gzip(Gzip(s_page))));
        HttpRecorder run = Respond("gzip, gzip, gzip, gzip", body).Run();
        Assert.Equal(body.Length, Assert.Single(run.Files).Size);
    }

    [Fact]
    public void ANestedBombIsCaughtAtTheFinalLayer()
    {
        var zeros = new byte[64 * 1024 * 1024];
        byte[] bomb = Gzip(Gzip(zeros));
        Assert.True(bomb.Length < 4096, $"{bomb.Length}");
        long before = GC.GetAllocatedBytesForCurrentThread();
        HttpRecorder run = Respond("gzip, gzip", bomb).RunChunked(1460);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(run.Has(Anomaly.HttpDecompressionBomb));
        Assert.InRange(Assert.Single(run.Files).Size, HttpOptions.DefaultDecompressionBombMinimum, 4L * 1024 * 1024);
        Assert.True(allocated < 2 * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void AGzipBombStopsDecodingEarlyAndAllocatesLittle()
    {
        // 256 MiB of zeros compress to ≈ 256 KiB (deflate's ratio tops out near 1,032:1).
        var zeros = new byte[1024 * 1024];
        var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            for (int i = 0; i < 256; i++)
                gzip.Write(zeros);
        }

        byte[] bomb = compressed.ToArray();
        Assert.True(bomb.Length < 512 * 1024);
        HttpScript script = Respond("gzip", bomb);

        long before = GC.GetAllocatedBytesForCurrentThread();
        HttpRecorder run = script.RunChunked(1460);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(run.Has(Anomaly.HttpDecompressionBomb));
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(HttpFileState.Truncated, file.State);
        Assert.InRange(file.Size, HttpOptions.DefaultDecompressionBombMinimum, 4L * 1024 * 1024);
        Assert.Null(file.Sha256);
        Assert.True(Assert.Single(run.Transactions).ResponseComplete, "framing goes on after decoding stops");
        Assert.True(allocated < 2 * 1024 * 1024, $"allocated {allocated} bytes");
    }

    [Fact]
    public void DecodedOutputIsCappedPerBody()
    {
        byte[] text = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("line of moderately compressible text 0123456789\n", 50_000)));
        var options = new HttpOptions { MaxDecodedLength = 100_000 };
        HttpRecorder run = Respond("gzip", Gzip(text)).Run(options);
        Assert.True(run.Has(Anomaly.HttpDecodedLengthLimit));
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(HttpFileState.Truncated, file.State);
        Assert.True(file.Size <= 100_000);
    }

    [Fact]
    public void GzipRequestBodiesAreDecodedToo()
    {
        byte[] body = Gzip(Encoding.ASCII.GetBytes("{\"key\": [1, 2, 3]}"));
        HttpRecorder run = new HttpScript()
            .Request($"POST /api HTTP/1.1\r\nContent-Encoding: gzip\r\nContent-Length: {body.Length}\r\n\r\n")
            .Add(true, body)
            .Run();
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(FileMagicType.Json, file.Magic);
        Assert.Equal(18, file.Size);
    }
}
