using System.Text;

namespace Assay.Detection;

/// <summary>
/// Named indicators in the content of a shell script (or a miner's config.json): competing-miner kills, persistence,
/// hardening, security-agent removal, downloads and execution, miner configuration, log wiping. Line-oriented: each
/// indicator names the line (or the short block, for a <c>ps … | while</c> loop or a <c>\</c>-continued command) that
/// shows it. Comment lines are skipped. Any bytes are accepted (invalid UTF-8 becomes U+FFFD).
/// </summary>
public static class ScriptAnalyzer
{
    /// <summary>Bytes analysed: larger inputs are analysed up to the first 1 MiB.</summary>
    public const int MaxScriptBytes = 1 << 20;

    /// <summary>Characters of one line looked at (a longer line, such as a base64 blob, is cut).</summary>
    public const int MaxLineChars = 8 * 1024;

    /// <summary>Indicators returned at most.</summary>
    public const int MaxIndicators = 2000;

    /// <summary>Lines a <c>\</c>-continued command or a ps/kill block spans at most.</summary>
    public const int MaxBlockLines = 8;

    private const int MaxTextChars = 400;

    /// <summary>Analyses <paramref name="script"/> (its first <see cref="MaxScriptBytes"/>).</summary>
    public static IReadOnlyList<ScriptIndicator> Analyze(ReadOnlySpan<byte> script)
    {
        script = script[..Math.Min(script.Length, MaxScriptBytes)];
        var lines = new List<string>();
        while (!script.IsEmpty)
        {
            int newline = script.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = newline < 0 ? script : script[..newline];
            script = newline < 0 ? [] : script[(newline + 1)..];
            if (line.Length > MaxLineChars)
                line = line[..MaxLineChars];
            lines.Add(Encoding.UTF8.GetString(line).TrimEnd('\r'));
        }

        var state = new State(lines);
        for (int i = 0; i < lines.Count && state.Results.Count < MaxIndicators; i++)
        {
            string trimmed = lines[i].Trim();
            if (trimmed.Length == 0 || trimmed[0] == '#')
                continue;

            // A command continued with "\" is read as one block.
            int last = i;
            while (lines[last].EndsWith('\\') && last + 1 < lines.Count && last - i < MaxBlockLines - 1)
                last++;
            string text = last == i ? trimmed : Join(lines, i, last);
            state.Line(i, last, text);
            i = last;
        }

        return state.Results;
    }

    private static string Join(List<string> lines, int first, int last)
    {
        var builder = new StringBuilder();
        for (int i = first; i <= last; i++)
        {
            if (i > first)
                builder.Append('\n');
            builder.Append(lines[i].Trim());
        }

        return builder.ToString();
    }

    private sealed class State(List<string> lines)
    {
        public List<ScriptIndicator> Results { get; } = [];

        private bool _poolsJson;
        private readonly List<(int Start, int Length)> _wallets = [];

        public void Line(int index, int last, string text)
        {
            string lower = text.ToLowerInvariant();
            int number = index + 1;
            bool security = SecurityRemoval(number, text, lower);
            CompetitorKill(index, number, text, lower, security);
            Firewall(number, text, lower);
            Immutable(number, text, lower);
            Hugepages(number, text, lower);
            Cron(number, text, lower);
            Systemd(number, text, lower);
            Rc(number, text, lower);
            Ssh(number, text, lower);
            Download(number, text, lower);
            MinerConfig(number, text, lower);
            LogWiping(number, text, lower);
            _ = last;
        }

        private void Add(string name, string category, int line, string text)
        {
            if (Results.Count >= MaxIndicators)
                return;
            foreach (ScriptIndicator existing in Results)
            {
                if (existing.Line == line && existing.Name == name)
                    return;
            }

            Results.Add(new ScriptIndicator(name, category, line, text.Length > MaxTextChars ? text[..MaxTextChars] : text));
        }

        private static bool Has(string lower, string value) => lower.Contains(value, StringComparison.Ordinal);

        private static bool Word(string lower, string word) => TextUtil.IndexOfWord(lower, word) >= 0;

