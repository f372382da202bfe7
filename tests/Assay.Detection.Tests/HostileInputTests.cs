using System.Text;

namespace Assay.Detection.Tests;

/// <summary>Every analyzer over random, mutated and truncated input: never throws, results within the caps.</summary>
public class HostileInputTests
{
    private static readonly string[] s_fragments =
    [
        "<?php", "?>", "${", "%{", "}", "jndi:", "${lower:j}", "() { :; };", "|sh", ";wget ", "$(curl ", "`", "%", "%2", "%ZZ", "%u00", "+", "=", "&",
        "eval-stdin.php", "_ignition/execute-solution", "/containers/create", "\"Binds\":[\"/:", "\"Cmd\":[", "config set dir ", "\r\n$3\r\n",
        "invokefunction", "\\think\\app", "call_user_func", "?-d+allow_url_include", "\u00ad", "base64", "QUJD", "====", "\0", "\xff\xfe",
        "stratum+tcp://", "chattr +i", "crontab -", "*/5 * * * *", "\\\n", "kill -9", "ps aux|", "authorized_keys", "\n", "\r",
    ];

    private static byte[] RandomText(Random random, int maxLength)
    {
        var builder = new StringBuilder();
        int target = random.Next(maxLength);
        while (builder.Length < target)
        {
            if (random.Next(3) == 0)
                builder.Append((char)random.Next(256));
            else
                builder.Append(s_fragments[random.Next(s_fragments.Length)]);
        }

        return Encoding.Latin1.GetBytes(builder.ToString());
    }

    [Fact]
    public void ExploitDetectorNeverThrows()
    {
        var random = new Random(6);
        var matches = new List<ExploitMatch>();
        int flagged = 0;
        for (int i = 0; i < 20_000; i++)
        {
            matches.Clear();
            byte[] uri = RandomText(random, 600), ua = RandomText(random, 200), body = RandomText(random, 2000);
            KeyValuePair<string, string>[] headers = [new("X-" + i, Encoding.Latin1.GetString(RandomText(random, 100))), new("spring.cloud.function.routing-expression", "")];
            ExploitDetector.Inspect(random.Next(2) == 0 ? "GET"u8 : "POST"u8, uri, ua, headers, body, matches);
            foreach (ExploitMatch m in matches)
            {
                Assert.InRange(m.SignatureId, 9_100_100, 9_100_199);
                Assert.True(m.Excerpt.Length <= 200);
                foreach (char c in m.Excerpt)
                    Assert.InRange(c, ' ', '~');
            }

            flagged += matches.Count > 0 ? 1 : 0;
        }

        Assert.True(flagged > 0);
        // Oversized parts are cut at the caps.
        matches.Clear();
        ExploitDetector.Inspect("POST"u8, new byte[1 << 20], new byte[1 << 20], null, new byte[1 << 20], matches);
        Assert.Empty(matches);
    }

    [Fact]
    public void ScriptAnalyzerNeverThrows()
    {
        var random = new Random(7);
        for (int i = 0; i < 2_000; i++)
        {
            IReadOnlyList<ScriptIndicator> indicators = ScriptAnalyzer.Analyze(RandomText(random, 4000));
            Assert.True(indicators.Count <= ScriptAnalyzer.MaxIndicators);
            foreach (ScriptIndicator indicator in indicators)
                Assert.True(indicator.Line >= 1 && indicator.Text.Length <= 400);
        }

        var garbage = new byte[3 << 20];
        random.NextBytes(garbage);
        Assert.True(ScriptAnalyzer.Analyze(garbage).Count <= ScriptAnalyzer.MaxIndicators);
        Assert.Empty(ScriptAnalyzer.Analyze([0xC3, 0x28, 0xA0, 0xA1, 0xE2, 0x28, 0xA1, 0xF0, 0x90, 0x28, 0xBC]));
    }

    [Fact]
    public void ElfAnalyzerNeverThrowsOnMutatedHeaders()
    {
        var random = new Random(8);
        byte[] valid = ElfAnalyzerTests.Build(true, false, 62, 2, [1, 3, 2], [0, 2, 3], "XMRig 6.16.0", "stratum+tcp://a.b:1");
        byte[] valid32 = ElfAnalyzerTests.Build(false, true, 8, 3, [3], [2], "xmrig");
        for (int i = 0; i < 20_000; i++)
        {
            byte[] file = (byte[])(i % 2 == 0 ? valid : valid32).Clone();
            int flips = 1 + random.Next(8);
            for (int f = 0; f < flips; f++)
                file[random.Next(Math.Min(file.Length, 128))] = (byte)random.Next(256);
            file[0] = 0x7F;
            file[1] = (byte)'E';
            file[2] = (byte)'L';
            file[3] = (byte)'F';
            int length = random.Next(file.Length + 1);
            ElfInfo? info = ElfAnalyzer.Analyze(file.AsSpan(0, length));
            Assert.Equal(length >= 4, info is not null);
        }

        var noise = new byte[1 << 16];
        for (int i = 0; i < 50; i++)
        {
            random.NextBytes(noise);
            noise[0] = 0x7F;
            noise[1] = (byte)'E';
            noise[2] = (byte)'L';
            noise[3] = (byte)'F';
            Assert.NotNull(ElfAnalyzer.Analyze(noise));
        }
    }

    [Fact]
    public void ToolDownloadNeverThrows()
    {
        var random = new Random(9);
        for (int i = 0; i < 20_000; i++)
        {
            byte[] a = RandomText(random, 100), b = RandomText(random, 100), c = RandomText(random, 100);
            ToolDownload.IsToolUserAgent(a, out _);
            ToolDownload.IsToolDownload(a, b, c, out _);
        }
    }
}
