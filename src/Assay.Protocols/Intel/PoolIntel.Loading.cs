using System.Buffers;
using System.Globalization;
using System.Reflection;

namespace Assay.Protocols.Intel;

public sealed partial class PoolIntel
{
    /// <summary>A user list larger than this is refused (a mistake, such as pointing at a capture file).</summary>
    public const long MaxUserListBytes = 16L * 1024 * 1024;

    internal const string PoolsResource = "Assay.Protocols.Intel.Data.pools.tsv";
    internal const string FingerprintsResource = "Assay.Protocols.Intel.Data.tls-fingerprints.tsv";

    private static readonly SearchValues<char> s_lowerHex = SearchValues.Create("0123456789abcdef");
    private static readonly SearchValues<char> s_ja4Prefix = SearchValues.Create("abcdefghijklmnopqrstuvwxyz0123456789");

    private const string SourceDirective = "#@source\t";
    private const int PoolColumns = 6;
    private const int FingerprintColumns = 7;

    /// <summary>The text of an embedded list (for tests and tooling).</summary>
    internal static string ReadResource(string name)
    {
        using Stream stream = Assembly.GetExecutingAssembly().GetManifestResourceStream(name)
            ?? throw new IntelFormatException(name, 0, "embedded list missing from the assembly");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>A snapshot of a list in the bundled pool-list format (tests and tooling), fully validated.</summary>
    internal static PoolIntel FromPoolListText(string text, string file)
    {
        var builder = new Builder();
        foreach (BundledPoolEntry entry in ParseBundledPools(text, file))
            builder.Add(entry.Kind, entry.Value, entry.Match, file, entry.Line);
        return new PoolIntel(builder);
    }

    private static void AddBundled(Builder builder)
    {
        foreach (BundledPoolEntry entry in ParseBundledPools(ReadResource(PoolsResource), PoolsResource))
            builder.Add(entry.Kind, entry.Value, entry.Match, PoolsResource, entry.Line);
        foreach (BundledFingerprint entry in ParseBundledFingerprints(ReadResource(FingerprintsResource), FingerprintsResource))
            builder.AddFingerprint(entry.IsJa4, entry.Match);
    }

    /// <summary>One data row of the bundled pool list, validated.</summary>
    internal readonly record struct BundledPoolEntry(int Line, string Kind, string Value, IntelMatch Match, string SourceId, string Date);

    /// <summary>One data row of the bundled fingerprint list, validated.</summary>
    internal readonly record struct BundledFingerprint(int Line, bool IsJa4, TlsFingerprintMatch Match, string SourceId, string Date);

    /// <summary>Parses the bundled pool list (format in its header); throws <see cref="IntelFormatException"/> on any bad row.</summary>
    internal static List<BundledPoolEntry> ParseBundledPools(string text, string file)
    {
        var sources = new Dictionary<string, (string Date, string Citation)>(StringComparer.Ordinal);
        var entries = new List<BundledPoolEntry>();
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.TrimEnd('\r');
            if (TryReadSourceDirective(line, file, lineNumber, sources) || line.Length == 0 || line[0] == '#')
                continue;

            string[] fields = line.Split('\t');
            if (fields.Length != PoolColumns)
                throw new IntelFormatException(file, lineNumber, $"expected {PoolColumns} TAB-separated columns, found {fields.Length}");
            (string kind, string value, string label, string category, string sourceId, string date) =
                (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5]);
            if (!sources.TryGetValue(sourceId, out (string Date, string Citation) source))
                throw new IntelFormatException(file, lineNumber, $"source '{sourceId}' is not declared by a #@source line above");
            if (!string.Equals(date, source.Date, StringComparison.Ordinal))
                throw new IntelFormatException(file, lineNumber, $"date '{date}' differs from its source's date '{source.Date}'");
            IntelCategory parsed = category switch
            {
                "pool" => IntelCategory.Pool,
                "webminer" => IntelCategory.WebMiner,
                "donation" => IntelCategory.Donation,
                _ => throw new IntelFormatException(file, lineNumber, $"unknown category '{category}' (pool, webminer, donation)"),
            };
            if (kind is not ("domain" or "address" or "endpoint"))
                throw new IntelFormatException(file, lineNumber, $"unknown kind '{kind}' (domain, address, endpoint)");
            var match = new IntelMatch(value, parsed, source.Citation) { Label = label == "-" ? null : label };
            entries.Add(new BundledPoolEntry(lineNumber, kind, value, match, sourceId, date));
        }

