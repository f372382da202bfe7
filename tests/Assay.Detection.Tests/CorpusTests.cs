using System.Text;
using System.Text.RegularExpressions;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Detection.Tests;

/// <summary>
/// The detector over the corpus's real HTTP traffic: Zeek's http.log baselines (method, URI, user agent), and every
/// HTTP/1.x request head found verbatim in the bytes of the corpus captures (one-segment requests).
/// </summary>
public partial class CorpusTests(ITestOutputHelper output)
{
    [Fact]
    public void ZeekHttpLogsRaiseNoExploitAlerts()
    {
        if (Corpus.Root is null)
            return;
        int logs = 0, requests = 0;
        var flagged = new List<string>();
        var matches = new List<ExploitMatch>();
        foreach (string path in Directory.EnumerateFiles(Corpus.Path("zeek/Baseline"), "http.log", SearchOption.AllDirectories))
        {
            logs++;
            string[]? fields = null;
            foreach (string line in File.ReadLines(path))
            {
                if (line.StartsWith("#fields\t", StringComparison.Ordinal))
                {
                    fields = line[8..].Split('\t');
                    continue;
                }

                if (fields is null || line.Length == 0 || line[0] == '#')
                    continue;
                string[] values = line.Split('\t');
                string Field(string name)
                {
                    int i = Array.IndexOf(fields, name);
                    return i < 0 || i >= values.Length || values[i] is "-" or "(empty)" ? "" : Unescape(values[i]);
                }

                string uri = Field("uri");
                if (uri.Length == 0)
                    continue;
                requests++;
                matches.Clear();
                ExploitDetector.Inspect(Encoding.ASCII.GetBytes(Field("method")), Encoding.Latin1.GetBytes(uri), Encoding.Latin1.GetBytes(Field("user_agent")),
                    [new("Host", Field("host")), new("Referer", Field("referrer"))], [], matches);
                foreach (ExploitMatch m in matches)
                    flagged.Add($"{Path.GetRelativePath(Corpus.Root, path)}: {m.Kind} {m.Where} {m.Excerpt}");
            }
        }

        output.WriteLine($"zeek http.log: {logs} logs, {requests} requests, {flagged.Count} exploit alerts");
        foreach (string f in flagged)
            output.WriteLine(f);
        Assert.True(requests > 100, $"only {requests} requests");
        Assert.Empty(flagged);
    }

    /// <summary>Zeek escapes non-printable bytes as <c>\xNN</c>.</summary>
    private static string Unescape(string value) => EscapeRegex().Replace(value, m => ((char)Convert.ToInt32(m.Groups[1].Value, 16)).ToString());

    [GeneratedRegex(@"\\x([0-9a-fA-F]{2})")]
    private static partial Regex EscapeRegex();

    [GeneratedRegex(@"(GET|POST|PUT|HEAD|OPTIONS|DELETE|PATCH) (/[\x21-\x7e]*|http://[\x21-\x7e]*) HTTP/1\.[01]\r\n((?:[!-9;-~]+:[^\r\n]*\r\n){0,64})\r\n")]
    private static partial Regex RequestHeadRegex();

    /// <summary>
    /// Captures of real attacks: the lab intrusion, nDPI's Nikto RCE scan and Log4Shell exploit, and Arkime's FCKeditor
    /// upload of an ASP <c>eval</c> web shell. Their alerts are expected and listed; any alert elsewhere is a false positive.
    /// </summary>
    private static readonly string[] s_attackCaptures =
        ["lab/devlab-incident-phpunit.pcap", "ndpi/default/pcap/WebattackRCE.pcap", "ndpi/default/pcap/log4j-webapp-exploit.pcap", "arkime/tests/pcap/http-tcp-seq-issue.pcap"];

