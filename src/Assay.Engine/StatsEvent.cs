using System.Text.Json;
using Assay.Capture;
using Assay.Decoding;
using Assay.Output;

namespace Assay.Engine;

/// <summary>The final EVE <c>stats</c> event, in Suricata's layout (<c>stats.decoder</c>, <c>stats.flow</c>, <c>stats.defrag</c>).</summary>
internal static class StatsEvent
{
    /// <summary>
    /// Anomalies that Suricata also counts under <c>stats.decoder.event</c>, with the same meaning. Its schema closes that
    /// object, so Assay's own anomalies (checksums, defrag, flow table) are counted in the run summary and reported as
    /// <c>anomaly</c> events instead.
    /// </summary>
    private static readonly HashSet<string> s_suricataDecoderEvents = new(StringComparer.Ordinal)
    {
        "ethernet.pkt_too_small", "ethernet.unknown_ethertype", "vlan.header_too_small", "vlan.too_many_layers",
        "mpls.header_too_small", "sll.pkt_too_small", "sll2.pkt_too_small", "arp.pkt_too_small",
        "ipv4.pkt_too_small", "ipv4.wrong_ip_version", "ipv4.hlen_too_small", "ipv4.iplen_smaller_than_hlen",
        "ipv4.trunc_pkt", "ipv4.opt_invalid", "ipv4.opt_invalid_len",
        "ipv6.pkt_too_small", "ipv6.wrong_ip_version", "ipv6.trunc_pkt", "ipv6.rh_type_0", "ipv6.exthdr_dupl_fh",
        "ipv6.exthdr_useless_fh", "ipv6.icmpv4",
        "tcp.pkt_too_small", "tcp.hlen_too_small", "tcp.opt_invalid_len", "tcp.opt_duplicate",
        "udp.pkt_too_small", "icmpv4.pkt_too_small", "icmpv6.pkt_too_small", "ipraw.invalid_ip_version",
    };

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

        if (result.Drops is CaptureDrops drops)
            WriteCapture(json, drops);

        json.WriteStartObject("flow"u8);
        json.WriteNumber("total"u8, f.Flows);
        json.WriteNumber("tcp"u8, f.TcpFlows);
        json.WriteNumber("udp"u8, f.UdpFlows);
        json.WriteNumber("icmpv4"u8, f.IcmpFlows);
        json.WriteEndObject();
        json.WriteEndObject();
        eve.EndEvent();
    }

    /// <summary>
    /// A <c>stats</c> event while a live capture runs (every <see cref="AnalysisOptions.LiveStatsInterval"/>): the reader's
    /// counters and the capture's drops so far. Flow counters come with the final event (workers own them until then).
    /// </summary>
    public static void WriteLive(EveFormatter eve, DecodeStats d, CaptureDrops drops, TimeSpan uptime)
    {
        Utf8JsonWriter json = eve.BeginEvent(d.LastTimestamp == long.MinValue ? 0 : d.LastTimestamp, "stats"u8);
        json.WriteStartObject("stats"u8);
        json.WriteNumber("uptime"u8, (long)uptime.TotalSeconds);
        WriteCapture(json, drops);
        json.WriteStartObject("decoder"u8);
        json.WriteNumber("pkts"u8, d.Packets);
        json.WriteNumber("bytes"u8, d.Bytes);
        json.WriteNumber("invalid"u8, d.Invalid);
        json.WriteEndObject();
        json.WriteEndObject();
        eve.EndEvent();
    }

    /// <summary>Suricata's <c>stats.capture</c>: what the kernel passed up and dropped.</summary>
    private static void WriteCapture(Utf8JsonWriter json, CaptureDrops drops)
    {
        json.WriteStartObject("capture"u8);
        json.WriteNumber("kernel_packets"u8, drops.Received);
        json.WriteNumber("kernel_drops"u8, drops.KernelDropped);
        json.WriteNumber("kernel_ifdrops"u8, drops.InterfaceDropped);
        json.WriteEndObject();
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
            if (count == 0 || !s_suricataDecoderEvents.Contains(AnomalyNames.Get(anomaly)))
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
