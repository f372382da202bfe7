using System.Globalization;
using System.Text;
using System.Text.Json;
using Assay.Detection;

namespace Assay.Cli;

/// <summary>
/// The incident story of one host, built from a data directory: the requests against it (reconnaissance, exploits), what
/// it downloaded (with the carved files' hashes and what their content does), the mining sessions that followed, and the
/// other new outbound connections — ordered by time, each step naming its flow and the command that returns its packets.
/// </summary>
internal sealed class Story
{
    /// <summary>A download this long after an exploit against the host is attributed to it.</summary>
    private static readonly TimeSpan s_followUpWindow = TimeSpan.FromMinutes(30);

    /// <summary>Outbound connections listed after the first exploit (the rest are counted).</summary>
    private const int MaxConnections = 50;

    public sealed class Step
    {
        public required string Kind { get; init; }          // reconnaissance, exploit, download, mining, connection
        public required long Time { get; init; }             // ns
        public required long FlowId { get; init; }
        public string? CommunityId { get; init; }
        public required string Source { get; init; }
        public required string Destination { get; init; }
        public required string Title { get; init; }
        public Dictionary<string, object?> Details { get; } = new(StringComparer.Ordinal);
        public List<string> Because { get; } = [];
        public int Number { get; set; }
    }

    public required string Host { get; init; }
    public required string DataDirectory { get; init; }
    public List<Step> Steps { get; } = [];
    public List<string> Summary { get; } = [];
    public int MoreConnections { get; private set; }

    public string PcapCommand(Step step) => $"assay pcap -d {DataDirectory} --flow {step.FlowId} -w step-{step.Number:D2}.pcap";

