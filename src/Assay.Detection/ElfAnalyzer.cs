using System.Buffers.Binary;
using System.Text;

namespace Assay.Detection;

/// <summary>
/// ELF header facts and miner markers. The header layout (System V ABI, <c>elf.h</c>):
/// <code>
/// e_ident[16]: 7F 'E' 'L' 'F', EI_CLASS (1 = 32-bit, 2 = 64-bit), EI_DATA (1 = LSB, 2 = MSB), EI_VERSION, EI_OSABI, …
/// e_type:2 e_machine:2 e_version:4 e_entry:4|8 e_phoff:4|8 e_shoff:4|8 e_flags:4 e_ehsize:2
/// e_phentsize:2 e_phnum:2 e_shentsize:2 e_shnum:2 e_shstrndx:2
/// </code>
/// Program header: <c>p_type</c> at 0 (PT_INTERP = 3). Section header: <c>sh_type</c> at 4 (SHT_SYMTAB = 2). Every
/// offset is checked against the file; counts are capped.
/// </summary>
public static class ElfAnalyzer
{
    /// <summary>Bytes scanned for strings (a larger file: its first 64 MiB).</summary>
    public const int MaxScanBytes = 64 << 20;

    /// <summary>Program headers read at most.</summary>
    public const int MaxProgramHeaders = 1024;

    /// <summary>Section headers read at most.</summary>
    public const int MaxSections = 4096;

    /// <summary>Pool URLs and wallets reported at most (each).</summary>
    public const int MaxFindings = 16;

    private const int Header32Length = 52;
    private const int Header64Length = 64;
    private const int PtInterp = 3;
    private const int ShtSymtab = 2;
    private const int MaxUrlLength = 200;

    // Marker strings (the names reported) and the byte patterns searched for each.
    private static readonly (string Marker, byte[][] Patterns)[] s_markers =
    [
        ("xmrig", [Ascii("xmrig"), Ascii("XMRig"), Ascii("XMRIG")]),
        ("randomx", [Ascii("randomx"), Ascii("RandomX")]),
        ("cryptonight", [Ascii("cryptonight"), Ascii("CryptoNight")]),
        ("stratum+tcp", [Ascii("stratum+tcp")]),
        ("stratum+ssl", [Ascii("stratum+ssl")]),
        ("donate.v2.xmrig.com", [Ascii("donate.v2.xmrig.com")]),
        ("donate.ssl.xmrig.com", [Ascii("donate.ssl.xmrig.com")]),
        ("--donate-level", [Ascii("--donate-level"), Ascii("donate-level")]),
        ("cn/r", [Ascii("cn/r\0"), Ascii("\"cn/r\"")]),
        ("rx/0", [Ascii("rx/0\0"), Ascii("\"rx/0\"")]),
        ("argon2", [Ascii("argon2/chukwa"), Ascii("argon2")]),
        ("kawpow", [Ascii("kawpow")]),
        ("nicehash", [Ascii("nicehash")]),
        ("mining.subscribe", [Ascii("mining.subscribe")]),
        ("xmr-stak", [Ascii("xmr-stak")]),
        ("cpuminer", [Ascii("cpuminer")]),
        ("minerd", [Ascii("minerd")]),
    ];

    // Version strings: (prefix, display name); the version is the run of digits and dots after the prefix.
    private static readonly (byte[] Prefix, string Name)[] s_versions =
    [
        (Ascii("XMRig "), "XMRig"), (Ascii("XMRig/"), "XMRig"), (Ascii("xmr-stak "), "xmr-stak"), (Ascii("cpuminer-multi "), "cpuminer-multi"),
        (Ascii("cpuminer-opt "), "cpuminer-opt"), (Ascii("cgminer "), "cgminer"), (Ascii("bfgminer "), "bfgminer"), (Ascii("SRBMiner-MULTI "), "SRBMiner-MULTI"),
        (Ascii("lolMiner "), "lolMiner"), (Ascii("T-Rex "), "T-Rex"), (Ascii("NBMiner "), "NBMiner"), (Ascii("ethminer "), "ethminer"),
    ];

