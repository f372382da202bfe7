namespace Assay.Tests.Oracles;

/// <summary>Reads Zeek's tab-separated logs (the <c>#fields</c> header names the columns).</summary>
internal static class ZeekLog
{
    public static List<Dictionary<string, string>> Read(string path)
    {
        var rows = new List<Dictionary<string, string>>();
        string[]? fields = null;
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("#fields", StringComparison.Ordinal))
            {
                fields = line.Split('\t')[1..];
                continue;
            }

            if (line.StartsWith('#') || fields is null || line.Length == 0)
                continue;
            string[] values = line.Split('\t');
            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < fields.Length && i < values.Length; i++)
                row[fields[i]] = values[i];
            rows.Add(row);
        }

        return rows;
    }
}