    public static Story Build(string dataDirectory, string host)
    {
        string eve = Path.Combine(dataDirectory, DataLayout.EveFile);
        var story = new Story { Host = host, DataDirectory = dataDirectory };
        string quoted = $"\"{host}\"";
        var http = new List<JsonElement>();
        var files = new List<JsonElement>();
        var alerts = new List<JsonElement>();
        var miners = new Dictionary<long, JsonElement>();
        var flows = new List<JsonElement>();
        var flowStart = new Dictionary<long, long>();
        foreach (string line in File.ReadLines(eve))
        {
            if (!line.Contains(quoted, StringComparison.Ordinal))
                continue;
            JsonElement e;
            try
            {
                using var document = JsonDocument.Parse(line);
                e = document.RootElement.Clone();
            }
            catch (JsonException)
            {
                continue;
            }

            switch (EveLog.Text(e, "event_type"))
            {
                case "http": http.Add(e); break;
                case "fileinfo": files.Add(e); break;
                case "alert": alerts.Add(e); break;
                case "miner" when EveLog.Text(e, "src_ip") == host: miners[e.GetProperty("flow_id").GetInt64()] = e; break;   // the last (final) per flow
                case "flow":
                    flowStart[e.GetProperty("flow_id").GetInt64()] = FlowLookup.ParseTime(EveLog.Text(e.GetProperty("flow"), "start")) ?? Time(e);
                    if (EveLog.Text(e, "src_ip") == host)
                        flows.Add(e);
                    break;
            }
        }

        // Exploits against the host: the alerts of the exploit range on flows where it is the server, one step per request.
        var exploitFlows = new HashSet<long>();
        var attackers = new HashSet<string>(StringComparer.Ordinal);
        var byRequest = alerts
            .Where(a => a.GetProperty("alert").GetProperty("signature_id").GetInt32() is >= Output.IntrusionSignatures.ExploitFirst and <= Output.IntrusionSignatures.ExploitLast
                && EveLog.Text(a, "dest_ip") == host)
            .GroupBy(a => (a.GetProperty("flow_id").GetInt64(), Metadata(a, "tx_id")));
        foreach (IGrouping<(long FlowId, string? TxId), JsonElement> group in byRequest)
        {
            JsonElement[] matches = [.. group.OrderBy(a => a.GetProperty("alert").GetProperty("severity").GetInt32())];
            JsonElement alert = matches[0];
            long flowId = group.Key.FlowId;
            JsonElement? request = FindHttp(http, flowId, group.Key.TxId);
            var step = StepOf(alert, "exploit", Started(flowStart, flowId, Time(alert)),
                string.Join("; ", matches.Select(a => a.GetProperty("alert").GetProperty("signature").GetString()!["ASSAY EXPLOIT ".Length..]).Distinct()));
            step.Details["attacker"] = EveLog.Text(alert, "src_ip");
            step.Details["matched"] = matches.Select(a => $"{Metadata(a, "exploit_kind")} in {Metadata(a, "where")}: {Metadata(a, "excerpt")}").Distinct().ToList();
            if (request is JsonElement r)
            {
                JsonElement h = r.GetProperty("http");
                step.Details["request"] = $"{EveLog.Text(h, "http_method")} {EveLog.Text(h, "url")}";
                step.Details["user_agent"] = EveLog.Text(h, "http_user_agent");
                step.Details["response_status"] = h.TryGetProperty("status", out JsonElement status) ? status.GetInt32() : null;
            }

            step.Details["payload"] = Metadata(alert, "payload");
            step.Details["answered_with_success"] = Metadata(alert, "success");
            exploitFlows.Add(flowId);
            attackers.Add(EveLog.Text(alert, "src_ip")!);
            story.Steps.Add(step);
        }

        // Reconnaissance: the attackers' other requests to the host.
        foreach (JsonElement request in http)
        {
            if (EveLog.Text(request, "dest_ip") != host || !attackers.Contains(EveLog.Text(request, "src_ip")!) ||
                exploitFlows.Contains(request.GetProperty("flow_id").GetInt64()))
                continue;
            JsonElement h = request.GetProperty("http");
            var step = StepOf(request, "reconnaissance", Started(flowStart, request.GetProperty("flow_id").GetInt64(), Time(request)),
                $"{EveLog.Text(h, "http_method")} {EveLog.Text(h, "url")} → {(h.TryGetProperty("status", out JsonElement s) ? s.GetInt32() : 0)}");
            step.Details["user_agent"] = EveLog.Text(h, "http_user_agent");
            story.Steps.Add(step);
        }

        // Downloads: bodies the host received as an HTTP client, with what the carved content is and does.
        long firstExploit = story.Steps.Where(s => s.Kind == "exploit").Select(s => s.Time).DefaultIfEmpty(long.MaxValue).Min();
        foreach (JsonElement file in files)
        {
            // A response body the host received (it was the HTTP client), not a request body sent to it.
            if (EveLog.Text(file, "dest_ip") != host || !file.TryGetProperty("http", out JsonElement h) || EveLog.Text(file, "direction") == "to_server")
                continue;
            JsonElement f = file.GetProperty("fileinfo");
            string? sha256 = EveLog.Text(f, "sha256");
            string url = $"http://{EveLog.Text(h, "hostname")}{(h.TryGetProperty("http_port", out JsonElement port) ? ":" + port.GetInt32() : "")}{EveLog.Text(h, "url")}";
            var step = StepOf(file, "download", Started(flowStart, file.GetProperty("flow_id").GetInt64(), Time(file)),
                $"downloaded {url} ({EveLog.Text(f, "magic")}, {f.GetProperty("size").GetInt64():N0} bytes)", serverFirst: true);
            step.Details["url"] = url;
            step.Details["user_agent"] = EveLog.Text(h, "http_user_agent");
            step.Details["sha256"] = sha256;
            step.Details["magic"] = EveLog.Text(f, "magic");
            step.Details["size"] = f.GetProperty("size").GetInt64();
            step.Details["state"] = EveLog.Text(f, "state");
            if (ToolDownload.IsToolUserAgent(Encoding.UTF8.GetBytes(EveLog.Text(h, "http_user_agent") ?? ""), out string tool))
                step.Details["tool"] = tool;
            if (sha256 is not null)
                Inspect(dataDirectory, sha256, step);
            else
                step.Details["content"] = "no sha256 (a gap, decoding stopped, or the run's --file-hashes left it out)";
            if (step.Time >= firstExploit && step.Time - firstExploit <= s_followUpWindow.Ticks * 100)
                step.Because.Add("fetched after the exploit against the host");
            story.Steps.Add(step);
        }

        // Mining sessions.
        foreach (JsonElement e in miners.Values)
        {
            JsonElement m = e.GetProperty("miner");
            JsonElement pool = m.GetProperty("pool");
            string poolText = $"{EveLog.Text(pool, "ip")}:{pool.GetProperty("port").GetInt32()}" + (EveLog.Text(pool, "name") is { } name ? $" ({name})" : "");
            var step = StepOf(e, "mining", FlowLookup.ParseTime(EveLog.Text(m, "first_seen")) ?? Time(e),
                $"mined to {poolText} ({EveLog.Text(m, "confidence")}, {EveLog.Text(m, "dialect") ?? EveLog.Text(m, "transport")})");
            step.Details["pool"] = poolText;
            foreach (string field in new[] { "login", "password", "worker", "agent", "algorithm", "confidence", "dialect", "transport", "first_seen", "last_seen", "hashrate_method" })
                step.Details[field] = EveLog.Text(m, field);
            step.Details["hashrate_hps"] = m.TryGetProperty("hashrate_hps", out JsonElement rate) ? rate.GetDouble() : null;
            step.Details["shares_accepted"] = m.GetProperty("shares").GetProperty("accepted").GetInt64();
            story.Steps.Add(step);
        }

        // Other new outbound connections after the first exploit.
        var covered = story.Steps.Select(s => s.FlowId).ToHashSet();
        foreach (JsonElement flow in flows.OrderBy(Time))
        {
            long id = flow.GetProperty("flow_id").GetInt64();
            if (Time(flow) < firstExploit || covered.Contains(id))
                continue;
            if (story.Steps.Count(s => s.Kind == "connection") >= MaxConnections)
            {
                story.MoreConnections++;
                continue;
            }

            story.Steps.Add(StepOf(flow, "connection", Time(flow),
                $"new outbound {EveLog.Text(flow, "proto")} connection to {EveLog.Endpoint(flow, "dest")} ({EveLog.Text(flow, "app_proto") ?? "no payload"})"));
        }

        story.Steps.Sort((a, b) => a.Time != b.Time ? a.Time.CompareTo(b.Time) : a.FlowId.CompareTo(b.FlowId));
        for (int i = 0; i < story.Steps.Count; i++)
            story.Steps[i].Number = i + 1;
        story.Link();
        story.Summarise();
        return story;
    }

