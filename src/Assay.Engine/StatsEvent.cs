using System.Text.Json;
using Assay.Decoding;
using Assay.Output;

namespace Assay.Engine;

/// <summary>The final EVE <c>stats</c> event, in Suricata's layout (<c>stats.decoder</c>, <c>stats.flow</c>, <c>stats.defrag</c>).</summary>
internal static class StatsEvent
{
    public static void Write(EveFormatter eve, AnalysisResult result)
    {
        DecodeStats d = result.Decode;
        FlowStats f = result.Flows;
        long timestamp = d.LastTimestamp == long.MinValue ? 0 : d.LastTimestamp;
        Utf8JsonWriter json = eve.BeginEvent(timestamp, "stats"u8);
        json.WriteStartObject("stats"u8);
        json.WriteNumber("uptime"u8, (long)result.Elapsed.TotalSeconds);

        json.WriteStartObject("decoder"u8);
        json.WriteNumber("pkts"u8, d.Packets);
        json.WriteNumber("bytes"u8, d.Bytes);
        json.WriteNumber("invalid"u8, d.Invalid);
        json.WriteNumber("ethernet"u8, d.Ethernet);
        json.WriteNumber("vlan"u8, d.Vlan);
        json.WriteNumber("mpls"u8, d.Mpls);
        json.WriteNumber("arp"u8, d.Arp);
        json.WriteNumber("ipv4"u8, d.IPv4);
        json.WriteNumber("ipv6"u8, d.IPv6);
        json.WriteNumber("tcp"u8, d.Tcp);
        json.WriteNumber("udp"u8, d.Udp);
        json.WriteNumber("icmpv4"u8, d.Icmp);
        json.WriteNumber("icmpv6"u8, d.IcmpV6);
        json.WriteNumber("sctp"u8, d.Sctp);
        json.WriteNumber("avg_pkt_size"u8, d.Packets == 0 ? 0 : d.Bytes / d.Packets);
        WriteAnomalies(json, result);
        json.WriteEndObject();

        json.WriteStartObject("defrag"u8);
        json.WriteStartObject("ipv4"u8);
        json.WriteNumber("fragments"u8, d.Fragments);
        json.WriteNumber("reassembled"u8, d.Reassembled);
        json.WriteEndObject();
        json.WriteEndObject();

        json.WriteStartObject("flow"u8);
        json.WriteNumber("total"u8, f.Flows);
        json.WriteNumber("tcp"u8, f.TcpFlows);
        json.WriteNumber("udp"u8, f.UdpFlows);
        json.WriteNumber("icmpv4"u8, f.IcmpFlows);
        json.WriteEndObject();
        json.WriteEndObject();
        eve.EndEvent();
    }

    /// <summary><c>decoder.event.&lt;layer&gt;.&lt;name&gt;</c> for every anomaly that occurred, as Suricata nests its decoder events.</summary>
    private static void WriteAnomalies(Utf8JsonWriter json, AnalysisResult result)
    {
        // Layers are not contiguous in the enum: group them first so each layer is one JSON object.
        var byLayer = new SortedDictionary<string, List<(string Name, long Count)>>(StringComparer.Ordinal);
        for (int i = 1; i < AnomalyNames.Count; i++)
        {
            var anomaly = (Anomaly)i;
            long count = result.AnomalyCount(anomaly);
            if (count == 0)
                continue;
            string layer = AnomalyNames.Layer(anomaly);
            if (!byLayer.TryGetValue(layer, out var names))
                byLayer[layer] = names = [];
            names.Add((AnomalyNames.Get(anomaly)[(layer.Length + 1)..], count));
        }

        json.WriteStartObject("event"u8);
        foreach ((string layer, List<(string Name, long Count)> names) in byLayer)
        {
            json.WriteStartObject(layer);
            foreach ((string name, long count) in names)
                json.WriteNumber(name, count);
            json.WriteEndObject();
        }

        json.WriteEndObject();
    }
}
