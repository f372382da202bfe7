namespace Assay.Protocols.Tests.Http;

/// <summary>Rows of a Zeek btest baseline log: the <c>#fields</c> form, or the <c>.cut</c> form whose first plain line names the columns.</summary>
internal static class ZeekHttpLog
{
    public static List<Dictionary<string, string>> Read(string path)
    {
        string[]? fields = null;
        var rows = new List<Dictionary<string, string>>();
        foreach (string line in File.ReadLines(path))
        {
            if (line.StartsWith("#fields\t", StringComparison.Ordinal))
            {
                fields = line["#fields\t".Length..].Split('\t');
                continue;
            }

            if (line.Length == 0 || line[0] == '#')
                continue;
            string[] values = line.Split('\t');
            if (fields is null)
            {
                fields = values;
                continue;
            }

            var row = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < Math.Min(fields.Length, values.Length); i++)
                row[fields[i]] = values[i];
            rows.Add(row);
        }

        return rows;
    }

    /// <summary>
    /// The files a <c>file-analysis-test.zeek</c> run printed: size from <c>file #N, SIZE, 0</c> after FILE_STATE_REMOVE, then
    /// the MD5/SHA1/SHA256 lines.
    /// </summary>
    public static List<(long Size, string Md5, string Sha1, string Sha256)> ReadFileAnalysis(string path)
    {
        var files = new List<(long, string, string, string)>();
        long size = -1;
        string md5 = "", sha1 = "";
        bool afterRemove = false;
        foreach (string line in File.ReadLines(path))
        {
            if (line == "FILE_STATE_REMOVE")
            {
                afterRemove = true;
            }
            else if (afterRemove && line.StartsWith("file #", StringComparison.Ordinal))
            {
                size = long.Parse(line.Split(", ")[1], System.Globalization.CultureInfo.InvariantCulture);
                afterRemove = false;
            }
            else if (line.StartsWith("MD5: ", StringComparison.Ordinal))
            {
                md5 = line[5..];
            }
            else if (line.StartsWith("SHA1: ", StringComparison.Ordinal))
            {
                sha1 = line[6..];
            }
            else if (line.StartsWith("SHA256: ", StringComparison.Ordinal))
            {
                files.Add((size, md5, sha1, line[8..]));
            }
        }

        return files;
    }
}