    private static byte[] Ascii(string text) => Encoding.ASCII.GetBytes(text);

    /// <summary>Analyses <paramref name="file"/>; null when it does not start with the ELF magic.</summary>
    public static ElfInfo? Analyze(ReadOnlySpan<byte> file)
    {
        if (file.Length < 4 || !file.StartsWith("\u007fELF"u8))
            return null;
        file = file[..Math.Min(file.Length, MaxScanBytes)];

        string elfClass = "truncated", endianness = "truncated", machine = "truncated", type = "truncated";
        bool stripped = true, isStatic = true;
        if (file.Length >= 6)
        {
            elfClass = file[4] switch { 1 => "ELF32", 2 => "ELF64", _ => "unknown(" + file[4] + ")" };
            endianness = file[5] switch { 1 => "little", 2 => "big", _ => "unknown(" + file[5] + ")" };
        }

        bool is64 = file.Length > 4 && file[4] == 2;
        bool big = file.Length > 5 && file[5] == 2;
        bool known = file.Length > 5 && file[4] is 1 or 2 && file[5] is 1 or 2;
        if (known && file.Length >= (is64 ? Header64Length : Header32Length))
        {
            var reader = new Fields(file, big);
            type = reader.U16(16) switch { 1 => "relocatable", 2 => "executable", 3 => "shared-object", 4 => "core", int t => "unknown(" + t + ")" };
            machine = MachineName(reader.U16(18));
            long phoff = is64 ? (long)Math.Min(reader.U64(32), long.MaxValue) : reader.U32(28);
            long shoff = is64 ? (long)Math.Min(reader.U64(40), long.MaxValue) : reader.U32(32);
            int at = is64 ? 54 : 42;
            int phentsize = reader.U16(at);
            int phnum = reader.U16(at + 2);
            int shentsize = reader.U16(at + 4);
            int shnum = reader.U16(at + 6);
            isStatic = !HasProgramHeader(reader, file.Length, phoff, phentsize, phnum, PtInterp);
            stripped = !HasSection(reader, file.Length, shoff, shentsize, shnum, ShtSymtab);
        }

        var markers = new List<string>();
        foreach ((string marker, byte[][] patterns) in s_markers)
        {
            foreach (byte[] pattern in patterns)
            {
                if (file.IndexOf(pattern) >= 0)
                {
                    markers.Add(marker);
                    break;
                }
            }
        }

        return new ElfInfo(elfClass, endianness, machine, type, stripped, isStatic, markers, PoolUrls(file), Wallets(file), MinerName(file));
    }

    private readonly ref struct Fields(ReadOnlySpan<byte> file, bool big)
    {
        private readonly ReadOnlySpan<byte> _file = file;

        public int U16(long offset) => offset + 2 > _file.Length ? 0
            : big ? BinaryPrimitives.ReadUInt16BigEndian(_file[(int)offset..]) : BinaryPrimitives.ReadUInt16LittleEndian(_file[(int)offset..]);

        public uint U32(long offset) => offset + 4 > _file.Length ? 0
            : big ? BinaryPrimitives.ReadUInt32BigEndian(_file[(int)offset..]) : BinaryPrimitives.ReadUInt32LittleEndian(_file[(int)offset..]);

        public ulong U64(long offset) => offset + 8 > _file.Length ? 0
            : big ? BinaryPrimitives.ReadUInt64BigEndian(_file[(int)offset..]) : BinaryPrimitives.ReadUInt64LittleEndian(_file[(int)offset..]);
    }