        /// <summary>Whether <paramref name="word"/> appears in command position: line start, after <c>; | &amp; ( ` $(</c>, or after do/then/else/nohup/sudo/exec/xargs.</summary>
        private static bool Command(string lower, string word)
        {
            int from = 0;
            int at;
            while ((at = TextUtil.IndexOfWord(lower, word, from)) >= 0)
            {
                from = at + 1;
                int p = at - 1;
                while (p >= 0 && lower[p] is ' ' or '\t')
                    p--;
                if (p < 0 || lower[p] is ';' or '|' or '&' or '(' or '`' or '{' or '\n')
                    return true;
                int wordEnd = p + 1;
                int wordStart = p;
                while (wordStart > 0 && char.IsAsciiLetter(lower[wordStart - 1]))
                    wordStart--;
                string previous = lower[wordStart..wordEnd];
                if (previous is "do" or "then" or "else" or "nohup" or "sudo" or "exec" or "xargs" or "time" or "command" or "busybox")
                    return true;
                // "timeout 30 cmd", "nice -n 19 cmd"
                if (char.IsAsciiDigit(lower[p]) && (Has(lower[..wordEnd], "timeout") || Has(lower[..wordEnd], "nice")))
                    return true;
            }

            return false;
        }

        private static int CountCompetitors(string lower)
        {
            int count = 0;
            foreach (string name in MinerStrings.CompetitorNames)
            {
                if (name is "miner" or "xmr" or "stratum" ? Word(lower, name) : Has(lower, name))
                    count++;
            }

            return count;
        }

        private static readonly string[] s_securityAgents =
            ["aliyun", "aegis", "aliyundun", "yundun", "qcloud", "yunjing", "ydservice", "bcm-agent", "cloudmonitor", "hostguard", "secu-tcs-agent",
            "alisecguard", "aliyunservice", "cmsgoagent", "argusagent", "stargate", "barad_agent", "yunsuo", "huorong", "falcon-sensor", "ossec", "wazuh"];

        private bool SecurityRemoval(int number, string text, string lower)
        {
            bool found = false;
            if (Has(lower, "setenforce 0") || (Has(lower, "selinux=") && Has(lower, "disabled")))
            {
                Add("selinux-off", "security-removal", number, text);
                found = true;
            }

            if (Has(lower, "apparmor") && (Has(lower, "stop") || Has(lower, "disable") || Has(lower, "teardown") || Has(lower, "remove")))
            {
                Add("apparmor-off", "security-removal", number, text);
                found = true;
            }

            if (Command(lower, "ufw") && Has(lower, "ufw disable"))
            {
                Add("ufw-disable", "security-removal", number, text);
                found = true;
            }

            if ((Has(lower, "firewalld") || Has(lower, "iptables.service")) && (Has(lower, "stop") || Has(lower, "disable")))
            {
                Add("firewall-off", "security-removal", number, text);
                found = true;
            }

            foreach (string agent in s_securityAgents)
            {
                if (Has(lower, agent) && (Has(lower, "stop") || Has(lower, "disable") || Has(lower, "kill") || Has(lower, "rm ") || Has(lower, "uninstall")
                    || Has(lower, " off")))
                {
                    Add("security-agent", "security-removal", number, text);
                    return true;
                }
            }

            return found;
        }

        private void CompetitorKill(int index, int number, string text, string lower, bool security)
        {
            int competitors = CountCompetitors(lower);
            bool killVerb = Command(lower, "pkill") || Command(lower, "killall") || Command(lower, "kill") || Has(lower, "xargs kill")
                || Has(lower, "xargs -i kill") || Has(lower, "xargs -r kill") || Has(lower, "kill -9");
            bool serviceStop = (Command(lower, "systemctl") || Command(lower, "service")) && (Has(lower, " stop") || Has(lower, " disable"));
            bool ps = Command(lower, "ps") || Command(lower, "pgrep") || Has(lower, "netstat") || Has(lower, "/proc/");

            if (Command(lower, "crontab") && Has(lower, "grep -v") && competitors > 0)
            {
                Add("cron-cleanup", "competitor-kill", number, text);
                return;
            }

            if (competitors > 0 && (killVerb || serviceStop || (Command(lower, "rm") && !security)))
            {
                Add("kill-known-miners", "competitor-kill", number, text);
                return;
            }

            if (competitors >= 3)
            {
                Add("miner-name-list", "competitor-kill", number, text);
                return;
            }

            if (security)
                return;
            if (ps && killVerb)
            {
                Add("ps-kill", "competitor-kill", number, text);
                return;
            }

            if (Command(lower, "pkill") && (Has(lower, " -f") || Has(lower, " -9")))
            {
                Add("pkill-pattern", "competitor-kill", number, text);
                return;
            }

            if (Command(lower, "killall") && Has(lower, "-9"))
            {
                Add("killall", "competitor-kill", number, text);
                return;
            }

            // "kill -9 $p" inside a loop fed by ps a few lines above: one block from the ps line to the kill line.
            if (killVerb && Has(lower, "kill -9"))
            {
                for (int back = index - 1; back >= 0 && back >= index - 3; back--)
                {
                    string previous = lines[back].Trim().ToLowerInvariant();
                    if (Command(previous, "ps") && (Has(previous, "while") || Has(previous, "for ") || Has(previous, "awk") || Has(previous, "grep")))
                    {
                        Add("ps-kill", "competitor-kill", back + 1, Join(lines, back, index));
                        return;
                    }
                }
            }
        }

