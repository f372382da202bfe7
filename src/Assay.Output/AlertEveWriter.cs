using System.Text.Json;
using Assay.Flows;

namespace Assay.Output;

/// <summary>EVE <c>alert</c> events in Suricata's layout (action, gid, signature id, rev, signature, category, severity,
/// metadata of string arrays), for every detector: mining evidence, exploit attempts, tool downloads.</summary>
public static class AlertEveWriter
{
    /// <param name="clientIsSource">As <see cref="EveFormatter.WriteFlowTuple"/>: false puts the server first (an answer, a download).</param>
    /// <param name="metadata">Written as <c>alert.metadata.KEY: [VALUE]</c>; keys may repeat (values are grouped in order).</param>
    public static void Write(EveFormatter eve, in FlowRecord flow, long timestamp, long packetNumber, int signatureId, string signature,
        string category, int severity, IReadOnlyList<KeyValuePair<string, string>> metadata, bool clientIsSource = true)
    {
        Utf8JsonWriter json = eve.BeginEvent(timestamp, "alert"u8);
        json.WriteNumber("flow_id"u8, flow.FlowId);
        if (packetNumber > 0)
            json.WriteNumber("pcap_cnt"u8, packetNumber);
        eve.WriteFlowTuple(in flow, clientIsSource);
        json.WriteStartObject("alert"u8);
        json.WriteString("action"u8, "allowed"u8);
        json.WriteNumber("gid"u8, 1);
        json.WriteNumber("signature_id"u8, signatureId);
        json.WriteNumber("rev"u8, 1);
        json.WriteString("signature"u8, signature);
        json.WriteString("category"u8, category);
        json.WriteNumber("severity"u8, severity);
        json.WriteStartObject("metadata"u8);
        var written = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < metadata.Count; i++)
        {
            string key = metadata[i].Key;
            if (!written.Add(key))
                continue;
            json.WriteStartArray(key);
            for (int j = i; j < metadata.Count; j++)
            {
                if (metadata[j].Key == key)
                    json.WriteStringValue(metadata[j].Value);
            }

            json.WriteEndArray();
        }

        json.WriteEndObject();
        json.WriteEndObject();
        eve.EndEvent();
    }
}
