using System.Security.Cryptography;
using System.Text;
using Assay.Decoding;
using Assay.Protocols.Http;

namespace Assay.Protocols.Tests.Http;

/// <summary>Content-Length and chunked edge cases: smuggling shapes (Zeek's issue-261 variants) and malformed sizes are
/// anomalies with a defined recovery, never exceptions.</summary>
public class HttpFramingTests
{
    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.Latin1.GetBytes(text)));

    /// <summary>The request shapes of zeek/Traces/http/261: each hides a second request, which Zeek still sees.</summary>
    public static TheoryData<string, string, Anomaly> SmugglingShapes => new()
    {
        { "Transfer-Encoding: chunked\r\n\r\n10000000000000000\r\n\r\n", "/smuggled-chunk-2pow64", Anomaly.HttpChunkSizeInvalid },
        { "Content-Length: 18446744073709551615\r\n\r\n", "/smuggled-cl-uint64max", Anomaly.HttpContentLengthInvalid },
        { "Content-Length: -1\r\n\r\n", "/smuggled-cl-negative", Anomaly.HttpContentLengthInvalid },
        { "Transfer-Encoding: chunked\r\nContent-Length: 50\r\n\r\n0\r\n\r\n", "/smuggled-te-cl", Anomaly.HttpContentLengthAndChunked },
        { "Expect: 100-continue\r\nContent-Length: 0\r\n\r\n", "/smuggled-expect-100", Anomaly.HttpContentLengthZeroExpectContinue },
        { "Content-Length: 00000000000000000000000000000050\r\n\r\n" + new string('X', 50), "/smuggled-leading-zeros", Anomaly.HttpContentLengthLeadingZeros },
        { "Transfer-Encoding:\r\n chunked\r\n\r\n0\r\n\r\n", "/smuggled-obsfold", Anomaly.HttpObsoleteLineFolding },
        { "Transfer-Encoding: chunked, identity\r\n\r\n0\r\n\r\n", "/smuggled-multi-te", Anomaly.HttpTransferEncodingInvalid },
    };

    [Theory]
    [MemberData(nameof(SmugglingShapes))]
    public void TheSmuggledRequestIsSeenAndTheShapeIsNamed(string postFields, string smuggled, Anomaly anomaly)
    {
        HttpRecorder run = new HttpScript()
            .Request("POST / HTTP/1.1\r\nHost: target\r\n" + postFields + "GET " + smuggled + " HTTP/1.1\r\nHost: target\r\n\r\n")
            .Run();

        Assert.Equal(["/", smuggled], run.Transactions.Select(t => t.Uri));
        Assert.True(run.Has(anomaly), string.Join(", ", run.Anomalies));
    }

    [Theory]
    [InlineData("7fffffffffffffff")]
    [InlineData("FFFFFFFFFFFFFFF")]
    public void AHugeButValidChunkSizeReadsToTheEndWithoutHarm(string size)
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + size + "\r\nsome bytes")
            .Run();

        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.False(tx.ResponseComplete);
        Assert.Equal(10, tx.ResponseBodyLength);
        Assert.Equal(HttpFileState.Truncated, Assert.Single(run.Files).State);
        Assert.Empty(run.Anomalies);
    }

    [Theory]
    [InlineData("10000000000000000")]        // 2^64
    [InlineData("8000000000000000")]         // 2^63: does not fit a long
    [InlineData("zz")]
    [InlineData("-1")]
    [InlineData(";ext-without-size")]
    public void AnInvalidChunkSizeEndsTheBodyAndParsingResumes(string size)
    {
        HttpRecorder run = new HttpScript()
            .Request("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nabcd\r\n" + size + "\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .Run();

        Assert.Equal([200, 200], run.Transactions.Select(t => t.StatusCode));
        Assert.Equal(HttpFileState.Truncated, run.Files[0].State);
        Assert.Equal(4, run.Files[0].Size);
        Assert.Equal(HttpFileState.Closed, run.Files[1].State);
        Assert.True(run.Has(Anomaly.HttpChunkSizeInvalid));
    }

    /// <summary>Browsers read the hex digits and ignore the rest (noxxi's http-evader cases 009–022): so do we, and report it.</summary>
    [Theory]
    [InlineData("fx", true)]
    [InlineData("f,", true)]
    [InlineData("f\0", true)]
    [InlineData("f x", true)]
    [InlineData("\vf", false)]
    [InlineData("\ff", false)]
    [InlineData(" f ", false)]
    [InlineData("F;name=\"value\"", false)]
    public void JunkAroundAChunkSizeIsSkipped(string sizeLine, bool junk)
    {
        const string Data = "0123456789abcde";
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response($"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n{sizeLine}\r\n{Data}\r\n{sizeLine}\r\n{Data}\r\n0\r\n\r\n")
            .Run();
        Assert.Equal(Sha256(Data + Data), Assert.Single(run.Files).Sha256);
        Assert.Equal(junk, run.Has(Anomaly.HttpChunkSizeJunk));
        Assert.False(run.Has(Anomaly.HttpChunkSizeInvalid));
    }

    [Theory]
    [InlineData("xchunked")]
    [InlineData("chunkedx")]
    [InlineData("chunked x")]
    [InlineData("x\r\n chunked")]
    [InlineData("\r chunked")]
    public void ChunkedAnywhereInTransferEncodingMeansChunked(string value)
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response($"HTTP/1.1 200 OK\r\nTransfer-Encoding: {value}\r\n\r\n5\r\nhello\r\n0\r\n\r\n")
            .Run();
        Assert.Equal(Sha256("hello"), Assert.Single(run.Files).Sha256);
    }

    [Fact]
    public void AChunkedBodyWhoseTrailerNeverEndsIsCompleteAtClose()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\n")
            .Run();
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(HttpFileState.Closed, file.State);
        Assert.Equal(Sha256("hello"), file.Sha256);
    }

    [Fact]
    public void AChunkedBodyCutAtAChunkBoundaryIsTruncatedButHashed()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            .Run();
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(HttpFileState.Truncated, file.State);
        Assert.Equal(Sha256("hello"), file.Sha256);
    }

    [Fact]
    public void AChunkLineLongerThanTheCapLosesSync()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1;" + new string('e', HttpParser.MaxChunkLineLength) + "\r\nx\r\n0\r\n\r\n")
            .Run();
        Assert.Single(run.Transactions);
        Assert.True(run.Has(Anomaly.HttpChunkLineTooLong));
    }

    [Fact]
    public void ChunkDataWithoutItsCrlfIsReported()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc3\r\ndef\r\n0\r\n\r\n")
            .Run();
        Assert.Equal(Sha256("abcdef"), Assert.Single(run.Files).Sha256);
        Assert.True(run.Has(Anomaly.HttpChunkMissingCrlf));
    }

    [Fact]
    public void AnEmptyChunkedBodyIsNoFile()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n")
            .Run();
        Assert.True(Assert.Single(run.Transactions).ResponseComplete);
        Assert.Empty(run.Files);
    }

    [Fact]
    public void DifferingContentLengthsAreInvalid()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 5\r\n\r\nabcde")
            .Run();
        Assert.True(run.Has(Anomaly.HttpContentLengthMultiple));
        Assert.Equal(5, Assert.Single(run.Transactions).ResponseBodyLength); // invalid length: read to close
    }

    [Fact]
    public void RepeatedEqualContentLengthsAreOneLength()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 3, 3\r\nContent-Length: 3\r\n\r\nabcHTTP/1.1 200 OK\r\n")
            .Run();
        Assert.Empty(run.Anomalies);
        Assert.Equal(3, Assert.Single(run.Transactions).ResponseBodyLength);
    }

    [Fact]
    public void AResponseWithAnUnknownTransferCodingReadsToClose()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\nContent-Length: 2\r\n\r\nabcdef")
            .Run();
        Assert.Equal(6, Assert.Single(run.Transactions).ResponseBodyLength);
        Assert.True(run.Has(Anomaly.HttpTransferEncodingInvalid));
        Assert.True(run.Has(Anomaly.HttpContentLengthAndChunked));
    }

    [Fact]
    public void ChunkedRequestBodiesAreFiles()
    {
        HttpRecorder run = new HttpScript()
            .Request("POST /in HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\nGET /next HTTP/1.1\r\n\r\n")
            .Run();
        Assert.Equal(["/in", "/next"], run.Transactions.Select(t => t.Uri));
        RecordedFile file = Assert.Single(run.Files);
        Assert.True(file.ToServer);
        Assert.Equal(Sha256("hello"), file.Sha256);
    }
}
