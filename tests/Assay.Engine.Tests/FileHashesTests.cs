using System.Security.Cryptography;
using System.Text.Json;
using Assay.Engine;
using Assay.Protocols.Http;
using Assay.Synthesis.Scenarios;

namespace Assay.Tests.Engine;

/// <summary><see cref="AnalysisOptions.FileHashes"/> reaches the HTTP parsers: fileinfo events and tool-download alerts carry
/// only the digests computed; carving still names files by their SHA-256.</summary>
public sealed class FileHashesTests : IDisposable
{
    private static readonly string[] s_digests = ["md5", "sha1", "sha256"];

    private readonly string _dir = Directory.CreateTempSubdirectory("assay-hashes-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Demo()
    {
        string path = Path.Combine(_dir, "demo.pcap");
        if (!File.Exists(path))
            DemoScenario.Write(path, new DemoOptions { Seed = 7, Duration = TimeSpan.FromMinutes(3) });
        return path;
    }

    private static List<JsonElement> FileInfos(EngineHarness.Run run) => [.. run.OfType("fileinfo").Select(e => e.GetProperty("fileinfo"))];

    private static List<JsonElement> ToolDownloads(EngineHarness.Run run) =>
        [.. run.OfType("alert").Where(e => e.GetProperty("alert").GetProperty("signature_id").GetInt32() is 9_100_200 or 9_100_201)];

    private static bool Closed(JsonElement file) => file.GetProperty("state").GetString() == "CLOSED";

    [Fact]
    public void ByDefaultClosedFilesHaveAllThreeDigestsAndDownloadsTheirSha256()
    {
        EngineHarness.Run run = EngineHarness.Analyze(Demo(), new AnalysisOptions { Workers = 1 });
        List<JsonElement> files = FileInfos(run);
        Assert.Contains(files, Closed);
        foreach (JsonElement file in files.Where(f => Closed(f) && !f.GetProperty("gaps").GetBoolean()))
        {
            foreach (string name in s_digests)
                Assert.True(file.TryGetProperty(name, out _), $"{name} missing");
        }

        List<JsonElement> downloads = ToolDownloads(run);
        Assert.NotEmpty(downloads);
        Assert.All(downloads, a => Assert.True(a.GetProperty("alert").GetProperty("metadata").TryGetProperty("sha256", out _)));
    }

    [Fact]
    public void NoHashesWritesNoDigestAnywhereAndTheToolDownloadAlertsStillFire()
    {
        EngineHarness.Run run = EngineHarness.Analyze(Demo(), new AnalysisOptions { Workers = 1, FileHashes = FileHashes.None });
        List<JsonElement> files = FileInfos(run);
        Assert.NotEmpty(files);
        foreach (JsonElement file in files)
        {
            foreach (string name in s_digests)
                Assert.False(file.TryGetProperty(name, out _), $"{name} written");
        }

        List<JsonElement> downloads = ToolDownloads(run);
        Assert.NotEmpty(downloads);
        Assert.All(downloads, a => Assert.False(a.GetProperty("alert").GetProperty("metadata").TryGetProperty("sha256", out _)));
    }

    [Fact]
    public void CarvingStoresFilesUnderTheirSha256WhenOnlyMd5WasAskedFor()
    {
        string files = Path.Combine(_dir, "files");
        EngineHarness.Run run = EngineHarness.Analyze(Demo(), new AnalysisOptions { Workers = 1, FileHashes = FileHashes.Md5, FilesDirectory = files });

        List<JsonElement> stored = [.. FileInfos(run).Where(f => f.GetProperty("stored").GetBoolean())];
        Assert.NotEmpty(stored);
        foreach (JsonElement file in stored)
        {
            // What was computed is written: the MD5 asked for and the SHA-256 carving needs; no SHA-1.
            Assert.True(file.TryGetProperty("md5", out _));
            Assert.False(file.TryGetProperty("sha1", out _));
            string sha256 = file.GetProperty("sha256").GetString()!;
            string path = Path.Combine(files, sha256[..2], sha256);
            Assert.True(File.Exists(path), path);
            Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))));
        }

        Assert.All(ToolDownloads(run), a => Assert.True(a.GetProperty("alert").GetProperty("metadata").TryGetProperty("sha256", out _)));
    }
}
