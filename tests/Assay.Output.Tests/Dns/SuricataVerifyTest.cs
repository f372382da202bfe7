using System.Globalization;
using System.Text;

namespace Assay.Tests.Output.Dns;

/// <summary>
/// The parts of a suricata-verify <c>test.yaml</c> these tests use: the pcap, the test's <c>requires</c>, and each
/// check's <c>filter</c> (<c>count</c>, <c>match</c>, <c>requires</c>, <c>filename</c>). A line reader for the
/// files' regular layout, not a YAML parser.
/// </summary>
internal sealed class SuricataVerifyTest
{
    public sealed class Filter
    {
        public int Count = -1;
        public string? FileName;
        public string? MinVersion;
        public string? LessThanVersion;
        public List<KeyValuePair<string, string>> Match { get; } = [];
    }

    public string? Pcap { get; private set; }
    public string? MinVersion { get; private set; }
    public string? LessThanVersion { get; private set; }
    public bool RequiresFeatures { get; private set; }
    public string Args { get; private set; } = "";
    public string Env { get; private set; } = "";
    public List<Filter> Filters { get; } = [];

    public static SuricataVerifyTest Read(string path)
    {
        var test = new SuricataVerifyTest();
        string section = "";
        Filter? filter = null;
        string block = "";          // match / requires within a filter
        int blockIndent = -1;
        foreach (string raw in File.ReadLines(path))
        {
            string line = raw.TrimEnd();
            string trimmed = line.TrimStart();
            if (trimmed.Length == 0 || trimmed.StartsWith('#'))
                continue;
            int indent = line.Length - trimmed.Length;
            // Keys at column 0 open sections; list items may also start at column 0 ("- filter:", "- -k none").
            if (indent == 0 && !trimmed.StartsWith('-'))
            {
                (string key, string value) = Split(trimmed);
                section = key;
                if (key == "pcap")
                    test.Pcap = Unquote(value);
                continue;
            }

            switch (section)
            {
                case "requires":
                    (string rk, string rv) = Split(trimmed);
                    if (rk == "min-version")
                        test.MinVersion = rv;
                    else if (rk == "lt-version")
                        test.LessThanVersion = rv;
                    else if (rk == "features" || rk.StartsWith('-'))
                        test.RequiresFeatures = true;
                    break;
                case "args":
                    test.Args += " " + trimmed.TrimStart('-', ' ');
                    break;
                case "env":
                    test.Env += " " + trimmed;
                    break;
                case "checks":
                    if (trimmed.StartsWith("- filter:", StringComparison.Ordinal))
                    {
                        filter = new Filter();
                        test.Filters.Add(filter);
                        block = "";
                        continue;
                    }

                    if (trimmed.StartsWith('-') || filter is null)
                    {
                        filter = null;   // another kind of check (shell, file-compare, …)
                        continue;
                    }

                    if (block.Length != 0 && indent <= blockIndent)
                        block = "";
                    (string k, string v) = Split(trimmed);
                    if (block == "match")
                    {
                        filter.Match.Add(new(k, Unquote(v)));
                    }
                    else if (block == "requires")
                    {
                        if (k == "min-version")
                            filter.MinVersion = v;
                        else if (k == "lt-version")
                            filter.LessThanVersion = v;
                    }
                    else if (k is "match" or "requires")
                    {
                        block = k;
                        blockIndent = indent;
                    }
                    else if (k == "count")
                    {
                        filter.Count = int.Parse(v, CultureInfo.InvariantCulture);
                    }
                    else if (k == "filename")
                    {
                        filter.FileName = Unquote(v);
                    }

                    break;
            }
        }

        return test;
    }

    /// <summary>Whether a Suricata 8.0 run is what a <c>min-version</c> / <c>lt-version</c> pair describes.</summary>
    public static bool AppliesToSuricata8(string? minVersion, string? lessThanVersion)
    {
        if (minVersion is not null && Major(minVersion) > 8)
            return false;
        return lessThanVersion is null || Major(lessThanVersion) > 8;
    }

    private static int Major(string version) => int.Parse(version.Split('.')[0], CultureInfo.InvariantCulture);

    private static (string Key, string Value) Split(string line)
    {
        int colon = FindKeyColon(line);
        return colon < 0 ? (line, "") : (line[..colon].Trim(), line[(colon + 1)..].Trim());
    }

    /// <summary>The colon ending the key: keys have no spaces or quotes, values may contain colons (addresses, times).</summary>
    private static int FindKeyColon(string line)
    {
        for (int i = 0; i < line.Length; i++)
        {
            if (line[i] == ':' && (i + 1 == line.Length || line[i + 1] == ' '))
                return i;
            if (line[i] is '"' or '\'')
                return -1;
        }

        return -1;
    }

    /// <summary>YAML scalars: single quotes literal ('' = '), double quotes with \\, \", \uXXXX and \xNN escapes.</summary>
    private static string Unquote(string value)
    {
        if (value.Length >= 2 && value[0] == '\'' && value[^1] == '\'')
            return value[1..^1].Replace("''", "'", StringComparison.Ordinal);
        if (value.Length < 2 || value[0] != '"' || value[^1] != '"')
            return value;
        var sb = new StringBuilder();
        for (int i = 1; i < value.Length - 1; i++)
        {
            char c = value[i];
            if (c != '\\')
            {
                sb.Append(c);
                continue;
            }

            char e = value[++i];
            switch (e)
            {
                case 'u':
                    sb.Append((char)int.Parse(value.AsSpan(i + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 4;
                    break;
                case 'x':
                    sb.Append((char)int.Parse(value.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
                    i += 2;
                    break;
                case 'n':
                    sb.Append('\n');
                    break;
                case 't':
                    sb.Append('\t');
                    break;
                default:
                    sb.Append(e);
                    break;
            }
        }

        return sb.ToString();
    }
}