    /// <summary>What a carved file is and does: script indicators, or ELF facts and miner markers.</summary>
    private static void Inspect(string dataDirectory, string sha256, Step step)
    {
        string path = Path.Combine(dataDirectory, DataLayout.FilesDirectory, sha256[..2], sha256);
        if (!File.Exists(path))
        {
            step.Details["content"] = "not stored (analyze with the packet store on, or --store-files)";
            return;
        }

        byte[] content = File.ReadAllBytes(path);
        if (ElfAnalyzer.Analyze(content) is ElfInfo elf)
        {
            step.Details["elf"] = new Dictionary<string, object?>
            {
                ["class"] = elf.Class,
                ["machine"] = elf.Machine,
                ["type"] = elf.Type,
                ["stripped"] = elf.Stripped,
                ["static"] = elf.StaticallyLinked,
                ["miner"] = elf.MinerName,
                ["miner_markers"] = elf.MinerMarkers,
                ["pool_urls"] = elf.PoolUrls,
                ["wallets"] = elf.Wallets,
            };
            return;
        }

        IReadOnlyList<ScriptIndicator> indicators = ScriptAnalyzer.Analyze(content);
        if (indicators.Count > 0)
        {
            step.Details["indicators"] = indicators.Select(i => new Dictionary<string, object?>
            {
                ["name"] = i.Name,
                ["category"] = i.Category,
                ["line"] = i.Line,
                ["text"] = i.Text,
            }).ToList();
        }
    }

    /// <summary>Links steps by content and addresses: a download named in an exploit's payload, a binary named in a
    /// downloaded script, a mining session to a pool a script or binary names, or that starts after the binary arrived.</summary>
    private void Link()
    {
        foreach (Step step in Steps)
        {
            if (step.Kind == "download" && step.Details.GetValueOrDefault("url") is string url)
            {
                foreach (Step exploit in Steps.Where(s => s.Kind == "exploit" && s.Time <= step.Time))
                {
                    string target = url.Split("://")[^1];
                    if (exploit.Details.GetValueOrDefault("payload") is string payload && payload.Contains(target, StringComparison.Ordinal)
                        || exploit.Details.GetValueOrDefault("matched") is List<string> matched && matched.Any(m => m.Contains(target, StringComparison.Ordinal)))
                        step.Because.Add($"its URL is in the payload of step {exploit.Number}");
                }

                string name = url[(url.LastIndexOf('/') + 1)..];
                foreach (Step script in Steps.Where(s => s.Kind == "download" && s != step && s.Time <= step.Time && s.Details.ContainsKey("indicators")))
                {
                    if (name.Length > 0 && Indicators(script).Any(i => i.Contains(name, StringComparison.Ordinal)))
                        step.Because.Add($"the script of step {script.Number} fetches {name}");
                }
            }

            if (step.Kind == "mining")
            {
                string pool = step.Details.GetValueOrDefault("pool") as string ?? "";
                string poolEndpoint = pool.Split(' ')[0];
                foreach (Step download in Steps.Where(s => s.Kind == "download" && s.Time <= step.Time))
                {
                    if (Indicators(download).Any(i => i.Contains(poolEndpoint, StringComparison.Ordinal)) ||
                        download.Details.GetValueOrDefault("elf") is Dictionary<string, object?> elf && elf["pool_urls"] is IReadOnlyList<string> urls && urls.Any(u => u.Contains(poolEndpoint, StringComparison.Ordinal)))
                        step.Because.Add($"step {download.Number}'s content names this pool");
                    else if (download.Details.ContainsKey("elf"))
                        step.Because.Add($"started after the binary of step {download.Number} arrived");
                }
            }
        }
    }