        private void Firewall(int number, string text, string lower)
        {
            if (Command(lower, "iptables") && (Has(lower, "-j drop") || Has(lower, "-j reject") || Has(lower, "-j accept") || Has(lower, " -f") || Has(lower, "--dport")))
                Add("iptables-rule", "firewall", number, text);
            else if (Command(lower, "ufw") && (Has(lower, "ufw deny") || Has(lower, "ufw allow") || Has(lower, "ufw reject")))
                Add("ufw-rule", "firewall", number, text);
            else if (Command(lower, "firewall-cmd"))
                Add("firewalld-rule", "firewall", number, text);
        }

        private void Immutable(int number, string text, string lower)
        {
            int at = TextUtil.IndexOfWord(lower, "chattr");
            if (at < 0 || !Command(lower, "chattr"))
                return;
            ReadOnlySpan<char> rest = lower.AsSpan(at + 6).TrimStart();
            int flagsEnd = rest.IndexOf(' ');
            ReadOnlySpan<char> flags = flagsEnd < 0 ? rest : rest[..flagsEnd];
            if (flags.Length > 1 && flags[0] is '+' or '-' or '=' && flags[1..].Contains('i'))
                Add("chattr", "file-immutable", number, text);
        }

        private void Hugepages(int number, string text, string lower)
        {
            if (Has(lower, "nr_hugepages"))
                Add("nr-hugepages", "hugepages", number, text);
            if (Has(lower, "modprobe msr") || (Command(lower, "wrmsr") && Has(lower, "-a")))
                Add("msr", "hugepages", number, text);
            if (Has(lower, "hugepages-1048576kb"))
                Add("1gb-pages", "hugepages", number, text);
        }

        private static bool Writes(string lower) =>
            lower.Contains('>') || Has(lower, "tee ") || Has(lower, "cp ") || Has(lower, "mv ") || Has(lower, "ln -s") || Has(lower, "sed -i") || Has(lower, "install ");

        private static bool CronSchedule(string text)
        {
            // Five schedule fields (at least one "*") then a command, or @reboot/@hourly/….
            string[] tokens = text.TrimStart('"', '\'', '(').Split(' ', StringSplitOptions.RemoveEmptyEntries);
            for (int start = 0; start + 5 < tokens.Length && start < 4; start++)
            {
                string first = tokens[start];
                int eq = first.IndexOf('=', StringComparison.Ordinal);
                if (eq >= 0)
                    first = first[(eq + 1)..].TrimStart('"', '\'');
                bool star = false, ok = IsCronField(first, ref star);
                for (int f = 1; f < 5 && ok; f++)
                    ok = IsCronField(tokens[start + f], ref star);
                if (ok && star)
                    return true;
            }

            return text.Contains("@reboot", StringComparison.Ordinal) && text.Contains("@reboot ", StringComparison.Ordinal);
        }

        private static bool IsCronField(string field, ref bool star)
        {
            if (field.Length == 0)
                return false;
            foreach (char c in field)
            {
                if (c == '*')
                    star = true;
                else if (!char.IsAsciiDigit(c) && c is not ('/' or ',' or '-'))
                    return false;
            }

            return true;
        }

