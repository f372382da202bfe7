using System.IO.Compression;
using System.Security.Cryptography;
using System.Text;
using Assay.Protocols.Http;

namespace Assay.Protocols.Tests.Http;

/// <summary><see cref="HttpOptions.FileHashes"/>: a file has exactly the digests asked for (plus SHA-256 when carving),
/// each equal to the one-shot hash of the decoded content.</summary>
public sealed class FileHashesTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assay-hashes-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private static readonly byte[] s_body = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat("file content, hashed in pieces; ", 400)));

#pragma warning disable CA5350, CA5351 // MD5 and SHA-1 identify files here (as in Suricata and Zeek logs); nothing is secured with them
    private static readonly string s_md5 = Convert.ToHexStringLower(MD5.HashData(s_body));
    private static readonly string s_sha1 = Convert.ToHexStringLower(SHA1.HashData(s_body));
#pragma warning restore CA5350, CA5351
    private static readonly string s_sha256 = Convert.ToHexStringLower(SHA256.HashData(s_body));

    public static TheoryData<FileHashes> Subsets()
    {
        var data = new TheoryData<FileHashes>();
        for (int i = 0; i <= (int)FileHashes.All; i++)
            data.Add((FileHashes)i);
        return data;
    }

    /// <summary>Two keep-alive downloads (so a pooled decoder is reused), plain and gzip-encoded, chunked on the wire.</summary>
    private static HttpScript Downloads()
    {
        var gzipped = new MemoryStream();
        using (var gzip = new GZipStream(gzipped, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(s_body);
        byte[] encoded = gzipped.ToArray();
        return new HttpScript()
            .Request("GET /plain HTTP/1.1\r\n\r\n")
            .Response($"HTTP/1.1 200 OK\r\nContent-Length: {s_body.Length}\r\n\r\n" + Encoding.Latin1.GetString(s_body))
            .Request("GET /gzip HTTP/1.1\r\n\r\n")
            .Response($"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n{encoded.Length:x}\r\n"
                + Encoding.Latin1.GetString(encoded) + "\r\n0\r\n\r\n");
    }

    private static void AssertDigests(FileHashes expected, RecordedFile file)
    {
        Assert.Equal(HttpFileState.Closed, file.State);
        Assert.Equal(s_body.Length, file.Size);
        Assert.Equal((expected & FileHashes.Md5) != 0 ? s_md5 : null, file.Md5);
        Assert.Equal((expected & FileHashes.Sha1) != 0 ? s_sha1 : null, file.Sha1);
        Assert.Equal((expected & FileHashes.Sha256) != 0 ? s_sha256 : null, file.Sha256);
    }

    [Theory]
    [MemberData(nameof(Subsets))]
    public void EachSubsetGivesExactlyThoseDigestsWithTheRightValues(FileHashes hashes)
    {
        foreach (int chunk in new[] { int.MaxValue, 1000, 7 })
        {
            HttpRecorder run = Downloads().RunChunked(chunk, new HttpOptions { FileHashes = hashes });
            Assert.Equal(2, run.Files.Count);
            Assert.All(run.Files, f => AssertDigests(hashes, f));
            Assert.Empty(run.Anomalies);
        }
    }

    [Fact]
    public void TheDefaultIsAllThree()
    {
        Assert.Equal(FileHashes.All, HttpOptions.Default.FileHashes);
        HttpRecorder run = Downloads().Run();
        Assert.All(run.Files, f => AssertDigests(FileHashes.All, f));
    }

    [Theory]
    [InlineData(FileHashes.Sha1, true, 0, 20, 0)]
    [InlineData(FileHashes.None, false, 0, 0, 0)]   // no digests means none at all, not zeros
    public void TheFileSaysWhichDigestsItHas(FileHashes chosen, bool hasHashes, int md5Length, int sha1Length, int sha256Length)
    {
        using var context = new HttpParserContext(new HttpOptions { FileHashes = chosen });
        using var parser = new HttpParser(context);
        var sink = new FileSink();
        parser.OnData(true, "GET / HTTP/1.1\r\n\r\n"u8, ref sink);
        parser.OnData(false, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"u8, ref sink);
        Assert.Equal(chosen, sink.Hashes);
        Assert.Equal(hasHashes, sink.HasHashes);
        Assert.Equal([md5Length, sha1Length, sha256Length], sink.Lengths);
    }

    [Theory]
    [InlineData(FileHashes.None)]
    [InlineData(FileHashes.Md5)]
    [InlineData(FileHashes.Md5 | FileHashes.Sha1)]
    public void CarvingComputesSha256EvenWhenNotAskedForAndStoresUnderIt(FileHashes hashes)
    {
        var store = new FileStore(_directory);
        var options = new HttpOptions { FileStore = store, FileHashes = hashes };
        Assert.Equal(hashes | FileHashes.Sha256, options.ComputedHashes);
        HttpRecorder run = Downloads().RunChunked(1000, options);

        Assert.Equal(2, run.Files.Count);
        Assert.All(run.Files, f =>
        {
            AssertDigests(hashes | FileHashes.Sha256, f);
            Assert.True(f.Stored);
        });
        string path = Assert.Single(Directory.GetFiles(_directory, "*", SearchOption.AllDirectories));
        Assert.Equal(store.PathFor(Convert.FromHexString(s_sha256)), path);
        Assert.Equal(s_body, File.ReadAllBytes(path));
    }

    [Fact]
    public void AGapLeavesNoDigestWhateverWasAsked()
    {
        using var context = new HttpParserContext(new HttpOptions { FileHashes = FileHashes.Md5 | FileHashes.Sha256 });
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        parser.OnData(true, "GET / HTTP/1.1\r\n\r\n"u8, ref recorder);
        parser.OnData(false, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello"u8, ref recorder);
        parser.OnGap(false, 5, ref recorder);
        parser.Close(ref recorder);
        RecordedFile file = Assert.Single(recorder.Files);
        Assert.Null(file.Md5);
        Assert.Null(file.Sha1);
        Assert.Null(file.Sha256);
    }

    private struct FileSink : IHttpSink
    {
        public FileHashes Hashes;
        public bool HasHashes;
        public int[] Lengths;

        public readonly void OnTransaction(HttpTransaction transaction)
        {
        }

        public void OnFile(HttpTransaction transaction, HttpFile file)
        {
            Hashes = file.Hashes;
            HasHashes = file.HasHashes;
            Lengths = [file.Md5.Length, file.Sha1.Length, file.Sha256.Length];
        }

        public readonly void OnAnomaly(Decoding.Anomaly anomaly, bool toServer, long transactionId)
        {
        }
    }
}
