using System.CommandLine;
using System.Text.Json;
using Spectre.Console;

namespace Assay.Cli;

/// <summary><c>assay files -d DIR [--extract SHA256 -o FILE]</c>: the carved files of a data directory.</summary>
internal static class FilesCommand
{
    private sealed record CarvedFile(string Sha256, long Size, string Magic, string? Name, long FlowId, string From, string To, string State, bool Stored, string Timestamp);

    public static Command Create()
    {
        var dataDir = CommonOptions.DataDirectory(required: true);
        var extract = new Option<string>("--extract") { Description = "Write out the stored file with this SHA-256." };
        var outputPath = new Option<string>("--output", "-o") { Description = "Where --extract writes (a path, or - for stdout)." };
        var json = new Option<bool>("--json") { Description = "List as JSON lines instead of a table." };
        var command = new Command("files", "List the files carved from HTTP bodies (hashes, type, size, the flow they came from), or write one out.")
        {
            dataDir, extract, outputPath, json,
        };
        command.SetAction(parse =>
        {
            DirectoryInfo dir = parse.GetValue(dataDir)!;
            string? sha = parse.GetValue(extract);
            if (sha is not null)
                return Extract(dir, sha, parse.GetValue(outputPath));
            return List(dir, parse.GetValue(json));
        });
        return command;
    }

    private static int List(DirectoryInfo dir, bool json)
    {
        string eve = Path.Combine(dir.FullName, DataLayout.EveFile);
        if (!File.Exists(eve))
            return ExitCodes.Fail(ExitCodes.BadInput, $"{dir.FullName}: no {DataLayout.EveFile} (run assay analyze -d {dir.FullName} first)");
        var files = new List<CarvedFile>();
        foreach (JsonElement e in EveLog.Events(eve, "fileinfo"))
        {
            JsonElement f = e.GetProperty("fileinfo");
            string? sha256 = EveLog.Text(f, "sha256");
            if (sha256 is null)
                continue;   // no hash: a body with a gap, nothing to refer to
            files.Add(new CarvedFile(sha256, f.GetProperty("size").GetInt64(), EveLog.Text(f, "magic") ?? "data", EveLog.Text(f, "filename"),
                e.GetProperty("flow_id").GetInt64(), EveLog.Endpoint(e, "src"), EveLog.Endpoint(e, "dest"), EveLog.Text(f, "state") ?? "",
                f.TryGetProperty("stored", out JsonElement stored) && stored.GetBoolean(), EveLog.Text(e, "timestamp") ?? ""));
        }

        if (json)
        {
            using Stream stdout = Console.OpenStandardOutput();
            foreach (CarvedFile file in files)
            {
                using (var writer = new Utf8JsonWriter(stdout, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                {
                    writer.WriteStartObject();
                    writer.WriteString("sha256", file.Sha256);
                    writer.WriteNumber("size", file.Size);
                    writer.WriteString("magic", file.Magic);
                    if (file.Name is not null)
                        writer.WriteString("filename", file.Name);
                    writer.WriteNumber("flow_id", file.FlowId);
                    writer.WriteString("src", file.From);
                    writer.WriteString("dest", file.To);
                    writer.WriteString("state", file.State);
                    writer.WriteBoolean("stored", file.Stored);
                    writer.WriteString("timestamp", file.Timestamp);
                    writer.WriteEndObject();
                }

                stdout.WriteByte((byte)'\n');
            }

            return ExitCodes.Success;
        }

        var table = new Table().Title($"{files.Count} carved files (assay files --json for every field)").AddColumns("sha256", "size", "type", "name", "from → to", "flow_id", "stored");
        foreach (CarvedFile file in files)
        {
            table.AddRow(file.Sha256, file.Size.ToString("N0"), Markup.Escape(file.Magic), Markup.Escape(file.Name ?? ""),
                Markup.Escape($"{file.From} → {file.To}"), file.FlowId.ToString(), file.Stored ? "yes" : "no");
        }

        AnsiConsole.Console.Write(table);
        return ExitCodes.Success;
    }

    private static int Extract(DirectoryInfo dir, string sha256, string? output)
    {
        if (sha256.Length != 64 || !sha256.All(Uri.IsHexDigit))
            return ExitCodes.Fail(ExitCodes.Usage, $"--extract {sha256}: expected a SHA-256 (64 hex digits)");
        if (string.IsNullOrEmpty(output))
            return ExitCodes.Fail(ExitCodes.Usage, "--extract needs -o FILE (or -o - for stdout)");
        sha256 = sha256.ToLowerInvariant();
        string stored = Path.Combine(dir.FullName, DataLayout.FilesDirectory, sha256[..2], sha256);
        if (!File.Exists(stored))
            return ExitCodes.Fail(ExitCodes.BadInput, $"no stored file with sha256 {sha256} in {Path.Combine(dir.FullName, DataLayout.FilesDirectory)} (was the run made with --store-files?)");
        try
        {
            using FileStream source = File.OpenRead(stored);
            if (output == "-")
            {
                using Stream stdout = Console.OpenStandardOutput();
                source.CopyTo(stdout);
            }
            else
            {
                using FileStream target = File.Create(output);
                source.CopyTo(target);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ExitCodes.Fail(ExitCodes.OutputError, $"{output}: {e.Message}");
        }

        return ExitCodes.Success;
    }

}