        private void Cron(int number, string text, string lower)
        {
            if (CronSchedule(text))
                Add("cron-schedule", "persistence-cron", number, text);
            if (Command(lower, "crontab") && !Has(lower, "grep -v"))
            {
                int at = TextUtil.IndexOfWord(lower, "crontab");
                while (at >= 0)
                {
                    ReadOnlySpan<char> rest = lower.AsSpan(at + 7).TrimStart(' ');
                    bool install = (rest.Length > 0 && rest[0] == '-' && (rest.Length == 1 || rest[1] is ' ' or ';' or ')' or '|' or '&'))
                        || (rest.Length > 0 && rest[0] is '/' or '.' or '$' or '~');
                    if (install)
                    {
                        Add("crontab-install", "persistence-cron", number, text);
                        break;
                    }

                    at = TextUtil.IndexOfWord(lower, "crontab", at + 1);
                }
            }

            if ((Has(lower, "/var/spool/cron") || Has(lower, "/etc/cron") || Has(lower, "/etc/crontab")) && Writes(lower) && !Command(lower, "chattr"))
                Add("cron-file", "persistence-cron", number, text);
        }

        private void Systemd(int number, string text, string lower)
        {
            if ((Has(lower, "/etc/systemd/system/") || Has(lower, "/lib/systemd/system/") || Has(lower, "/usr/lib/systemd/system/")) && Writes(lower))
                Add("systemd-unit", "persistence-systemd", number, text);
            if (Command(lower, "systemctl") && Has(lower, " enable"))
                Add("systemctl-enable", "persistence-systemd", number, text);
            if (lower.StartsWith("execstart=", StringComparison.Ordinal))
                Add("unit-execstart", "persistence-systemd", number, text);
        }

        private void Rc(int number, string text, string lower)
        {
            if ((Has(lower, "/etc/rc.local") || Has(lower, "/etc/rc.d/")) && Writes(lower))
                Add("rc-local", "persistence-rc", number, text);
            if ((Has(lower, "/etc/init.d/") && Writes(lower)) || Command(lower, "update-rc.d") || (Command(lower, "chkconfig") && (Has(lower, "--add") || Has(lower, " on"))))
                Add("init-d", "persistence-rc", number, text);
            if ((Has(lower, ".bashrc") || Has(lower, ".bash_profile") || Has(lower, "/.profile") || Has(lower, "/etc/profile")) && Has(lower, ">>"))
                Add("shell-profile", "persistence-rc", number, text);
            if (Has(lower, "/etc/ld.so.preload") && Writes(lower))
                Add("ld-preload", "persistence-rc", number, text);
        }

        private void Ssh(int number, string text, string lower)
        {
            if (Has(lower, "stricthostkeychecking=no") || Has(lower, "stricthostkeychecking no"))
                Add("strict-host-key-off", "ssh-spread", number, text);
            if (Has(lower, "known_hosts") && (Has(lower, "cat ") || Has(lower, "grep") || Has(lower, "awk") || Has(lower, "for ") || Has(lower, "while") || Has(lower, "cut ")))
                Add("known-hosts-harvest", "ssh-spread", number, text);
            if (Has(lower, ".bash_history") && (Has(lower, "ssh") || Has(lower, "scp")) && Has(lower, "grep"))
                Add("history-hosts", "ssh-spread", number, text);
            if (Has(lower, "batchmode=yes") && Word(lower, "ssh"))
                Add("ssh-batch", "ssh-spread", number, text);
            if (Has(lower, "authorized_keys") && (Has(lower, ">") || Has(lower, "tee ")))
                Add("authorized-keys-write", "ssh-key-implant", number, text);
            if (Has(lower, "ssh-rsa aaaa") || Has(lower, "ssh-ed25519 aaaa") || Has(lower, "ecdsa-sha2-nistp256 aaaa"))
                Add("ssh-public-key", "ssh-key-implant", number, text);
        }

        private static readonly string[] s_downloaders = ["wget", "curl", "tftp", "ftpget", "fetch", "lwp-download"];

