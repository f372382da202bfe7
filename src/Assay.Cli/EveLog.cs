using System.Text.Json;

namespace Assay.Cli;

/// <summary>
/// Reads a data directory's <c>eve.json</c> for the commands that look things up after a run (<c>files</c>, <c>pcap</c>,
/// <c>follow</c>): one pass, a cheap substring test before a line is parsed.
/// </summary>
internal static class EveLog
{
    /// <summary>Every event of <paramref name="eventType"/> whose line contains <paramref name="mustContain"/> (if given).</summary>
    public static IEnumerable<JsonElement> Events(string evePath, string eventType, string? mustContain = null)
    {
        string marker = $"\"event_type\":\"{eventType}\"";
        foreach (string line in File.ReadLines(evePath))
        {
            if (!line.Contains(marker, StringComparison.Ordinal) || (mustContain is not null && !line.Contains(mustContain, StringComparison.Ordinal)))
                continue;
            JsonElement element;
            try
            {
                using var document = JsonDocument.Parse(line);
                element = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;   // a line cut by a crash: skip it
            }

            yield return element;
        }
    }

    public static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>An event's <c>src</c> or <c>dest</c> side as <c>ip:port</c> (<c>[v6]:port</c>), or the address alone.</summary>
    public static string Endpoint(JsonElement e, string side)
    {
        string ip = Text(e, side + "_ip") ?? "?";
        return e.TryGetProperty(side + "_port", out JsonElement port) ? (ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]:{port}" : $"{ip}:{port}") : ip;
    }
}
