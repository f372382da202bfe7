using System.Buffers;
using System.IO.Compression;
using System.Text;
using Assay.Protocols.Http;
using Assay.Tests;

namespace Assay.Protocols.Tests.Http;

/// <summary>
/// Split everywhere: the same conversation cut at every byte, and delivered one byte per call, gives exactly the same
/// transactions, files and anomalies as delivered whole. Every prefix of a valid request is "need more": no transaction.
/// </summary>
public class HttpSegmentationTests
{
    private static byte[] Gzip(string text)
    {
        var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(Encoding.ASCII.GetBytes(text));
        return output.ToArray();
    }

    /// <summary>Pipelining, 100-continue, chunked with extensions and trailer, gzip, HEAD, 304, a smuggling shape, close-delimited.</summary>
    private static HttpScript Conversation()
    {
        byte[] gzip = Gzip("{\"compressed\": true, \"items\": [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]}");
        return new HttpScript()
            .Request("GET /a.css HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: test\r\nReferer: http://www.example.com/\r\n\r\n"
                + "HEAD /b HTTP/1.1\r\nHost: www.example.com\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nContent-Length: 12\r\n\r\nbody{margin}")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 999\r\n\r\n")
            .Request("POST /up HTTP/1.1\r\nHost: www.example.com\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n")
            .Response("HTTP/1.1 100 Continue\r\n\r\n")
            .Request("hello world")
            .Response("HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n5;ext=1\r\nfirst\r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n")
            .Request("GET /c HTTP/1.1\r\nHost: www.example.com\r\nX-Folded: a\r\n b\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: " + gzip.Length + "\r\n\r\n")
            .Add(false, gzip)
            .Request("POST / HTTP/1.1\r\nHost: target\r\nTransfer-Encoding: chunked\r\n\r\n10000000000000000\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: target\r\n\r\n")
            .Response("HTTP/1.1 304 Not Modified\r\n\r\n")
            .Response("HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil the end of the connection");
    }

