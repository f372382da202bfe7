using System.CommandLine;
using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Assay.Capture;
using Assay.Store;

namespace Assay.Cli;

/// <summary>
/// <c>assay story HOST -d DIR [--json] [--export CASE.zip]</c>: the incident story of one host (docs/STORY.md), as an
/// analyst's summary, as stable JSON, or as an evidence bundle: every step's packets, the carved files, the timeline as
/// JSON and text, and a manifest with the SHA-256 of every member and of the capture segments they came from.
/// </summary>
internal static class StoryCommand
{
    public static Command Create()
    {
        var host = new Argument<string>("host") { Description = "The host whose story to tell (an IP address)." };
        var dataDir = CommonOptions.DataDirectory(required: true);
        var json = new Option<bool>("--json") { Description = "The story as JSON (stable; docs/STORY.md)." };
        var export = new Option<FileInfo>("--export") { Description = "Write an evidence bundle (zip): pcaps of every step, carved files, the story, a manifest of hashes." };
        var command = new Command("story", "Tell the incident story of a host: exploits against it, what it downloaded and what that does, the mining that followed, new connections.")
        {
            host, dataDir, json, export,
        };
        command.SetAction(parse => Run(parse.GetValue(host)!, parse.GetValue(dataDir)!, parse.GetValue(json), parse.GetValue(export)));
        return command;
    }

    private static int Run(string host, DirectoryInfo dir, bool json, FileInfo? export)
    {
        if (!IPAddress.TryParse(host, out IPAddress? address))
            return ExitCodes.Fail(ExitCodes.Usage, $"{host}: expected an IP address");
        host = address.ToString();
        string eve = Path.Combine(dir.FullName, DataLayout.EveFile);
        if (!File.Exists(eve))
            return ExitCodes.Fail(ExitCodes.BadInput, $"{dir.FullName}: no {DataLayout.EveFile} (run assay analyze -d {dir.FullName} first)");
        Story story = Story.Build(dir.FullName, host);
        if (export is not null)
        {
            try
            {
                Export(story, dir, export.FullName);
            }
            catch (StoreException e)
            {
                return ExitCodes.Fail(ExitCodes.BadInput, e.Message);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return ExitCodes.Fail(ExitCodes.OutputError, $"{export.FullName}: {e.Message}");
            }

            Console.Error.WriteLine($"assay: evidence bundle for {host} written to {export.FullName}");
            return ExitCodes.Success;
        }

        if (json)
        {
            using var writer = new Utf8JsonWriter(Console.OpenStandardOutput(), new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
            story.WriteJson(writer);
            writer.Flush();
            Console.Out.WriteLine();
        }
        else
        {
            story.WriteText(Console.Out);
        }

        return ExitCodes.Success;
    }

    /// <summary>The evidence bundle. Members are written, hashed as they are written, and listed in manifest.json last.</summary>
    private static void Export(Story story, DirectoryInfo dir, string zipPath)
    {
        string eve = Path.Combine(dir.FullName, DataLayout.EveFile);
        var members = new List<(string Name, string Sha256, long Size)>();
        var segments = new SortedSet<string>(StringComparer.Ordinal);
        string temp = zipPath + ".tmp";
        using (FileStream file = File.Create(temp))
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create))
        {
            bool hasStore = Directory.Exists(Path.Combine(dir.FullName, DataLayout.PacketsDirectory));
            using PacketStoreReader? store = hasStore ? PacketStoreReader.Open(dir.FullName) : null;
            Dictionary<long, FlowLookup.Found> flows = store is null ? [] : FlowLookup.FindAll(eve, story.Steps.Select(s => s.FlowId).ToHashSet());
            foreach (Story.Step step in story.Steps)
            {
                if (store is null || !flows.TryGetValue(step.FlowId, out FlowLookup.Found? flow))
                    continue;
                using var pcap = new MemoryStream();
                PcapWriter? writer = null;
                foreach (StoredPacket packet in store.Query(FlowLookup.Query(flow)))
                {
                    // The segment's link type is the first packet's: the writer starts with it.
                    writer ??= new PcapWriter(pcap, packet.LinkType, nanoseconds: true, ownsStream: false);
                    writer.Write(packet.TimestampNanos, packet.Data.Span, packet.OriginalLength);
                    segments.Add(packet.Segment);
                }

                (writer ?? new PcapWriter(pcap, 1, nanoseconds: true, ownsStream: false)).Dispose();
                members.Add(Add(zip, $"packets/step-{step.Number:D2}-{step.Kind}-{step.FlowId}.pcap", pcap.ToArray()));
            }

            var carved = story.Steps.Select(s => s.Details.GetValueOrDefault("sha256") as string).OfType<string>().Distinct(StringComparer.Ordinal);
            foreach (string sha256 in carved)
            {
                string path = Path.Combine(dir.FullName, DataLayout.FilesDirectory, sha256[..2], sha256);
                if (File.Exists(path))
                    members.Add(Add(zip, $"files/{sha256}", File.ReadAllBytes(path)));
            }

            using (var json = new MemoryStream())
            {
                using (var writer = new Utf8JsonWriter(json, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
                    story.WriteJson(writer);
                members.Add(Add(zip, "story.json", json.ToArray()));
            }

            var text = new StringWriter();
            story.WriteText(text);
            members.Add(Add(zip, "story.txt", Encoding.UTF8.GetBytes(text.ToString())));

            using var manifest = new MemoryStream();
            using (var writer = new Utf8JsonWriter(manifest, new JsonWriterOptions { Indented = true }))
            {
                writer.WriteStartObject();
                writer.WriteString("host", story.Host);
                writer.WriteString("created", DateTimeOffset.UtcNow.ToString("o", System.Globalization.CultureInfo.InvariantCulture));
                writer.WriteString("data_directory", dir.FullName);
                writer.WriteStartArray("members");
                foreach ((string name, string sha256, long size) in members)
                {
                    writer.WriteStartObject();
                    writer.WriteString("name", name);
                    writer.WriteString("sha256", sha256);
                    writer.WriteNumber("size", size);
                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteStartArray("capture_segments");
                foreach (string segment in segments)
                {
                    string path = Path.Combine(dir.FullName, DataLayout.PacketsDirectory, segment);
                    writer.WriteStartObject();
                    writer.WriteString("name", segment);
                    if (File.Exists(path))
                    {
                        using FileStream stream = File.OpenRead(path);
                        writer.WriteString("sha256", Convert.ToHexStringLower(SHA256.HashData(stream)));
                        writer.WriteNumber("size", stream.Length);
                    }

                    writer.WriteEndObject();
                }

                writer.WriteEndArray();
                writer.WriteEndObject();
            }

            Add(zip, "manifest.json", manifest.ToArray());
        }

        File.Move(temp, zipPath, overwrite: true);
    }

    private static (string Name, string Sha256, long Size) Add(ZipArchive zip, string name, byte[] content)
    {
        ZipArchiveEntry entry = zip.CreateEntry(name, CompressionLevel.Optimal);
        using (Stream stream = entry.Open())
            stream.Write(content);
        return (name, Convert.ToHexStringLower(SHA256.HashData(content)), content.Length);
    }
}
