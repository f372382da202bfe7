using System.Text.Json;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>Every event we write fits Suricata's EVE schema (suricata-eve/etc/schema.json): known fields, right JSON types.</summary>
public class EveSchemaTests(ITestOutputHelper output)
{
    public static TheoryData<string> Captures => new()
    {
        "zeek/Traces/wikipedia.pcap",
        "zeek/Traces/communityid/icmp6.pcap",
        "zeek/Traces/communityid/sctp.pcap",
        "zeek/Traces/tcp/truncated-header.pcap",
        "suricata-verify/tests/decode-too-small/input.pcap",
        "suricata-verify/tests/decode-sll2-01/input.pcap",
        "zeek/Traces/tcp/ctu-64702-888.pcap",
        "zeek/Traces/tls/ecdhe.pcap",
        "zeek/Traces/tls/client-certificate.pcap",
        "lab/coinhive-proxy-ws8892-stratum3333.pcap",
        "lab/devlab-xmrig-socks5.pcap",
        "lab/devlab-incident-phpunit.pcap",
        "mining/zeek-cryptomining/testing/Traces/bitcoin-mining.pcap",
    };

    [Theory]
    [MemberData(nameof(Captures))]
    public void EveryEventFitsSuricatasSchema(string capture)
    {
        if (Corpus.Root is null || !File.Exists(Corpus.Path(capture)))
            return;
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Corpus.Path("suricata-eve/etc/schema.json")));
        var run = EngineHarness.Analyze(Corpus.Path(capture));
        var problems = new List<string>();
        foreach (JsonElement e in run.Events)
            Check(schema.RootElement, e, "", problems);
        output.WriteLine($"{capture}: {run.Events.Count} events, {problems.Count} schema problems");
        Assert.True(problems.Count == 0, string.Join("\n", problems.Distinct().Take(30)));
    }

    /// <summary>Assay's own event types (docs/EVE.md): their object is the one top-level key Suricata's schema lacks.</summary>
    private static readonly HashSet<string> s_assayEventTypes = ["miner", "miner_host"];

    private static void Check(JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        if (schema.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && !TypeFits(type.GetString()!, value))
        {
            problems.Add($"{path}: {value.ValueKind} where the schema says {type.GetString()}");
            return;
        }

        if (value.ValueKind == JsonValueKind.Object)
        {
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (JsonProperty property in value.EnumerateObject())
            {
                if (!seen.Add(property.Name))
                    problems.Add($"{path}.{property.Name}: written twice");
            }
        }

        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out JsonElement properties))
        {
            bool closed = schema.TryGetProperty("additionalProperties", out JsonElement additional) && additional.ValueKind == JsonValueKind.False;
            foreach (JsonProperty property in value.EnumerateObject())
            {
                if (properties.TryGetProperty(property.Name, out JsonElement sub))
                    Check(sub, property.Value, path + "." + property.Name, problems);
                else if (closed && !(path.Length == 0 && s_assayEventTypes.Contains(property.Name)))
                    problems.Add($"{path}.{property.Name}: not in the schema");
            }
        }
    }

    private static bool TypeFits(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "number" => value.ValueKind == JsonValueKind.Number,
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        _ => true,
    };
}
