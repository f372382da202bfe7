namespace Assay.Detection;

/// <summary>Miner vocabulary shared by the script and ELF analyzers: Monero wallets, pool URLs, known miner and pool names.</summary>
internal static class MinerStrings
{
    public const int MoneroStandardLength = 95;
    public const int MoneroIntegratedLength = 106;

    // Monero's base58 alphabet (Bitcoin's): no 0, O, I, l.
    private static readonly bool[] s_base58 = BuildBase58();

    private static bool[] BuildBase58()
    {
        var table = new bool[256];
        foreach (char c in "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
            table[c] = true;
        return table;
    }

    public static bool IsBase58(int c) => (uint)c < 256 && s_base58[c];

    /// <summary>
    /// Monero-looking addresses in <paramref name="text"/>: base58 runs of exactly 95 or 106 characters starting with
    /// <c>4</c> or <c>8</c>, not part of a longer alphanumeric run. Adds start and length to <paramref name="found"/>.
    /// </summary>
    public static void FindWallets<T>(ReadOnlySpan<T> text, List<(int Start, int Length)> found, int max)
        where T : unmanaged, System.Numerics.IBinaryInteger<T>
    {
        // One scan for the bytes of a binary and the characters of a script: both are compared as code units.
        int run = 0;
        for (int i = 0; i <= text.Length && found.Count < max; i++)
        {
            int c = i < text.Length ? int.CreateTruncating(text[i]) : -1;
            if (IsBase58(c))
            {
                run++;
                continue;
            }

            if (run is MoneroStandardLength or MoneroIntegratedLength && !IsAsciiAlnum(c))
            {
                int start = i - run;
                if (int.CreateTruncating(text[start]) is '4' or '8' && (start == 0 || !IsAsciiAlnum(int.CreateTruncating(text[start - 1]))))
                    found.Add((start, run));
            }

            run = 0;
        }
    }

    private static bool IsAsciiAlnum(int c) => c is >= '0' and <= '9' or >= 'a' and <= 'z' or >= 'A' and <= 'Z';

    /// <summary>Process and service names of miners and competing mining malware, as loader scripts kill them.</summary>
    public static readonly string[] CompetitorNames =
    [
        "xmrig", "xmr-stak", "xmrstak", "kinsing", "kdevtmpfsi", "kthreaddi", "kthreaddk", "kworkerds", "ddgs", "dbused", "minerd", "cpuminer",
        ".javae", "sysrv", "watchbog", "kerberods", "khugepageds", "phpguard", "networkservice", "sysguard", "zzh", "bashirc", "xmr",
        "c3pool", "moneroocean", "nanopool", "supportxmr", "minexmr", "cryptonight", "stratum", "kswapd0", "dbusex", "tsm", "solrd",
        "javae", "crypto-pool", "monerohash", "xmrpool", "nicehash", "miner",
    ];

    /// <summary>Host names of well-known public pools (a pool URL without <c>stratum+</c>).</summary>
    public static readonly string[] PoolHosts =
    [
        "minexmr.com", "supportxmr.com", "moneroocean.stream", "c3pool.com", "nanopool.org", "hashvault.pro", "2miners.com", "herominers.com",
        "f2pool.com", "unmineable.com", "xmrpool.eu", "monerohash.com", "xmrig.com", "nicehash.com", "minergate.com", "pool.hashvault",
        "gulf.moneroocean", "crypto-pool.fr", "dwarfpool.com", "viabtc.com",
    ];
}