        return entries;
    }

    /// <summary>Parses the bundled fingerprint list: <c>kind fingerprint software shared source date notes</c>.</summary>
    internal static List<BundledFingerprint> ParseBundledFingerprints(string text, string file)
    {
        var sources = new Dictionary<string, (string Date, string Citation)>(StringComparer.Ordinal);
        var entries = new List<BundledFingerprint>();
        int lineNumber = 0;
        foreach (string raw in text.Split('\n'))
        {
            lineNumber++;
            string line = raw.TrimEnd('\r');
            if (TryReadSourceDirective(line, file, lineNumber, sources) || line.Length == 0 || line[0] == '#')
                continue;

            string[] fields = line.Split('\t');
            if (fields.Length != FingerprintColumns)
                throw new IntelFormatException(file, lineNumber, $"expected {FingerprintColumns} TAB-separated columns, found {fields.Length}");
            (string kind, string fingerprint, string software, string shared, string sourceId, string date, string notes) =
                (fields[0], fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
            if (!sources.TryGetValue(sourceId, out (string Date, string Citation) source))
                throw new IntelFormatException(file, lineNumber, $"source '{sourceId}' is not declared by a #@source line above");
            if (!string.Equals(date, source.Date, StringComparison.Ordinal))
                throw new IntelFormatException(file, lineNumber, $"date '{date}' differs from its source's date '{source.Date}'");
            bool isJa4 = kind switch
            {
                "ja3" => false,
                "ja4" => true,
                _ => throw new IntelFormatException(file, lineNumber, $"unknown kind '{kind}' (ja3, ja4)"),
            };
            if (!(isJa4 ? IsJa4(fingerprint) : IsJa3Hash(fingerprint)))
                throw new IntelFormatException(file, lineNumber, $"'{fingerprint}' is not a {kind} fingerprint");
            if (shared is not ("shared" or "unique"))
                throw new IntelFormatException(file, lineNumber, $"sharing must be 'shared' or 'unique', not '{shared}'");
            var match = new TlsFingerprintMatch(software, fingerprint, shared == "shared", source.Citation) { Notes = notes };
            entries.Add(new BundledFingerprint(lineNumber, isJa4, match, sourceId, date));
        }

        return entries;
    }

    /// <summary><c>#@source&lt;TAB&gt;id&lt;TAB&gt;date&lt;TAB&gt;citation</c>.</summary>
    private static bool TryReadSourceDirective(string line, string file, int lineNumber, Dictionary<string, (string Date, string Citation)> sources)
    {
        if (!line.StartsWith(SourceDirective, StringComparison.Ordinal))
            return false;
        string[] fields = line.Split('\t');
        if (fields.Length != 4 || fields[1].Length == 0 || fields[3].Length == 0 || !IsListDate(fields[2]))
            throw new IntelFormatException(file, lineNumber, "#@source needs: id, date (YYYY, YYYY-MM or YYYY-MM-DD), citation");
        if (!sources.TryAdd(fields[1], (fields[2], $"{fields[3]} [{fields[2]}]")))
            throw new IntelFormatException(file, lineNumber, $"source '{fields[1]}' declared twice");
        return true;
    }

    /// <summary>YYYY, YYYY-MM or YYYY-MM-DD that is a real date.</summary>
    internal static bool IsListDate(string text) =>
        DateTime.TryParseExact(text, ["yyyy", "yyyy-MM", "yyyy-MM-dd"], CultureInfo.InvariantCulture, DateTimeStyles.None, out _);

    internal static bool IsJa3Hash(string text) => text.Length == 32 && IsLowerHex(text);

    /// <summary>JA4 <c>a_b_c</c>: a 10-character readable prefix, then two 12-hex-digit hashes.</summary>
    internal static bool IsJa4(string text) =>
        text.Length == 36 && text[10] == '_' && text[23] == '_' && text[0] is 't' or 'q' or 'd'
        && IsLowerHex(text.AsSpan(11, 12)) && IsLowerHex(text.AsSpan(24, 12))
        && text.AsSpan(0, 10).IndexOfAnyExcept(s_ja4Prefix) < 0;

    private static bool IsLowerHex(ReadOnlySpan<char> text) => text.IndexOfAnyExcept(s_lowerHex) < 0;

    private static void AddUserFile(Builder builder, string file)
    {
        string[] lines;
        try
        {
            var info = new FileInfo(file);
            if (!info.Exists)
                throw new IntelFormatException(file, 0, "file not found");
            if (info.Length > MaxUserListBytes)
                throw new IntelFormatException(file, 0, $"larger than {MaxUserListBytes} bytes");
            lines = File.ReadAllLines(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new IntelFormatException(file, $"cannot read: {e.Message}", e);
        }

        string source = file;
        for (int i = 0; i < lines.Length; i++)
        {
            ReadOnlySpan<char> line = lines[i];
            int hash = line.IndexOf('#');
            if (hash >= 0)
                line = line[..hash];
            line = line.Trim();
            if (line.IsEmpty)
                continue;

            ReadOnlySpan<char> value = line;
            string? label = null;
            int tab = line.IndexOf('\t');
            if (tab >= 0)
            {
                value = line[..tab].Trim();
                ReadOnlySpan<char> rest = line[(tab + 1)..].Trim();
                if (rest.IndexOf('\t') >= 0)
                    throw new IntelFormatException(file, i + 1, "more than two TAB-separated columns");
                label = rest.IsEmpty ? null : rest.ToString();
            }

            if (value.IndexOfAny(' ', '\t') >= 0)
                throw new IntelFormatException(file, i + 1, "spaces inside an entry (separate the label with a TAB)");

            string text = value.ToString();
            if (text.StartsWith("ja3:", StringComparison.OrdinalIgnoreCase) || text.StartsWith("ja4:", StringComparison.OrdinalIgnoreCase))
            {
                bool isJa4 = char.ToLowerInvariant(text[2]) == '4';
                string fingerprint = text[4..].ToLowerInvariant();
                if (!(isJa4 ? IsJa4(fingerprint) : IsJa3Hash(fingerprint)))
                    throw new IntelFormatException(file, i + 1, $"'{text[4..]}' is not a {(isJa4 ? "JA4" : "JA3 (32 hex digits)")} fingerprint");
                builder.AddFingerprint(isJa4, new TlsFingerprintMatch(label ?? "user list", fingerprint, false, source));
                continue;
            }

            builder.Add(kind: null, text, new IntelMatch(text, IntelCategory.User, source) { Label = label }, file, i + 1);
        }
    }

    /// <summary>Mutable tables a snapshot is frozen from.</summary>
    private sealed class Builder
    {
        public Dictionary<string, DomainEntry> Domains { get; } = new(StringComparer.Ordinal);

        public Dictionary<UInt128, IntelMatch>?[] ByPrefix { get; } = new Dictionary<UInt128, IntelMatch>?[AddressBits + 1];

        public Dictionary<EndpointKey, IntelMatch> Endpoints { get; } = [];

        public Dictionary<string, TlsFingerprintMatch> Ja3 { get; } = new(StringComparer.OrdinalIgnoreCase);

        public Dictionary<string, TlsFingerprintMatch> Ja4 { get; } = new(StringComparer.OrdinalIgnoreCase);

        public void AddFingerprint(bool isJa4, TlsFingerprintMatch match) => (isJa4 ? Ja4 : Ja3)[match.Fingerprint] = match;

        /// <summary>
        /// Adds a value of <paramref name="kind"/> (domain / address / endpoint), or of the kind its text shows when
        /// <paramref name="kind"/> is null (user lists). Later entries replace earlier ones with the same value.
        /// </summary>
        public void Add(string? kind, string value, IntelMatch match, string file, int line)
        {
            ReadOnlySpan<char> text = value;
            if (text.IsEmpty)
                throw new IntelFormatException(file, line, "empty entry");

            if (text[0] == '[')
            {
                // [v6]:port
                int close = text.IndexOf(']');
                if (close < 0 || close + 1 >= text.Length || text[close + 1] != ':')
                    throw new IntelFormatException(file, line, "expected [IPv6]:port");
                if (!IntelText.TryParseIPv6(text[1..close], out UInt128 v6))
                    throw new IntelFormatException(file, line, $"'{text[1..close]}' is not an IPv6 address");
                RequireKind(kind, "endpoint", file, line);
                Endpoints[new EndpointKey(v6, ParsePort(text[(close + 2)..], file, line))] = match;
                return;
            }

            int slash = text.IndexOf('/');
            if (slash >= 0)
            {
                RequireKind(kind, "address", file, line);
                AddCidr(text[..slash], text[(slash + 1)..], match, file, line);
                return;
            }

            int colons = text.Count(':');
            if (colons >= 2)
            {
                if (!IntelText.TryParseIPv6(text, out UInt128 v6))
                    throw new IntelFormatException(file, line, $"'{value}' is not an IPv6 address (write an IPv6 endpoint as [address]:port)");
                RequireKind(kind, "address", file, line);
                AddPrefix(v6, AddressBits, match);
                return;
            }

            if (colons == 1)
            {
                RequireKind(kind, "endpoint", file, line);
                int colon = text.IndexOf(':');
                ReadOnlySpan<char> host = text[..colon];
                ushort port = ParsePort(text[(colon + 1)..], file, line);
                if (IntelText.LooksLikeIPv4(host))
                {
                    if (!IntelText.TryParseIPv4(host, out uint v4))
                        throw new IntelFormatException(file, line, $"'{host}' is not an IPv4 address");
                    Endpoints[new EndpointKey(IntelText.MapIPv4(v4), port)] = match;
                    return;
                }

                // A named endpoint matches by name only (the address is known after DNS); a subtree entry for the same
                // name is broader and stays.
                string name = NormalizeDomain(host, file, line);
                if (!Domains.TryGetValue(name, out DomainEntry existing) || !existing.IncludeSubdomains)
                    Domains[name] = new DomainEntry(match with { Name = $"{name}:{port}" }, IncludeSubdomains: false);
                return;
            }

            if (IntelText.LooksLikeIPv4(text))
            {
                if (!IntelText.TryParseIPv4(text, out uint v4))
                    throw new IntelFormatException(file, line, $"'{value}' is not an IPv4 address");
                RequireKind(kind, "address", file, line);
                AddPrefix(IntelText.MapIPv4(v4), AddressBits, match);
                return;
            }

            RequireKind(kind, "domain", file, line);
            string domain = NormalizeDomain(text, file, line);
            Domains[domain] = new DomainEntry(match with { Name = domain }, IncludeSubdomains: true);
        }

        private void AddCidr(ReadOnlySpan<char> addressText, ReadOnlySpan<char> lengthText, IntelMatch match, string file, int line)
        {
            if (!IntelText.TryParseAddress(addressText, out UInt128 address, out bool isIPv4))
                throw new IntelFormatException(file, line, $"'{addressText}' is not an IP address");
            int maxLength = isIPv4 ? 32 : AddressBits;
            if (lengthText.IsEmpty || lengthText.Length > 3 || lengthText.IndexOfAnyExceptInRange('0', '9') >= 0
                || !int.TryParse(lengthText, NumberStyles.None, CultureInfo.InvariantCulture, out int length)
                || length < 1 || length > maxLength)
            {
                throw new IntelFormatException(file, line, $"prefix length '{lengthText}' out of range 1-{maxLength}");
            }

            int mapped = isIPv4 ? length + 96 : length;
            UInt128 mask = UInt128.MaxValue << (AddressBits - mapped);
            if ((address & ~mask) != 0)
                throw new IntelFormatException(file, line, $"host bits set below /{length} (did you mean the network address?)");
            AddPrefix(address, mapped, match);
        }

        private void AddPrefix(UInt128 network, int length, IntelMatch match) =>
            (ByPrefix[length] ??= [])[network] = match;

        private static string NormalizeDomain(ReadOnlySpan<char> text, string file, int line) =>
            IntelText.TryNormalizeDomain(text, out string domain, out string? error)
                ? domain
                : throw new IntelFormatException(file, line, $"'{text}': {error}");

        private static ushort ParsePort(ReadOnlySpan<char> text, string file, int line) =>
            IntelText.TryParsePort(text, out ushort port) ? port : throw new IntelFormatException(file, line, $"port '{text}' out of range 1-65535");

        private static void RequireKind(string? kind, string actual, string file, int line)
        {
            if (kind is not null && kind != actual)
                throw new IntelFormatException(file, line, $"value is an {actual}, but its kind column says {kind}");
        }
    }
}
