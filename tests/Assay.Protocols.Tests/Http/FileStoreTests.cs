using System.Security.Cryptography;
using System.Text;
using Assay.Protocols.Http;

namespace Assay.Protocols.Tests.Http;

public sealed class FileStoreTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assay-files-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private static HttpScript Download(string body, int copies = 1, string extra = "")
    {
        var script = new HttpScript();
        for (int i = 0; i < copies; i++)
        {
            script.Request($"GET /f{i} HTTP/1.1\r\n\r\n");
            script.Response($"HTTP/1.1 200 OK\r\n{extra}Content-Length: {body.Length}\r\n\r\n{body}");
        }

        return script;
    }

    private string[] StoredFiles() =>
        Directory.Exists(_directory) ? Directory.GetFiles(_directory, "*", SearchOption.AllDirectories) : [];

    [Fact]
    public void ACompleteBodyIsStoredOnceUnderItsSha256()
    {
        var store = new FileStore(_directory);
        HttpRecorder run = Download("#!/bin/sh\nrm -rf /tmp/x\n", copies: 3).Run(new HttpOptions { FileStore = store });

        string sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes("#!/bin/sh\nrm -rf /tmp/x\n")));
        Assert.All(run.Files, f => Assert.True(f.Stored));
        string path = Assert.Single(StoredFiles());
        Assert.Equal(Path.Combine(_directory, sha[..2], sha), path);
        Assert.Equal(store.PathFor(Convert.FromHexString(sha)), path);
        Assert.Equal("#!/bin/sh\nrm -rf /tmp/x\n", File.ReadAllText(path));
        Assert.Equal(1, store.Stored);
        Assert.Equal(2, store.Duplicates);
        Assert.Equal(FileMagicType.ShellScript, run.Files[0].Magic);
    }

    [Fact]
    public void NothingIsStoredWhenCarvingIsOff()
    {
        HttpRecorder run = Download("content").Run();
        Assert.False(Assert.Single(run.Files).Stored);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public void ABodyLargerThanTheCarveLimitIsHashedButNotStored()
    {
        var store = new FileStore(_directory, maxFileSize: 10);
        HttpRecorder run = Download(new string('x', 11)).Run(new HttpOptions { FileStore = store });
        RecordedFile file = Assert.Single(run.Files);
        Assert.False(file.Stored);
        Assert.NotNull(file.Sha256);
        Assert.Empty(StoredFiles());
        Assert.Equal(1, store.TooLarge);
    }

    [Fact]
    public void TheCarveLimitIsIndependentOfParsingLimits()
    {
        var store = new FileStore(_directory, maxFileSize: 1000);
        var options = new HttpOptions { FileStore = store, MaxHeaderBytes = 100, ParseDepth = 200 };
        HttpRecorder run = Download(new string('y', 900)).Run(options);
        Assert.True(Assert.Single(run.Files).Stored);
    }

    [Fact]
    public void ATruncatedBodyIsNotStoredAndLeavesNoTemporaryFile()
    {
        var store = new FileStore(_directory);
        HttpRecorder run = new HttpScript()
            .Request("GET / HTTP/1.1\r\n\r\n")
            .Response("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")
            .Run(new HttpOptions { FileStore = store });
        Assert.False(Assert.Single(run.Files).Stored);
        Assert.Empty(StoredFiles());
    }

    [Fact]
    public void ADiscardedFlowLeavesNoTemporaryFile()
    {
        var store = new FileStore(_directory);
        using var context = new HttpParserContext(new HttpOptions { FileStore = store });
        var recorder = new HttpRecorder();
        using (var parser = new HttpParser(context))
        {
            parser.OnData(true, "GET / HTTP/1.1\r\n\r\n"u8, ref recorder);
            parser.OnData(false, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"u8, ref recorder);
            Assert.Single(StoredFiles());
        }

        Assert.Empty(StoredFiles());
    }
}