    [Fact]
    public void EveryCutGivesTheSameResultAsWholeDelivery()
    {
        HttpScript script = Conversation();
        HttpRecorder whole = script.Run();
        Assert.Equal(6, whole.Transactions.Count);
        Assert.Equal(5, whole.Files.Count);
        Assert.NotEmpty(whole.Anomalies);

        for (int at = 1; at < script.Length; at++)
        {
            HttpRecorder split = script.RunSplitAt(at);
            Assert.True(whole.Events.SequenceEqual(split.Events), $"cut at {at}: {Diff(whole.Events, split.Events)}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(7)]
    [InlineData(64)]
    public void SmallPiecesGiveTheSameResultAsWholeDelivery(int piece)
    {
        HttpScript script = Conversation();
        HttpRecorder whole = script.Run();
        HttpRecorder chunked = script.RunChunked(piece);
        Assert.True(whole.Events.SequenceEqual(chunked.Events), Diff(whole.Events, chunked.Events));
    }

    /// <summary>Responses shaped like noxxi's http-evader cases: every recovery path must not depend on where the bytes are cut.</summary>
    public static TheoryData<string> EvasiveResponses => new()
    {
        "HTTP/1.1 204 ok\r\nContent-length: 5\r\n\r\nhello",
        "HTTP/1.1 100 ok\r\nContent-disposition: attachment; filename=\"e.txt\"\r\nContent-length: 5\r\n\r\nhello",
        "HTTP/1.1 304 ok\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\nhello, not chunked at all",
        "HTTP/1.1 200 ok\r\nTransfer-Encoding: chunked\r\n\r\n\vfx\r\n0123456789abcde\r\n0\r\n\r\n",
        "foobar\r\n \r\nHTTP/1.1 200 ok\r\nContent-length: 5\r\n\r\nhello",
        "HTTP/1.1 200 ok\rContent-type: text/plain\n\rTransfer-Encoding\r\n :chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
        "HTTP/1.1 200 ok\r\nContent-Encoding: gz\0ip\r\nContent-length: 5\r\n \nhello",
    };

    [Theory]
    [MemberData(nameof(EvasiveResponses))]
    public void RecoveriesDoNotDependOnWhereTheBytesAreCut(string response)
    {
        HttpScript script = new HttpScript().Request("GET /e.txt HTTP/1.1\r\nHost: h\r\n\r\n").Response(response);
        HttpRecorder whole = script.Run();
        Assert.Single(whole.Files);
        for (int at = 1; at < script.Length; at++)
        {
            HttpRecorder split = script.RunSplitAt(at);
            Assert.True(whole.Events.SequenceEqual(split.Events), $"cut at {at}: {Diff(whole.Events, split.Events)}");
        }

        HttpRecorder bytes = script.RunChunked(1);
        Assert.True(whole.Events.SequenceEqual(bytes.Events), Diff(whole.Events, bytes.Events));
    }

    [Fact]
    public void SegmentedInputVariantsOfARequestStreamAgree()
    {
        byte[] requests = Encoding.ASCII.GetBytes(
            "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nContent-Length: 3\r\n\r\nabcPUT /3 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n");
        List<string>? expected = null;
        foreach ((string name, ReadOnlySequence<byte> input) in SegmentedInput.Variants(requests))
        {
            using var context = new HttpParserContext();
            using var parser = new HttpParser(context);
            var recorder = new HttpRecorder();
            foreach (ReadOnlyMemory<byte> segment in input)
                parser.OnData(true, segment.Span, ref recorder);
            parser.Close(ref recorder);
            Assert.Equal(3, recorder.Transactions.Count);
            expected ??= recorder.Events;
            Assert.True(expected.SequenceEqual(recorder.Events), name);
        }
    }

    [Fact]
    public void EveryPrefixOfAValidRequestIsNeedMore()
    {
        byte[] request = Encoding.ASCII.GetBytes("POST /form HTTP/1.1\r\nHost: h\r\nContent-Type: text/plain\r\nContent-Length: 4\r\n\r\nbody");
        int headLength = request.Length - 4;
        for (int n = 0; n < headLength; n++)
        {
            using var context = new HttpParserContext();
            using var parser = new HttpParser(context);
            var recorder = new HttpRecorder();
            parser.OnData(true, request.AsSpan(0, n), ref recorder);
            Assert.Equal(0, parser.PendingTransactions);
            Assert.Equal(HttpStreamPhase.Head, parser.RequestPhase);
            Assert.Empty(recorder.Events);
        }

        for (int n = headLength; n < request.Length; n++)
        {
            using var context = new HttpParserContext();
            using var parser = new HttpParser(context);
            var recorder = new HttpRecorder();
            parser.OnData(true, request.AsSpan(0, n), ref recorder);
            Assert.Equal(1, parser.PendingTransactions);
            Assert.Equal(HttpStreamPhase.Body, parser.RequestPhase);
            Assert.Empty(recorder.Events);
        }
    }

    [Fact]
    public void EveryPrefixOfAResponseIsNeedMore()
    {
        byte[] response = Encoding.ASCII.GetBytes("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
        for (int n = 0; n < response.Length; n++)
        {
            using var context = new HttpParserContext();
            using var parser = new HttpParser(context);
            var recorder = new HttpRecorder();
            parser.OnData(true, "GET / HTTP/1.1\r\n\r\n"u8, ref recorder);
            parser.OnData(false, response.AsSpan(0, n), ref recorder);
            Assert.Empty(recorder.Transactions);
            Assert.Empty(recorder.Files);
            parser.OnData(false, response.AsSpan(n), ref recorder);
            Assert.Single(recorder.Transactions);
        }
    }

    private static string Diff(List<string> expected, List<string> actual)
    {
        for (int i = 0; i < Math.Min(expected.Count, actual.Count); i++)
        {
            if (expected[i] != actual[i])
                return $"event {i}: expected {expected[i]} got {actual[i]}";
        }

        return $"expected {expected.Count} events, got {actual.Count}";
    }
}