    [Fact]
    public void RequestHeadsInCorpusCapturesRaiseAlertsOnlyOnAttackCaptures()
    {
        if (Corpus.Root is null)
            return;
        int files = 0, requests = 0;
        var perFolder = new SortedDictionary<string, (int Files, int Requests, int Alerts)>(StringComparer.Ordinal);
        var benignFlags = new List<string>();
        var attackFlags = new List<string>();
        var matches = new List<ExploitMatch>();
        foreach (string folder in (string[])["zeek/Traces", "arkime", "suricata-verify", "ndpi", "tcpdump", "lab", "mining"])
        {
            foreach (string path in Directory.EnumerateFiles(Corpus.Path(folder), "*", SearchOption.AllDirectories))
            {
                if (!(path.EndsWith(".pcap", StringComparison.Ordinal) || path.EndsWith(".pcapng", StringComparison.Ordinal) || path.EndsWith(".trace", StringComparison.Ordinal)
                    || path.EndsWith(".cap", StringComparison.Ordinal)))
                {
                    continue;
                }

                files++;
                string relative = Path.GetRelativePath(Corpus.Root, path);
                bool attack = Array.IndexOf(s_attackCaptures, relative) >= 0;
                byte[] bytes = File.ReadAllBytes(path);
                string text = Encoding.Latin1.GetString(bytes);
                foreach (Match head in RequestHeadRegex().Matches(text))
                {
                    requests++;
                    string ua = "";
                    var headers = new List<KeyValuePair<string, string>>();
                    int contentLength = 0;
                    foreach (string line in head.Groups[3].Value.Split("\r\n", StringSplitOptions.RemoveEmptyEntries))
                    {
                        int colon = line.IndexOf(':', StringComparison.Ordinal);
                        string name = line[..colon], value = line[(colon + 1)..].Trim();
                        if (name.Equals("User-Agent", StringComparison.OrdinalIgnoreCase))
                            ua = value;
                        else
                            headers.Add(new(name, value));
                        if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                            _ = int.TryParse(value, out contentLength);
                    }

                    int bodyStart = head.Index + head.Length;
                    int bodyLength = Math.Clamp(contentLength, 0, Math.Min(1024, bytes.Length - bodyStart));
                    matches.Clear();
                    ExploitDetector.Inspect(Encoding.ASCII.GetBytes(head.Groups[1].Value), Encoding.Latin1.GetBytes(head.Groups[2].Value), Encoding.Latin1.GetBytes(ua),
                        headers, bytes.AsSpan(bodyStart, bodyLength), matches);
                    foreach (ExploitMatch m in matches)
                        (attack ? attackFlags : benignFlags).Add($"{relative}: {head.Groups[1].Value} {m.Kind} sev={m.Severity} {m.Where} {m.Excerpt}");
                    (int f, int r, int a) = perFolder.GetValueOrDefault(folder);
                    perFolder[folder] = (f, r + 1, a + matches.Count);
                }

                (int f2, int r2, int a2) = perFolder.GetValueOrDefault(folder);
                perFolder[folder] = (f2 + 1, r2, a2);
            }
        }

        output.WriteLine($"captures: {files} files, {requests} request heads, {benignFlags.Count} alerts outside the intrusion captures, {attackFlags.Count} on them");
        foreach ((string folder, (int f, int r, int a)) in perFolder)
            output.WriteLine($"  {folder}: {f} captures, {r} request heads, {a} alerts");
        var kinds = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (string f in attackFlags)
        {
            string key = f[..f.IndexOf(": ", StringComparison.Ordinal)] + " " + f.Split(' ')[2];
            kinds[key] = kinds.GetValueOrDefault(key) + 1;
        }

        foreach ((string key, int count) in kinds)
            output.WriteLine($"  attack capture alerts: {key} x{count}");
        foreach (string f in attackFlags)
            output.WriteLine("expected  " + f);
        foreach (string f in benignFlags)
            output.WriteLine("UNEXPECTED " + f);
        Assert.True(requests > 1000, $"only {requests} requests");
        Assert.Empty(benignFlags);
        // The intrusion: 4 GET probes of eval-stdin.php (1 landing on the real path), the RCE check and the exploit.
        Assert.Equal(3, attackFlags.Count(f => f.StartsWith("lab/", StringComparison.Ordinal) && f.Contains("GET PhpUnitEvalStdin sev=1", StringComparison.Ordinal)));
        Assert.Equal(2, attackFlags.Count(f => f.StartsWith("lab/", StringComparison.Ordinal) && f.Contains("POST PhpUnitEvalStdin sev=3", StringComparison.Ordinal)));
        Assert.Equal(2, attackFlags.Count(f => f.StartsWith("lab/", StringComparison.Ordinal) && f.Contains("POST PhpCodeInjection sev=3 body", StringComparison.Ordinal)));
        Assert.Equal(1, attackFlags.Count(f => f.StartsWith("lab/", StringComparison.Ordinal) && f.Contains("POST CommandInjection sev=3 body", StringComparison.Ordinal)));
        Assert.Equal(8, attackFlags.Count(f => f.StartsWith("lab/", StringComparison.Ordinal)));
        Assert.Contains(attackFlags, f => f.StartsWith("ndpi/default/pcap/WebattackRCE.pcap: GET Shellshock", StringComparison.Ordinal));
        Assert.Contains(attackFlags, f => f.StartsWith("ndpi/default/pcap/WebattackRCE.pcap: GET OgnlInjection sev=3 header:Content-Type", StringComparison.Ordinal));
        Assert.Contains(attackFlags, f => f.StartsWith("ndpi/default/pcap/log4j-webapp-exploit.pcap: POST Log4jJndiLookup", StringComparison.Ordinal));
    }
}
