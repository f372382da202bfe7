using System.Text;
using Assay.Protocols.Http;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Http;

/// <summary>
/// suricata-verify's http-evader cases (noxxi.de's HTTP evader: 501 ways to deliver eicar.txt): Suricata expects exactly
/// one fileinfo event named eicar.txt whose decoded content holds the EICAR string (its rules match file_data). We count
/// the cases where our parser, behind the real reassembler, delivers the same: one body, named eicar.txt, complete, whose
/// carved content holds the EICAR string.
/// </summary>
public sealed class HttpEvaderOracleTests(ITestOutputHelper output) : IDisposable
{
    /// <summary>SHA-256 of the 68-byte EICAR test file.</summary>
    private const string EicarSha256 = "275a021bbfb6489e54d471899f7db9d1663fc695ec2fe2a2c4538aabf651fd0f";

    private readonly string _directory = Path.Combine(Path.GetTempPath(), "assay-evader-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public void EvaderCasesDeliverTheEicarFile()
    {
        string root = Corpus.Root is null ? "" : Corpus.Path("suricata-verify/tests/http-evader");
        if (!Directory.Exists(root))
            return;

        var store = new FileStore(_directory);
        var options = new HttpOptions { FileStore = store };
        int cases = 0, agree = 0;
        var reasons = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (string dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
        {
            string yaml = File.ReadAllText(Path.Combine(dir, "test.yaml"));
            if (!yaml.Contains("fileinfo.filename: eicar.txt", StringComparison.Ordinal))
                continue;
            cases++;
            var files = new List<(RecordedFile File, RecordedTransaction? Tx)>();
            foreach (HttpCapture.Connection connection in HttpCapture.Run(Path.Combine(dir, "input.pcap"), options))
            {
                foreach (RecordedFile file in connection.Recorder.Files)
                    files.Add((file, connection.Recorder.Transactions.Find(t => t.Id == file.TransactionId)));
            }

            string? reason = Check(files, store);
            if (reason is null)
            {
                agree++;
            }
            else
            {
                if (!reasons.TryGetValue(reason, out List<string>? names))
                    reasons[reason] = names = [];
                names.Add(Path.GetFileName(dir));
            }
        }

        output.WriteLine($"http-evader: {agree}/{cases} cases deliver one complete eicar.txt with the EICAR content");
        foreach ((string reason, List<string> names) in reasons.OrderByDescending(r => r.Value.Count))
            output.WriteLine($"  {names.Count,4} {reason}: {string.Join(' ', names.Take(8))}");
        Assert.True(cases >= 499, $"only {cases} cases");
        Assert.True(agree * 100 >= cases * 97, $"{agree}/{cases}");
    }

    private static string? Check(List<(RecordedFile File, RecordedTransaction? Tx)> files, FileStore store)
    {
        var named = files.FindAll(f => f.File.FileName == "eicar.txt" && !f.File.ToServer);
        if (named.Count == 0)
            return files.Count == 0 ? "no body" : "no body named eicar.txt";
        if (named.Count > 1)
            return "more than one eicar.txt";
        (RecordedFile file, RecordedTransaction? tx) = named[0];
        if (tx is null || tx.Method != "GET" || tx.HostName != "evader.example.com")
            return "transaction fields";
        if (file.Sha256 == EicarSha256)
            return null; // exactly the 68-byte EICAR file (possibly TRUNCATED: framing cut short after the content)
        if (file.State != HttpFileState.Closed || file.Sha256 is null)
            return "body not complete";
        string path = store.PathFor(Convert.FromHexString(file.Sha256));
        if (!File.Exists(path))
            return "not stored";
        string content = Encoding.Latin1.GetString(File.ReadAllBytes(path));
        return content.Contains("EICAR-STANDARD-ANTIVIRUS-TEST-FILE", StringComparison.Ordinal) && content.Contains("X5O!P%@AP[4", StringComparison.Ordinal)
            ? null
            : "content is not EICAR (" + file.Magic + ")";
    }
}