    private static IEnumerable<string> Indicators(Step step) =>
        step.Details.GetValueOrDefault("indicators") is List<Dictionary<string, object?>> list ? list.Select(i => (string)i["text"]!) : [];

    private void Summarise()
    {
        Step[] exploits = [.. Steps.Where(s => s.Kind == "exploit")];
        Step[] downloads = [.. Steps.Where(s => s.Kind == "download")];
        Step[] mining = [.. Steps.Where(s => s.Kind == "mining")];
        if (exploits.Length > 0)
        {
            Step first = exploits[0];
            Step[] succeeded = [.. exploits.Where(e => (e.Details.GetValueOrDefault("answered_with_success") as string)?.StartsWith("yes", StringComparison.Ordinal) == true)];
            Summary.Add($"{Host} was attacked from {string.Join(", ", exploits.Select(e => e.Details["attacker"]).Distinct())}: {exploits.Length} exploit request(s), " +
                $"first at {Clock(first.Time)} ({first.Title}); {succeeded.Length} answered with success" +
                (succeeded.LastOrDefault(e => e.Details.GetValueOrDefault("payload") is not null) is { } last ? $", the last carrying {last.Details["payload"]}." : "."));
        }

        foreach (Step download in downloads.Where(d => d.Details.ContainsKey("indicators") || d.Details.ContainsKey("elf")))
        {
            string what = download.Details.GetValueOrDefault("elf") is Dictionary<string, object?> elf
                ? $"an ELF {elf["machine"]} binary{(elf["miner"] is string miner ? $" ({miner})" : "")}"
                : $"{download.Details.GetValueOrDefault("magic") ?? "a file"} with indicators: " +
                  string.Join(", ", ((List<Dictionary<string, object?>>)download.Details["indicators"]!).Select(i => (string)i["category"]!).Distinct());
            Summary.Add($"At {Clock(download.Time)} it downloaded {download.Details["url"]} — {what} (sha256 {download.Details["sha256"]}).");
        }

        foreach (Step session in mining)
        {
            string rate = session.Details.GetValueOrDefault("hashrate_hps") is double h ? $", ~{Output.Mining.MinerEveWriter.FormatHashrate(h)}" : "";
            Summary.Add($"It mined to {session.Details["pool"]} as {session.Details.GetValueOrDefault("login") ?? "an unknown login"}" +
                $"{(session.Details.GetValueOrDefault("agent") is string agent ? $" with {agent}" : "")} from {session.Details["first_seen"]} to {session.Details["last_seen"]}{rate}.");
        }

        if (Summary.Count == 0)
            Summary.Add($"Nothing suspicious was recorded about {Host}.");
    }

    public void WriteText(TextWriter output)
    {
        output.WriteLine($"Story of {Host}");
        foreach (string line in Summary)
            output.WriteLine("  " + line);
        output.WriteLine();
        foreach (Step step in Steps)
        {
            output.WriteLine($"{step.Number,3}. {Clock(step.Time)}  {step.Kind,-14} {step.Source} → {step.Destination}  {step.Title}");
            foreach ((string key, object? value) in step.Details)
            {
                if (value is null)
                    continue;
                if (value is List<Dictionary<string, object?>> indicators)
                {
                    foreach (Dictionary<string, object?> i in indicators)
                        output.WriteLine($"       {i["category"]} ({i["name"]}), line {i["line"]}: {i["text"]}");
                }
                else if (value is Dictionary<string, object?> nested)
                {
                    output.WriteLine($"       {key}: " + string.Join(", ", nested.Where(p => p.Value is not null).Select(p => $"{p.Key} {Format(p.Value)}")));
                }
                else
                {
                    output.WriteLine($"       {key}: {Format(value)}");
                }
            }

            foreach (string reason in step.Because)
                output.WriteLine($"       linked: {reason}");
            output.WriteLine($"       packets: {PcapCommand(step)}");
        }

        if (MoreConnections > 0)
            output.WriteLine($"     … and {MoreConnections} more outbound connections (assay story --json lists the first {MaxConnections})");
    }

