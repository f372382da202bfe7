using System.Diagnostics;
using System.Text.Json;
using Assay.Synthesis.Scenarios;
using Xunit.Abstractions;

namespace Assay.Tests.Cli;

/// <summary>The <c>assay</c> executable as a user runs it: exit codes, one-line errors, no stack traces.</summary>
public sealed class CliTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("assay-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private sealed record Result(int ExitCode, string Stdout, string Stderr);

    private Result Assay(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _dir,
        };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "assay.dll"));
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(120)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException("assay " + string.Join(' ', args) + " did not finish");
        }

        var result = new Result(process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
        output.WriteLine($"assay {string.Join(' ', args)} → {result.ExitCode}\n{result.Stderr}");
        return result;
    }

    private static void AssertNoStackTrace(Result result)
    {
        Assert.DoesNotContain("   at ", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("Exception", result.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void AFileThatIsNotACaptureIsOneClearLineAndExitCode2()
    {
        string text = Path.Combine(_dir, "notes.txt");
        File.WriteAllText(text, "this is not a capture\n");
        Result result = Assay("analyze", text, "-d", Path.Combine(_dir, "out"));
        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("notes.txt", line, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir, "out", "eve.json")));
    }

    [Fact]
    public void MissingEmptyAndDirectoryInputsAreRejectedTogether()
    {
        string empty = Path.Combine(_dir, "empty.pcap");
        File.WriteAllBytes(empty, []);
        Result result = Assay("analyze", Path.Combine(_dir, "nope.pcap"), empty, _dir, "-d", Path.Combine(_dir, "out"));
        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        Assert.Equal(3, result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Theory]
    [InlineData("libpcap/tests/pcap-invalid-version-1.pcap")]
    [InlineData("libpcap/tests/pcap-invalid-version-2.pcap")]
    [InlineData("libpcap/tests/pcapng-invalid-vers-1.pcapng")]
    [InlineData("libpcap/tests/pcapng-invalid-vers-2.pcapng")]
    [InlineData("libpcap/tests/shb-option-too-long.pcapng")]
    [InlineData("libpcap/tests/linktype-reserved-field-not-zero.pcap")]
    public void LibpcapsInvalidFilesAreRejectedCleanly(string relative)
    {
        if (Corpus.Root is null)
            return;
        Result result = Assay("analyze", Corpus.Path(relative), "-d", Path.Combine(_dir, "out"));
        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(Path.GetFileName(relative), line, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedCaptureIsAnalyzedUpToTheCutWithAWarning()
    {
        string whole = Path.Combine(_dir, "whole.pcap");
        DemoScenario.Write(whole, new DemoOptions { Duration = TimeSpan.FromMinutes(1) });
        byte[] bytes = File.ReadAllBytes(whole);
        string cut = Path.Combine(_dir, "cut.pcap");
        File.WriteAllBytes(cut, bytes[..(bytes.Length - 10)]);
        Result result = Assay("analyze", cut, "-d", Path.Combine(_dir, "out"), "--json");
        Assert.Equal(0, result.ExitCode);
        AssertNoStackTrace(result);
        Assert.Contains("warning", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("offset", result.Stderr, StringComparison.Ordinal);
        using var summary = JsonDocument.Parse(result.Stdout);
        Assert.True(summary.RootElement.GetProperty("packets").GetInt64() > 0);
        Assert.Single(summary.RootElement.GetProperty("warnings").EnumerateArray());
        Assert.True(new FileInfo(Path.Combine(_dir, "out", "eve.json")).Length > 0);
    }

    [Fact]
    public void DemoGeneratesAndAnalyzesTheBundledCapture()
    {
        Result result = Assay("demo", "-d", Path.Combine(_dir, "demo"), "--json");
        Assert.Equal(0, result.ExitCode);
        using var summary = JsonDocument.Parse(result.Stdout);
        Assert.True(summary.RootElement.GetProperty("packets").GetInt64() > 10_000);
        Assert.True(summary.RootElement.GetProperty("flows").GetProperty("total").GetInt64() > 100);
        Assert.True(File.Exists(Path.Combine(_dir, "demo", "demo.pcap")));
        string[] lines = File.ReadAllLines(Path.Combine(_dir, "demo", "eve.json"));
        Assert.Equal(summary.RootElement.GetProperty("events").GetInt64(), lines.Length);
        Assert.Contains(lines, l => l.Contains("\"event_type\":\"stats\"", StringComparison.Ordinal));

        // The demo's miners are caught: the camera (XMRig, by its login), the printer (stratum v1) — each a host verdict.
        string[] verdicts = [.. summary.RootElement.GetProperty("miners").EnumerateArray().Select(m => m.GetProperty("verdict").GetString()!)];
        foreach (string verdict in verdicts)
            output.WriteLine(verdict);
        Assert.Contains(verdicts, v => v.Contains("XMRig 6.21.0", StringComparison.Ordinal) && v.Contains("Monero", StringComparison.Ordinal));
        Assert.Contains(verdicts, v => v.Contains("Bitcoin-family", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains("\"event_type\":\"miner\"", StringComparison.Ordinal));
    }

    [Fact]
    public void ABadPoolListIsOneClearLineWithItsLineNumberAndExitCode2()
    {
        string capture = Path.Combine(_dir, "c.pcap");
        DemoScenario.Write(capture, new DemoOptions { Duration = TimeSpan.FromMinutes(1) });
        string list = Path.Combine(_dir, "pools.txt");
        File.WriteAllText(list, "# my pools\npool.example.org\n10.0.0.0/33\n");
        Result result = Assay("analyze", capture, "-d", Path.Combine(_dir, "out"), "--pool-list", list);
        Assert.Equal(2, result.ExitCode);
        AssertNoStackTrace(result);
        string line = Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("pools.txt", line, StringComparison.Ordinal);
        Assert.Contains("3", line, StringComparison.Ordinal);

        Result missing = Assay("analyze", capture, "-d", Path.Combine(_dir, "out"), "--pool-list", Path.Combine(_dir, "nope.txt"));
        Assert.Equal(2, missing.ExitCode);
        AssertNoStackTrace(missing);
    }

    [Fact]
    public void AUserPoolListMakesTrafficToThePoolAStrongVerdict()
    {
        string capture = Path.Combine(_dir, "c.pcap");
        DemoScenario.Write(capture, new DemoOptions());
        string list = Path.Combine(_dir, "pools.txt");
        File.WriteAllText(list, "198.51.100.30\tour-tls-pool\n");   // the demo workstation's TLS pool
        Result result = Assay("analyze", capture, "-d", Path.Combine(_dir, "out"), "--pool-list", list, "--json");
        Assert.Equal(0, result.ExitCode);
        string[] miners = File.ReadAllLines(Path.Combine(_dir, "out", "eve.json"))
            .Where(l => l.Contains("\"event_type\":\"miner\"", StringComparison.Ordinal)).ToArray();
        Assert.Contains(miners, l => l.Contains("\"dest_ip\":\"198.51.100.30\"", StringComparison.Ordinal)
            && l.Contains("\"confidence\":\"strong\"", StringComparison.Ordinal) && l.Contains("our-tls-pool", StringComparison.Ordinal));
    }

    [Fact]
    public void StoreFilesKeepsEveryCarvedFileOnceUnderItsSha256()
    {
        string capture = Path.Combine(_dir, "c.pcap");
        DemoScenario.Write(capture, new DemoOptions());
        string data = Path.Combine(_dir, "store");
        Result result = Assay("analyze", capture, "-d", data, "--store-files", "--json");
        Assert.Equal(0, result.ExitCode);
        string[] files = Directory.GetFiles(Path.Combine(data, "files"), "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (string file in files)
        {
            string name = Path.GetFileName(file);
            Assert.Equal(name, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))));
            Assert.Equal(name[..2], Path.GetFileName(Path.GetDirectoryName(file)));
        }

        string eve = File.ReadAllText(Path.Combine(data, "eve.json"));
        Assert.Contains("\"stored\":true", eve, StringComparison.Ordinal);
    }

    [Fact]
    public void FilesListsTheCarvedFilesAndExtractsOneByItsSha256()
    {
        string capture = Path.Combine(_dir, "c.pcap");
        DemoScenario.Write(capture, new DemoOptions());
        string data = Path.Combine(_dir, "store");
        Assert.Equal(0, Assay("analyze", capture, "-d", data, "--store-files", "--json").ExitCode);
        Result list = Assay("files", "-d", data, "--json");
        Assert.Equal(0, list.ExitCode);
        JsonElement[] files = [.. list.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l).RootElement.Clone())];
        Assert.NotEmpty(files);
        // The demo's miner binary (an ELF) is among them, with the flow it came from.
        JsonElement elf = Assert.Single(files, f => f.GetProperty("magic").GetString()!.StartsWith("ELF", StringComparison.Ordinal) && f.GetProperty("stored").GetBoolean());
        Assert.True(elf.GetProperty("flow_id").GetInt64() != 0);
        string sha = elf.GetProperty("sha256").GetString()!;
        string outFile = Path.Combine(_dir, "miner.bin");
        Assert.Equal(0, Assay("files", "-d", data, "--extract", sha, "-o", outFile).ExitCode);
        Assert.Equal(sha, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(outFile))));

        Result unknown = Assay("files", "-d", data, "--extract", new string('0', 64), "-o", outFile);
        Assert.Equal(2, unknown.ExitCode);
        AssertNoStackTrace(unknown);
        Result nowhere = Assay("files", "-d", Path.Combine(_dir, "nothing-here"));
        Assert.Equal(2, nowhere.ExitCode);
        AssertNoStackTrace(nowhere);
    }

    [Fact]
    public void FileHashesChoosesTheDigestsInFileinfo()
    {
        string capture = Path.Combine(_dir, "c.pcap");
        DemoScenario.Write(capture, new DemoOptions { Duration = TimeSpan.FromMinutes(1) });
        string data = Path.Combine(_dir, "sha1");
        Result result = Assay("analyze", capture, "-d", data, "--no-record", "--json", "--file-hashes", "SHA1");
        Assert.Equal(0, result.ExitCode);
        string[] files = FileInfoLines(data);
        Assert.NotEmpty(files);
        Assert.Contains(files, l => l.Contains("\"sha1\":", StringComparison.Ordinal));
        Assert.All(files, l => Assert.DoesNotContain("\"md5\":", l, StringComparison.Ordinal));
        Assert.All(files, l => Assert.DoesNotContain("\"sha256\":", l, StringComparison.Ordinal));

        data = Path.Combine(_dir, "none");
        Assert.Equal(0, Assay("analyze", capture, "-d", data, "--no-record", "--json", "--file-hashes", "none").ExitCode);
        Assert.All(FileInfoLines(data), l => Assert.DoesNotContain("\"sha", l, StringComparison.Ordinal));
        Assert.All(FileInfoLines(data), l => Assert.DoesNotContain("\"md5\":", l, StringComparison.Ordinal));
    }

    [Fact]
    public void StoreFilesStillNamesFilesBySha256WithFileHashesNone()
    {
        string capture = Path.Combine(_dir, "c.pcap");
        DemoScenario.Write(capture, new DemoOptions { Duration = TimeSpan.FromMinutes(1) });
        string data = Path.Combine(_dir, "store");
        Assert.Equal(0, Assay("analyze", capture, "-d", data, "--no-record", "--store-files", "--file-hashes", "none", "--json").ExitCode);
        string[] files = Directory.GetFiles(Path.Combine(data, "files"), "*", SearchOption.AllDirectories);
        Assert.NotEmpty(files);
        foreach (string file in files)
            Assert.Equal(Path.GetFileName(file), Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(file))));
        // The SHA-256 carving computed is written (so `assay files` and `assay story` find the stored copy); nothing else.
        string[] stored = [.. FileInfoLines(data).Where(l => l.Contains("\"stored\":true", StringComparison.Ordinal))];
        Assert.NotEmpty(stored);
        Assert.All(stored, l => Assert.Contains("\"sha256\":", l, StringComparison.Ordinal));
        Assert.All(FileInfoLines(data), l => Assert.DoesNotContain("\"md5\":", l, StringComparison.Ordinal));
        Assert.Equal(0, Assay("files", "-d", data, "--json").ExitCode);
    }

    [Fact]
    public void ABadFileHashesValueIsAUsageErrorNamingTheWord()
    {
        Result result = Assay("analyze", "x.pcap", "-d", Path.Combine(_dir, "o"), "--file-hashes", "md5,sha512");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("sha512", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("md5, sha1, sha256, or none", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        AssertNoStackTrace(result);
        Result sense = Assay("sense", "-i", "lo", "-d", Path.Combine(_dir, "o"), "--file-hashes", "crc32");
        Assert.Equal(1, sense.ExitCode);
        Assert.Contains("crc32", sense.Stderr, StringComparison.Ordinal);
        AssertNoStackTrace(sense);
    }

    private static string[] FileInfoLines(string data) =>
        [.. File.ReadAllLines(Path.Combine(data, "eve.json")).Where(l => l.Contains("\"event_type\":\"fileinfo\"", StringComparison.Ordinal))];

    [Fact]
    public void ADataDirectoryThatIsAFileIsExitCode3()
    {
        string capture = Path.Combine(_dir, "c.pcap");
        DemoScenario.Write(capture, new DemoOptions { Duration = TimeSpan.FromMinutes(1) });
        string file = Path.Combine(_dir, "taken");
        File.WriteAllText(file, "x");
        Result result = Assay("analyze", capture, "-d", file);
        Assert.Equal(3, result.ExitCode);
        AssertNoStackTrace(result);
    }

    [Fact]
    public void BadArgumentsAreUsageErrors()
    {
        Assert.Equal(1, Assay("analyze").ExitCode);
        Assert.Equal(1, Assay("analyze", "x.pcap").ExitCode);   // -d is required
        string capture = Path.Combine(_dir, "c.pcap");
        DemoScenario.Write(capture, new DemoOptions { Duration = TimeSpan.FromMinutes(1) });
        Result zero = Assay("analyze", capture, "-d", Path.Combine(_dir, "o"), "--workers", "0");
        Assert.Equal(1, zero.ExitCode);
        AssertNoStackTrace(zero);
    }
}

public sealed class CliOptionTests
{
    [Fact]
    public void TimeoutOverridesAreParsedAndBadOnesNamed()
    {
        var timeouts = Assay.Cli.CommonOptions.ParseTimeouts(["udp-new=5", "tcp-established=3600"], out string? error);
        Assert.Null(error);
        Assert.Equal(5, timeouts.UdpNew);
        Assert.Equal(3600, timeouts.TcpEstablished);
        Assert.Equal(Assay.Flows.FlowTimeouts.Default.TcpNew, timeouts.TcpNew);

        Assay.Cli.CommonOptions.ParseTimeouts(["udp=5"], out error);
        Assert.Contains("unknown timeout", error, StringComparison.Ordinal);
        Assay.Cli.CommonOptions.ParseTimeouts(["udp-new=-1"], out error);
        Assert.Contains("whole number", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, Assay.Protocols.Http.FileHashes.All)]
    [InlineData("md5", Assay.Protocols.Http.FileHashes.Md5)]
    [InlineData("SHA256", Assay.Protocols.Http.FileHashes.Sha256)]
    [InlineData("md5,Sha1", Assay.Protocols.Http.FileHashes.Md5 | Assay.Protocols.Http.FileHashes.Sha1)]
    [InlineData("md5, sha1 ,sha256", Assay.Protocols.Http.FileHashes.All)]
    [InlineData("sha1,", Assay.Protocols.Http.FileHashes.Sha1)]
    [InlineData("none", Assay.Protocols.Http.FileHashes.None)]
    [InlineData("NONE", Assay.Protocols.Http.FileHashes.None)]
    public void FileHashesAreParsed(string? value, Assay.Protocols.Http.FileHashes expected)
    {
        var hashes = Assay.Cli.CommonOptions.ParseFileHashes(value is null ? null : [value], out string? error);
        Assert.Null(error);
        Assert.Equal(expected, hashes);
    }

    [Fact]
    public void RepeatedFileHashesAdd()
    {
        var hashes = Assay.Cli.CommonOptions.ParseFileHashes(["md5", "sha256", "md5"], out string? error);
        Assert.Null(error);
        Assert.Equal(Assay.Protocols.Http.FileHashes.Md5 | Assay.Protocols.Http.FileHashes.Sha256, hashes);
    }

    [Theory]
    [InlineData("sha512", "'sha512'")]
    [InlineData("md5,crc", "'crc'")]
    [InlineData("md-5", "'md-5'")]
    [InlineData(",", "expected")]
    [InlineData("", "expected")]
    [InlineData("none,md5", "cannot be combined")]
    public void BadFileHashesAreNamed(string value, string expected)
    {
        Assay.Cli.CommonOptions.ParseFileHashes([value], out string? error);
        Assert.NotNull(error);
        Assert.StartsWith("--file-hashes", error, StringComparison.Ordinal);
        Assert.Contains(expected, error, StringComparison.Ordinal);
        if (expected.StartsWith('\''))
            Assert.Contains("md5, sha1, sha256, or none", error, StringComparison.Ordinal);
    }
}