    private static bool HasProgramHeader(Fields reader, int length, long offset, int entrySize, int count, uint wanted)
    {
        if (entrySize < 4 || offset <= 0 || offset >= length)
            return false;
        count = Math.Min(count, MaxProgramHeaders);
        for (int i = 0; i < count; i++)
        {
            long at = offset + ((long)i * entrySize);
            if (at + entrySize > length)
                return false;
            if (reader.U32(at) == wanted)
                return true;
        }

        return false;
    }

    private static bool HasSection(Fields reader, int length, long offset, int entrySize, int count, uint wanted)
    {
        if (entrySize < 8 || offset <= 0 || offset >= length)
            return false;
        count = Math.Min(count, MaxSections);
        for (int i = 0; i < count; i++)
        {
            long at = offset + ((long)i * entrySize);
            if (at + entrySize > length)
                return false;
            if (reader.U32(at + 4) == wanted)
                return true;
        }

        return false;
    }

    private static string MachineName(int machine) => machine switch
    {
        2 => "sparc",
        3 => "x86",
        8 => "mips",
        20 => "powerpc",
        21 => "powerpc64",
        22 => "s390",
        40 => "arm",
        43 => "sparcv9",
        62 => "x86-64",
        183 => "aarch64",
        243 => "riscv",
        258 => "loongarch",
        _ => "unknown(0x" + machine.ToString("x", System.Globalization.CultureInfo.InvariantCulture) + ")",
    };

    private static bool IsUrlByte(byte b) => b is > 0x20 and < 0x7F && b is not ((byte)'"' or (byte)'\'' or (byte)'<' or (byte)'>' or (byte)'`' or (byte)'\\');

    private static List<string> PoolUrls(ReadOnlySpan<byte> file)
    {
        var urls = new List<string>();
        foreach (ReadOnlySpan<byte> scheme in (ReadOnlySpan<byte[]>)[Ascii("stratum+tcp://"), Ascii("stratum+ssl://"), Ascii("stratum+tls://"), Ascii("stratum2+tcp://")])
        {
            int from = 0;
            int at;
            while (urls.Count < MaxFindings && from < file.Length && (at = file[from..].IndexOf(scheme)) >= 0)
            {
                at += from;
                int end = at + scheme.Length;
                while (end < file.Length && end - at < MaxUrlLength && IsUrlByte(file[end]))
                    end++;
                // A bare scheme (help text "stratum+tcp://") or a template ("%s") is not a pool.
                if (end - at > scheme.Length + 3 && file[(at + scheme.Length)..end].IndexOf((byte)'%') < 0)
                {
                    string url = Encoding.ASCII.GetString(file[at..end]);
                    if (!urls.Contains(url))
                        urls.Add(url);
                }

                from = end;
            }
        }

        return urls;
    }

    private static List<string> Wallets(ReadOnlySpan<byte> file)
    {
        var found = new List<(int Start, int Length)>();
        MinerStrings.FindWallets(file, found, MaxFindings);
        var wallets = new List<string>(found.Count);
        foreach ((int start, int length) in found)
        {
            string wallet = Encoding.ASCII.GetString(file.Slice(start, length));
            if (!wallets.Contains(wallet))
                wallets.Add(wallet);
        }

        return wallets;
    }

    private static string? MinerName(ReadOnlySpan<byte> file)
    {
        foreach ((byte[] prefix, string name) in s_versions)
        {
            int from = 0;
            int at;
            while (from < file.Length && (at = file[from..].IndexOf(prefix)) >= 0)
            {
                at += from;
                int start = at + prefix.Length;
                int end = start;
                while (end < file.Length && end - start < 24 && (char.IsAsciiDigit((char)file[end]) || file[end] == '.'))
                    end++;
                // A version: digit first, at least one dot ("6.16.0").
                if (end > start && char.IsAsciiDigit((char)file[start]) && file[start..end].IndexOf((byte)'.') > 0)
                    return name + " " + Encoding.ASCII.GetString(file[start..end]).TrimEnd('.');
                from = start;
            }
        }

        return null;
    }
}