    public void WriteJson(Utf8JsonWriter json)
    {
        json.WriteStartObject();
        json.WriteString("host", Host);
        json.WriteNumber("version", 1);
        json.WriteStartArray("summary");
        foreach (string line in Summary)
            json.WriteStringValue(line);
        json.WriteEndArray();
        json.WriteStartArray("steps");
        foreach (Step step in Steps)
        {
            json.WriteStartObject();
            json.WriteNumber("step", step.Number);
            json.WriteString("time", Iso(step.Time));
            json.WriteString("kind", step.Kind);
            json.WriteNumber("flow_id", step.FlowId);
            if (step.CommunityId is not null)
                json.WriteString("community_id", step.CommunityId);
            json.WriteString("src", step.Source);
            json.WriteString("dest", step.Destination);
            json.WriteString("title", step.Title);
            json.WritePropertyName("details");
            WriteValue(json, step.Details);
            json.WriteStartArray("linked");
            foreach (string reason in step.Because)
                json.WriteStringValue(reason);
            json.WriteEndArray();
            json.WriteString("pcap", PcapCommand(step));
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteNumber("more_connections", MoreConnections);
        json.WriteEndObject();
    }

    private static void WriteValue(Utf8JsonWriter json, object? value)
    {
        switch (value)
        {
            case null: json.WriteNullValue(); break;
            case string s: json.WriteStringValue(s); break;
            case bool b: json.WriteBooleanValue(b); break;
            case int i: json.WriteNumberValue(i); break;
            case long l: json.WriteNumberValue(l); break;
            case double d: json.WriteNumberValue(Math.Round(d, 2)); break;
            case Dictionary<string, object?> map:
                json.WriteStartObject();
                foreach ((string key, object? v) in map)
                {
                    if (v is null)
                        continue;
                    json.WritePropertyName(key);
                    WriteValue(json, v);
                }

                json.WriteEndObject();
                break;
            case System.Collections.IEnumerable list:
                json.WriteStartArray();
                foreach (object? item in list)
                    WriteValue(json, item);
                json.WriteEndArray();
                break;
            default: json.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture)); break;
        }
    }

    private static string Format(object? value) => value switch
    {
        IReadOnlyList<string> list => list.Count == 0 ? "none" : string.Join(", ", list),
        double d => d.ToString("0.##", CultureInfo.InvariantCulture),
        _ => Convert.ToString(value, CultureInfo.InvariantCulture) ?? "",
    };

    private static JsonElement? FindHttp(List<JsonElement> http, long flowId, string? txId)
    {
        JsonElement? best = null;
        foreach (JsonElement e in http)
        {
            if (e.GetProperty("flow_id").GetInt64() != flowId)
                continue;
            if (txId is null || (e.TryGetProperty("tx_id", out JsonElement tx) && tx.GetInt64().ToString(CultureInfo.InvariantCulture) == txId))
                best = e;
        }

        return best;
    }

    private static string? Metadata(JsonElement alert, string key) =>
        alert.GetProperty("alert").TryGetProperty("metadata", out JsonElement m) && m.TryGetProperty(key, out JsonElement values) && values.GetArrayLength() > 0
            ? values[0].GetString()
            : null;

    private static long Time(JsonElement e) => FlowLookup.ParseTime(EveLog.Text(e, "timestamp")) ?? 0;

    /// <summary>
    /// When a request-level step began: its connection's first packet. Transaction events are stamped when the response
    /// ends, which for an exploit is after the commands it ran; a connection carries one such request as a rule (on a
    /// keep-alive connection the requests share the connection's start and keep their order).
    /// </summary>
    /// <summary>A step about the flow of EVE event <paramref name="e"/>, its endpoints as the event has them (swapped with
    /// <paramref name="serverFirst"/>: a file event names the sender first).</summary>
    private static Step StepOf(JsonElement e, string kind, long time, string title, bool serverFirst = false) => new()
    {
        Kind = kind,
        Time = time,
        FlowId = e.GetProperty("flow_id").GetInt64(),
        CommunityId = EveLog.Text(e, "community_id"),
        Source = EveLog.Endpoint(e, serverFirst ? "dest" : "src"),
        Destination = EveLog.Endpoint(e, serverFirst ? "src" : "dest"),
        Title = title,
    };

    private static long Started(Dictionary<long, long> flowStart, long flowId, long eventTime) =>
        flowStart.TryGetValue(flowId, out long start) && start <= eventTime ? start : eventTime;

    private static string Clock(long nanos) => DateTimeOffset.FromUnixTimeMilliseconds(nanos / 1_000_000).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Iso(long nanos) => DateTimeOffset.FromUnixTimeMilliseconds(nanos / 1_000_000).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
