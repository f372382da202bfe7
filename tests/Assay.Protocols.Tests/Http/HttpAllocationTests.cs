using System.Text;
using Assay.Decoding;
using Assay.Protocols.Http;

namespace Assay.Protocols.Tests.Http;

/// <summary>Steady-state parsing allocates nothing: heads, transactions and body decoders (with their hash objects) are pooled.</summary>
public class HttpAllocationTests
{
    private struct CountingSink : IHttpSink
    {
        public int Transactions;
        public int Files;
        public int Anomalies;

        public void OnTransaction(HttpTransaction transaction) => Transactions++;

        public void OnFile(HttpTransaction transaction, HttpFile file) => Files++;

        public void OnAnomaly(Anomaly anomaly, bool toServer, long transactionId) => Anomalies++;
    }

    [Theory]
    [InlineData(FileHashes.All)]
    [InlineData(FileHashes.None)]
    [InlineData(FileHashes.Md5)]
    [InlineData(FileHashes.Sha1 | FileHashes.Sha256)]
    public void KeepAliveTransactionsAllocateNothingAfterWarmUp(FileHashes hashes)
    {
        byte[] requests = Encoding.ASCII.GetBytes(
            "GET /style.css HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: Mozilla/5.0\r\nAccept: */*\r\nReferer: http://www.example.com/\r\n\r\n"
            + "POST /form HTTP/1.1\r\nHost: www.example.com\r\nContent-Length: 11\r\n\r\nhello world");
        byte[] responses = Encoding.ASCII.GetBytes(
            "HTTP/1.1 200 OK\r\nContent-Type: text/css\r\nContent-Length: 20\r\n\r\nbody { margin: 0; }\n"
            + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n");

        using var context = new HttpParserContext(new HttpOptions { FileHashes = hashes });
        using var parser = new HttpParser(context);
        var sink = new CountingSink();
        for (int i = 0; i < 100; i++)
            Exchange(parser, requests, responses, ref sink);

        // Best of three: a GC caused by other tests running in parallel can trim ArrayPool.Shared, and the next rent after
        // a trim allocates once.
        long allocated = long.MaxValue;
        for (int attempt = 0; attempt < 3 && allocated != 0; attempt++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 1000; i++)
                Exchange(parser, requests, responses, ref sink);
            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.Equal(0, sink.Anomalies);
        Assert.True(sink.Transactions >= 2200 && sink.Files == sink.Transactions * 3 / 2, $"{sink.Transactions} transactions, {sink.Files} files");
        Assert.Equal(0, allocated);
    }

    private static void Exchange(HttpParser parser, byte[] requests, byte[] responses, ref CountingSink sink)
    {
        // Delivered in TCP-sized pieces, the way the reassembler hands them over.
        for (int i = 0; i < requests.Length; i += 60)
            parser.OnData(true, requests.AsSpan(i, Math.Min(60, requests.Length - i)), ref sink);
        for (int i = 0; i < responses.Length; i += 45)
            parser.OnData(false, responses.AsSpan(i, Math.Min(45, responses.Length - i)), ref sink);
    }
}
