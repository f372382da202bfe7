using System.Security.Cryptography;
using System.Text;
using Assay.Decoding;
using Assay.Protocols.Http;

namespace Assay.Protocols.Tests.Http;

public class HttpParserTests
{
    private const string Get = "GET /index.html HTTP/1.1\r\nHost: example.com:8080\r\nUser-Agent: curl/8.0\r\nReferer: http://ref/\r\n\r\n";

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.Latin1.GetBytes(text)));

    [Fact]
    public void ARequestAndItsResponseMakeOneTransaction()
    {
        HttpRecorder run = new HttpScript()
            .Request(Get)
            .Response("HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5\r\n\r\nhello")
            .Run();

        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal(0, tx.Id);
        Assert.Equal("GET", tx.Method);
        Assert.Equal("/index.html", tx.Uri);
        Assert.Equal("HTTP/1.1", tx.RequestProtocol);
        Assert.Equal("example.com:8080", tx.Host);
        Assert.Equal("example.com", tx.HostName);
        Assert.Equal("curl/8.0", tx.UserAgent);
        Assert.Equal("http://ref/", tx.Referer);
        Assert.Equal(200, tx.StatusCode);
        Assert.Equal("OK", tx.Reason);
        Assert.Equal("text/html", tx.ResponseContentType);
        Assert.Equal(5, tx.ResponseBodyLength);
        Assert.Equal(-1, tx.RequestFileSize);
        Assert.True(tx.RequestComplete && tx.ResponseComplete);
        RecordedFile file = Assert.Single(run.Files);
        Assert.False(file.ToServer);
        Assert.Equal(HttpFileState.Closed, file.State);
        Assert.Equal(5, file.Size);
        Assert.Equal(Sha256("hello"), file.Sha256);
        Assert.Equal("5d41402abc4b2a76b9719d911017c592", file.Md5);
        Assert.Equal("aaf4c61ddcc5e8a2dabede0f3b482cd9aea9434d", file.Sha1);
        Assert.Equal(FileMagicType.AsciiText, file.Magic);
        Assert.Equal("index.html", file.FileName);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void TheTransactionIsWrittenWhenTheResponseEndsNotAtClose()
    {
        using var context = new HttpParserContext();
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        parser.OnData(true, Encoding.ASCII.GetBytes(Get), ref recorder);
        Assert.Empty(recorder.Transactions);
        Assert.Equal(1, parser.PendingTransactions);
        parser.OnData(false, "HTTP/1.1 204 No Content\r\n\r\n"u8, ref recorder);
        Assert.Single(recorder.Transactions);
        Assert.Equal(0, parser.PendingTransactions);
    }

    [Fact]
    public void KeepAliveConnectionsCarryTransactionAfterTransaction()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET /a HTTP/1.1\r\nHost: h\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA")
            .Request("GET /b HTTP/1.1\r\nHost: h\r\n\r\n")
            .Response("HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nBB")
            .Run();

        Assert.Equal(["/a", "/b"], run.Transactions.Select(t => t.Uri));
        Assert.Equal([200, 404], run.Transactions.Select(t => t.StatusCode));
        Assert.Equal([0L, 1L], run.Transactions.Select(t => t.Id));
        Assert.Equal([1L, 2L], run.Files.Select(f => f.Size));
    }

    [Fact]
    public void PipelinedRequestsPairWithResponsesInOrder()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\nHEAD /3 HTTP/1.1\r\nHost: h\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\none")
            .Response("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\ntwo\r\n0\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")
            .Run();

        Assert.Equal(["/1", "/2", "/3"], run.Transactions.Select(t => t.Uri));
        Assert.Equal([200, 201, 200], run.Transactions.Select(t => t.StatusCode));
        Assert.Equal([3L, 3L, 0L], run.Transactions.Select(t => t.ResponseBodyLength));
        Assert.All(run.Transactions, t => Assert.True(t.ResponseComplete));
        Assert.Equal([Sha256("one"), Sha256("two")], run.Files.Select(f => f.Sha256));
    }

    [Fact]
    public void HeadAnd204And304ResponsesHaveNoBody()
    {
        HttpRecorder run = new HttpScript()
            .Request("HEAD /x HTTP/1.1\r\nHost: h\r\n\r\nGET /y HTTP/1.1\r\nHost: h\r\n\r\nGET /z HTTP/1.1\r\nHost: h\r\n\r\nGET /w HTTP/1.1\r\nHost: h\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n")
            .Response("HTTP/1.1 304 Not Modified\r\nContent-Length: 50\r\n\r\n")
            .Response("HTTP/1.1 204 No Content\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .Run();

        Assert.Equal([200, 304, 204, 200], run.Transactions.Select(t => t.StatusCode));
        Assert.Equal([0L, 0L, 0L, 2L], run.Transactions.Select(t => t.ResponseBodyLength));
        Assert.Single(run.Files);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void AnInterimContinueDoesNotConsumeTheRequest()
    {
        HttpRecorder run = new HttpScript()
            .Request("POST /upload HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
            .Response("HTTP/1.1 100 Continue\r\n\r\n")
            .Request("data")
            .Response("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .Run();

        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal(100, tx.InfoCode);
        Assert.Equal(200, tx.StatusCode);
        Assert.Equal(4, tx.RequestBodyLength);
        Assert.Equal(2, tx.ResponseBodyLength);
        Assert.Equal(2, run.Files.Count);
        Assert.True(run.Files[0].ToServer);
        Assert.Equal(Sha256("data"), run.Files[0].Sha256);
        Assert.Equal("upload", run.Files[0].FileName);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void AResponseWithoutLengthEndsWhenTheConnectionCloses()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.0\r\n\r\n")
            .Response("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\npart one, ")
            .Response("part two")
            .Run();

        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.True(tx.ResponseComplete);
        Assert.Equal(18, tx.ResponseBodyLength);
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(HttpFileState.Closed, file.State);
        Assert.Equal(Sha256("part one, part two"), file.Sha256);
        Assert.Equal("/", file.FileName);
    }

    [Fact]
    public void ABodyCutShortByTheEndOfTheConnectionIsTruncated()
    {
        HttpRecorder run = new HttpScript()
            .Request(Get)
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly this")
            .Run();

        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.False(tx.ResponseComplete);
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(HttpFileState.Truncated, file.State);
        Assert.Equal(9, file.Size);
        Assert.Equal(Sha256("only this"), file.Sha256); // the content seen, as Zeek and Suricata hash it
    }

    [Fact]
    public void RequestsWaitingAtTheEndAreWrittenWithoutResponses()
    {
        HttpRecorder run = new HttpScript().Request("GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n").Run();
        Assert.Equal(2, run.Transactions.Count);
        Assert.All(run.Transactions, t => Assert.Equal(0, t.StatusCode));
    }

    [Fact]
    public void AResponseWithNoRequestGetsItsOwnTransaction()
    {
        HttpRecorder run = new HttpScript().Response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi").Run();
        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal(HttpTransactionFlags.NoRequest, tx.Flags);
        Assert.Equal(200, tx.StatusCode);
        Assert.True(run.Has(Anomaly.HttpUnmatchedResponse));
    }

    [Fact]
    public void AnHttp09RequestsResponseIsTheRawStreamUntilClose()
    {
        HttpRecorder run = new HttpScript().Request("GET /old\r\n").Response("<html>raw</html>").Run();
        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal(HttpTransactionFlags.Http09, tx.Flags);
        Assert.Equal("/old", tx.Uri);
        Assert.Equal("", tx.RequestProtocol);
        Assert.Equal(16, tx.ResponseBodyLength);
        Assert.Equal(FileMagicType.Html, Assert.Single(run.Files).Magic);
    }

    [Theory]
    [InlineData("CONNECT host:443 HTTP/1.1\r\nHost: host:443\r\n\r\n", "HTTP/1.1 200 Connection established\r\n\r\n")]
    [InlineData("GET /ws HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n", "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n")]
    public void ATunnelEndsHttpOnTheConnection(string request, string response)
    {
        HttpRecorder run = new HttpScript()
            .Request(request)
            .Response(response)
            .Request("\x16\x03\x01 binary that is not HTTP\r\n\r\n")
            .Response("GET / HTTP/1.1\r\n\r\n")
            .Run();

        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal(HttpTransactionFlags.Tunnel, tx.Flags);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void TheTunnelOffsetOfEachDirectionIsWhereHttpEnded()
    {
        const string request = "GET /proxy HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
        const string response = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
        using var context = new HttpParserContext();
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        parser.OnData(true, Encoding.ASCII.GetBytes(request), ref recorder);
        Assert.Equal(-1, parser.TunnelOffset(toServer: true));
        parser.OnData(false, Encoding.ASCII.GetBytes(response + "\x81\x02hi"), ref recorder);

        Assert.Equal(request.Length, parser.TunnelOffset(toServer: true));
        Assert.Equal(response.Length, parser.TunnelOffset(toServer: false));
        Assert.Equal(HttpTransactionFlags.Tunnel, Assert.Single(recorder.Transactions).Flags);
    }

    [Fact]
    public void AFileKeepsTheFirstDecodedBytesOfItsContent()
    {
        string json = "{\"id\":1,\"method\":\"getwork\",\"params\":[]}";
        string big = new('x', 5000);
        HttpRecorder run = new HttpScript()
            .Request($"POST / HTTP/1.1\r\nContent-Length: {json.Length}\r\n\r\n{json}")
            .Response($"HTTP/1.1 200 OK\r\nContent-Length: {big.Length}\r\n\r\n{big}")
            .Run();

        Assert.Equal(json, run.Files[0].Head);
        Assert.Equal(big[..FileMagic.SniffLength], run.Files[1].Head);
    }

    [Fact]
    public void ChunkedBodiesAreDechunkedWithExtensionsAndTrailers()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "a;name=value\r\n0123456789\r\nA \r\nabcdefghij\r\n00000;last\r\nX-Trailer: 1\r\n\r\n")
            .Run();

        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.True(tx.ResponseComplete);
        Assert.Equal(20, tx.ResponseBodyLength);
        Assert.Equal(Sha256("0123456789abcdefghij"), Assert.Single(run.Files).Sha256);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void ObsoleteLineFoldsAreJoinedAndReported()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\nUser-Agent: first\r\n  second\r\n\tthird\r\nHost: h\r\n\r\n")
            .Run();

        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal("first second third", tx.UserAgent);
        Assert.Equal("h", tx.Host);
        Assert.True(run.Has(Anomaly.HttpObsoleteLineFolding));
    }

    /// <summary>What browsers show for responses shaped like noxxi's http-evader cases, and so what we hash.</summary>
    [Theory]
    [InlineData("HTTP/1.1 204 ok\r\nContent-length: 5\r\n\r\nhello", "hello", Anomaly.HttpUnexpectedBody)]
    [InlineData("HTTP/1.1 304 ok\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "hello", Anomaly.HttpUnexpectedBody)]
    [InlineData("HTTP/1.1 100 ok\r\nContent-length: 5\r\n\r\nhello", "hello", Anomaly.HttpUnexpectedBody)]
    [InlineData("HTTP/1.1 101 ok\r\nContent-length: 5\r\n\r\nhello", "hello", Anomaly.None)]
    [InlineData("HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\nhello", "hello", Anomaly.HttpChunkSizeInvalid)]
    [InlineData("foobar\r\nSIP/2.0 200 OK\r\nHTTP/1.1 200 ok\r\nContent-length: 5\r\n\r\nhello", "hello", Anomaly.HttpInvalidStatusLine)]
    [InlineData(" \x00HTTP/1.1 200 ok\r\nContent-length: 5\r\n\r\nhello", "hello", Anomaly.HttpInvalidStatusLine)]
    [InlineData("HTTP/1.1 200 ok\r\nTransfer-Encoding\r\n :chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "hello", Anomaly.HttpInvalidHeader)]
    [InlineData("HTTP/1.1 200 ok\r\nConnection: close\r\n Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "hello", Anomaly.HttpObsoleteLineFolding)]
    [InlineData("HTTP/1.1 200 ok\r\nTransfer-\0Encoding: chun\0ked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "hello", Anomaly.HttpInvalidHeader)]
    [InlineData("HTTP/1.1 200 ok\r\nTransfer-Encoding\v: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "hello", Anomaly.HttpInvalidHeader)]
    [InlineData("HTTP/1.1 200 ok\r\nContent-length: 5\n \nhello", "hello", Anomaly.None)]
    [InlineData("HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n \r\nX: y\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "hello", Anomaly.HttpObsoleteLineFolding)]
    [InlineData("HTTP/1.1 200 ok\r\nContent-length: 5\n\r\r\nhello", "hello", Anomaly.HttpBareCarriageReturn)]
    public void EvasiveResponsesDeliverWhatBrowsersShow(string response, string content, Anomaly anomaly)
    {
        HttpRecorder run = new HttpScript().Request("GET /e HTTP/1.1\r\nHost: h\r\n\r\n").Response(response).Run();
        RecordedFile file = Assert.Single(run.Files);
        Assert.Equal(Sha256(content), file.Sha256);
        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal("/e", tx.Uri);
        if (anomaly != Anomaly.None)
            Assert.True(run.Has(anomaly), string.Join(", ", run.Anomalies));
    }

    [Fact]
    public void A204FollowedByAResponseHadNoBody()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            .Run();
        Assert.Equal([204, 200], run.Transactions.Select(t => t.StatusCode));
        Assert.Equal([0L, 2L], run.Transactions.Select(t => t.ResponseBodyLength));
        Assert.False(run.Has(Anomaly.HttpUnexpectedBody));
    }

    [Fact]
    public void AnInterimResponseWithFieldsIsReplacedByTheFinalOne()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload\r\nContent-Length: 10\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 2\r\n\r\nok")
            .Run();
        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal(103, tx.InfoCode);
        Assert.Equal(200, tx.StatusCode);
        Assert.Equal("text/plain", tx.ResponseContentType);
        Assert.DoesNotContain("Link", tx.ResponseHeaders, StringComparison.Ordinal);
    }

    [Fact]
    public void ALoneCarriageReturnEndsAHeadLine()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET /f HTTP/1.1\rHost: h\r\n\r\n")
            .Response("HTTP/1.1 200 ok\rContent-disposition: attachment; filename=\"x.txt\"\rContent-length: 4\r\n\nbody")
            .Run();
        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal("h", tx.Host);
        Assert.Equal(4, tx.ResponseBodyLength);
        Assert.Equal("x.txt", Assert.Single(run.Files).FileName);
        Assert.True(run.Has(Anomaly.HttpBareCarriageReturn));
    }

    [Fact]
    public void EmptyLinesBeforeARequestAreSkipped()
    {
        HttpRecorder run = new HttpScript().Request("\r\n\r\nGET / HTTP/1.1\r\n\r\n").Run();
        Assert.Equal("GET", Assert.Single(run.Transactions).Method);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void BareLineFeedsAreAccepted()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET /lf HTTP/1.1\nHost: h\n\n")
            .Response("HTTP/1.1 200 OK\nContent-Length: 2\n\nok")
            .Run();
        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal("h", tx.Host);
        Assert.Equal(2, tx.ResponseBodyLength);
    }

    [Fact]
    public void TheFileNameComesFromContentDisposition()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET /download.php?id=7 HTTP/1.1\r\n\r\nGET /b/ HTTP/1.1\r\n\r\nGET /c/file.bin?x#y HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=\"report q3.pdf\"\r\nContent-Length: 1\r\n\r\nx")
            .Response("HTTP/1.1 200 OK\r\nContent-Disposition: attachment; filename=plain.txt; filename*=UTF-8''na%C3%AFve.txt\r\nContent-Length: 1\r\n\r\nx")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx")
            .Run();

        Assert.Equal(["report q3.pdf", "na%C3%AFve.txt", "file.bin"], run.Files.Select(f => f.FileName));
    }

    [Fact]
    public void AHostInAnAbsoluteTargetIsTheHostName()
    {
        HttpRecorder run = new HttpScript().Request("GET http://proxy.example:3128/a/b HTTP/1.1\r\n\r\n").Run();
        Assert.Equal("proxy.example", Assert.Single(run.Transactions).HostName);
    }

    [Fact]
    public void AStartLineThatIsNotHttpLosesTheDirection()
    {
        HttpRecorder run = new HttpScript()
            .Request("\x16\x03\x01\x02\x00 hello\r\nmore")
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Run();
        Assert.Empty(run.Transactions);
        Assert.True(run.Has(Anomaly.HttpInvalidRequestLine));
    }

    [Fact]
    public void AStatusLineThatIsNotHttpLosesTheResponseDirection()
    {
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("SSH-2.0-OpenSSH_9.6\r\n")
            .Run();
        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal(0, tx.StatusCode);
        Assert.True(run.Has(Anomaly.HttpInvalidStatusLine));
    }

    [Fact]
    public void ANonNumericStatusIsKeptAsText()
    {
        HttpRecorder run = new HttpScript().Request("GET / HTTP/1.1\r\n\r\n").Response("HTTP/1.1 2XX Odd\r\nContent-Length: 0\r\n\r\n").Run();
        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal(HttpTransaction.InvalidStatus, tx.StatusCode);
        Assert.True(run.Has(Anomaly.HttpInvalidStatusLine));
    }

    [Fact]
    public void ARequestLineLongerThanTheCapIsAnAnomalyNotABuffer()
    {
        var options = new HttpOptions { MaxRequestLineLength = 64 };
        HttpRecorder run = new HttpScript().Request("GET /" + new string('a', 100) + " HTTP/1.1\r\n\r\n").Run(options);
        Assert.Empty(run.Transactions);
        Assert.True(run.Has(Anomaly.HttpRequestLineTooLong));
    }

    [Fact]
    public void AHeadLargerThanTheCapIsAnAnomaly()
    {
        var options = new HttpOptions { MaxHeaderBytes = 256 };
        var request = new StringBuilder("GET / HTTP/1.1\r\n");
        for (int i = 0; i < 20; i++)
            request.Append("X-Filler-").Append(i).Append(": 0123456789\r\n");
        request.Append("\r\n");

        using var context = new HttpParserContext(options);
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        byte[] bytes = Encoding.ASCII.GetBytes(request.ToString());
        for (int i = 0; i < bytes.Length; i++)
            parser.OnData(true, bytes.AsSpan(i, 1), ref recorder);
        Assert.Equal(HttpStreamPhase.Lost, parser.RequestPhase);
        Assert.True(recorder.Has(Anomaly.HttpHeaderBlockTooLarge));
    }

    [Fact]
    public void FieldsPastMaxHeadersAreNotKeptButStillFrameTheBody()
    {
        var options = new HttpOptions { MaxHeaders = 4 };
        var request = new StringBuilder("POST / HTTP/1.1\r\n");
        for (int i = 0; i < 10; i++)
            request.Append("X-").Append(i).Append(": v\r\n");
        request.Append("Content-Length: 3\r\n\r\nabc");

        HttpRecorder run = new HttpScript().Request(request.ToString()).Request("GET /next HTTP/1.1\r\n\r\n").Run(options);
        Assert.Equal(2, run.Transactions.Count);
        Assert.Equal(4, run.Transactions[0].RequestHeaders.Count(c => c == '|'));
        Assert.Equal(3, run.Transactions[0].RequestBodyLength);
        Assert.True(run.Has(Anomaly.HttpTooManyHeaders));
    }

    [Fact]
    public void TransactionsPastTheCapEvictTheOldest()
    {
        var options = new HttpOptions { MaxTransactionsPerFlow = 8 };
        using var context = new HttpParserContext(options);
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        for (int i = 0; i < 20; i++)
            parser.OnData(true, Encoding.ASCII.GetBytes($"GET /{i} HTTP/1.1\r\n\r\n"), ref recorder);

        Assert.Equal(8, parser.PendingTransactions);
        Assert.Equal(12, recorder.Transactions.Count);
        Assert.All(recorder.Transactions, t => Assert.Equal(HttpTransactionFlags.Evicted, t.Flags));
        Assert.Single(recorder.Anomalies, a => a.Anomaly == Anomaly.HttpTooManyTransactions);
        parser.OnData(false, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"u8, ref recorder);
        Assert.Equal("/12", recorder.Transactions[^1].Uri);
    }

    [Fact]
    public void AGapInsideABodyKeepsFramingAndTruncatesTheFile()
    {
        using var context = new HttpParserContext();
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        parser.OnData(true, "GET /1 HTTP/1.1\r\n\r\nGET /2 HTTP/1.1\r\n\r\n"u8, ref recorder);
        parser.OnData(false, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"u8, ref recorder);
        parser.OnGap(false, 4, ref recorder);
        parser.OnData(false, "xyzHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"u8, ref recorder);
        parser.Close(ref recorder);

        Assert.Equal(2, recorder.Transactions.Count);
        Assert.Equal(10, recorder.Transactions[0].ResponseBodyLength);
        Assert.Equal(HttpFileState.Truncated, recorder.Files[0].State);
        Assert.True(recorder.Files[0].Gaps);
        Assert.Equal(10, recorder.Files[0].Size);
        Assert.Null(recorder.Files[0].Sha256);
        Assert.Equal(HttpFileState.Closed, recorder.Files[1].State);
    }

    [Fact]
    public void AGapInsideAHeadLosesSync()
    {
        using var context = new HttpParserContext();
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        parser.OnData(true, "GET /1 HTTP/1.1\r\nHo"u8, ref recorder);
        parser.OnGap(true, 10, ref recorder);
        parser.OnData(true, "GET /2 HTTP/1.1\r\n\r\n"u8, ref recorder);
        Assert.Equal(HttpStreamPhase.Lost, parser.RequestPhase);
        Assert.True(recorder.Has(Anomaly.HttpGapLostSync));
    }

    [Fact]
    public void NoNewHeadIsParsedPastTheParseDepth()
    {
        var options = new HttpOptions { ParseDepth = 40 };
        HttpRecorder run = new HttpScript()
            .Request("POST /a HTTP/1.1\r\nContent-Length: 30\r\n\r\n" + new string('x', 30) + "GET /b HTTP/1.1\r\n\r\n")
            .Run(options);
        RecordedTransaction tx = Assert.Single(run.Transactions);
        Assert.Equal(30, tx.RequestBodyLength);
    }

    [Fact]
    public void OnDataAsksForTheRestOfABody()
    {
        using var context = new HttpParserContext();
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        parser.OnData(true, "GET / HTTP/1.1\r\n\r\n"u8, ref recorder);
        byte[] head = "HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n"u8.ToArray();
        long wanted = parser.OnData(false, head, ref recorder);
        Assert.Equal(head.Length + 5_000_000L, wanted);
        Assert.Equal(0, parser.OnData(false, new byte[5_000_000], ref recorder));
    }
}
