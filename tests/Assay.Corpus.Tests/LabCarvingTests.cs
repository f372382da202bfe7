using System.Security.Cryptography;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// The lab's intrusion capture (a real, lossy transfer with retransmissions) through the whole pipeline: every file the
/// attacker served (truth/hashes.sha256, attacker_www/*) and every HTTP response body the lab recorded (truth/resp-*) is a
/// <c>fileinfo</c> event with the same sha256 and state CLOSED — including the 9 MB miner binary.
/// </summary>
public class LabCarvingTests(ITestOutputHelper output)
{
    [Fact]
    public void EveryTransferredFileIsCarvedWithItsSha256()
    {
        if (Corpus.Root is null)
            return;
        string truth = Corpus.Path("lab/truth/devlab-incident-phpunit");
        var expected = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(Path.Combine(truth, "hashes.sha256")))
        {
            string[] parts = line.Split("  ", 2);
            if (parts.Length == 2 && parts[1].StartsWith("attacker_www/", StringComparison.Ordinal))
                expected[parts[1]] = parts[0];
        }

        foreach (string response in Directory.GetFiles(truth, "resp-*"))
        {
            byte[] body = File.ReadAllBytes(response);
            if (body.Length > 0)   // an empty body is no file (resp-5: the exploit's silent answer)
                expected["truth/" + Path.GetFileName(response)] = Convert.ToHexStringLower(SHA256.HashData(body));
        }

        var run = EngineHarness.Analyze(Corpus.Path("lab/devlab-incident-phpunit.pcap"));
        var carved = run.OfType("fileinfo")
            .Where(f => f.GetProperty("fileinfo").GetProperty("state").GetString() == "CLOSED")
            .Select(f => f.GetProperty("fileinfo").GetProperty("sha256").GetString())
            .ToHashSet(StringComparer.Ordinal);
        var missing = expected.Where(e => !carved.Contains(e.Value)).Select(e => $"{e.Key} {e.Value}").ToList();
        output.WriteLine($"{expected.Count - missing.Count}/{expected.Count} transferred files carved with their sha256 ({carved.Count} closed files in all)");
        Assert.True(expected.Count >= 3, "truth lists too few files");
        Assert.Empty(missing);
    }
}