        private void Download(int number, string text, string lower)
        {
            bool downloader = false;
            foreach (string tool in s_downloaders)
            {
                if (Command(lower, tool) || Has(lower, "(" + tool + " ") || Has(lower, "$(" + tool))
                {
                    downloader = true;
                    break;
                }
            }

            bool pipeShell = Has(lower, "| sh") || Has(lower, "|sh") || Has(lower, "| bash") || Has(lower, "|bash") || Has(lower, "| /bin/sh") || Has(lower, "| /bin/bash");
            if ((downloader || Has(lower, "/dev/tcp/")) && pipeShell)
                Add("pipe-to-shell", "download-exec", number, text);
            else if (downloader)
                Add("download", "download-exec", number, text);
            else if (Has(lower, "/dev/tcp/"))
                Add("dev-tcp", "download-exec", number, text);

            if (Command(lower, "chmod") && (Has(lower, "+x") || Has(lower, " 777") || Has(lower, " 755") || Has(lower, " 700")))
                Add("chmod-exec", "download-exec", number, text);
            if (Command(lower, "nohup") || (lower.Contains("./", StringComparison.Ordinal) && Command(lower, ".") is false && StartsRun(lower)))
                Add("run-downloaded", "download-exec", number, text);
        }

        /// <summary>A line that runs a file by path: <c>./x</c>, <c>/tmp/x</c> in command position with <c>&amp;</c> or arguments.</summary>
        private static bool StartsRun(string lower)
        {
            string trimmed = lower.TrimStart('(', ' ');
            return trimmed.StartsWith("./", StringComparison.Ordinal) || trimmed.StartsWith("/tmp/", StringComparison.Ordinal) || trimmed.StartsWith("/var/tmp/", StringComparison.Ordinal)
                || trimmed.StartsWith("/dev/shm/", StringComparison.Ordinal);
        }

        private static readonly string[] s_minerOptions =
            ["--donate-level", "--randomx", "--cpu-max-threads-hint", "--max-cpu-usage", "--algo", "--coin", "--nicehash", "-a rx/0", "-a cn/r", "--rig-id", "-o stratum", "--url=", "--user=", "--pass="];

        private void MinerConfig(int number, string text, string lower)
        {
            if (Has(lower, "stratum+tcp://") || Has(lower, "stratum+ssl://") || Has(lower, "stratum+tls://") || Has(lower, "stratum2+tcp://"))
            {
                Add("pool-url", "miner-config", number, text);
            }
            else
            {
                foreach (string host in MinerStrings.PoolHosts)
                {
                    if (Has(lower, host))
                    {
                        Add("pool-url", "miner-config", number, text);
                        break;
                    }
                }
            }

            if (Has(lower, "\"pools\""))
            {
                _poolsJson = true;
                Add("config-pools", "miner-config", number, text);
            }
            else if (_poolsJson && lower.TrimStart().StartsWith("\"url\"", StringComparison.Ordinal))
            {
                Add("pool-url", "miner-config", number, text);
            }

            _wallets.Clear();
            MinerStrings.FindWallets(text.AsSpan(), _wallets, 1);
            if (_wallets.Count > 0)
                Add("wallet", "miner-config", number, text);
            else if (_poolsJson && lower.TrimStart().StartsWith("\"user\"", StringComparison.Ordinal))
                Add("config-user", "miner-config", number, text);

            if (Has(lower, "\"donate-level\""))
            {
                Add("donate-level", "miner-config", number, text);
                return;
            }

            foreach (string option in s_minerOptions)
            {
                if (Has(lower, option))
                {
                    Add(option == "--donate-level" ? "donate-level" : "miner-options", "miner-config", number, text);
                    return;
                }
            }
        }

        private void LogWiping(int number, string text, string lower)
        {
            if (Has(lower, "history -c") || Has(lower, "unset histfile") || Has(lower, "histfile=/dev/null") || Has(lower, "histsize=0")
                || (Has(lower, ".bash_history") && (Command(lower, "rm") || lower.TrimStart().StartsWith('>') || Has(lower, "/dev/null >"))))
            {
                Add("history-clear", "log-wiping", number, text);
            }

            if ((Has(lower, "/var/log/") && (Command(lower, "rm") || Command(lower, "shred") || Command(lower, "truncate") || lower.TrimStart().StartsWith('>')
                || Has(lower, "echo > /var/log") || Has(lower, "cat /dev/null >"))) || Has(lower, "journalctl --vacuum") || Has(lower, "journalctl --rotate"))
            {
                Add("log-delete", "log-wiping", number, text);
            }
        }
    }
}
