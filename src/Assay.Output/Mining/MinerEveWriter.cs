using System.Globalization;
using System.Text.Json;
using Assay.Flows;

namespace Assay.Output.Mining;

/// <summary>
/// EVE <c>miner</c> events (Assay's own type, docs/EVE.md) and mining <c>alert</c> events in Suricata's alert layout.
/// Written at output frequency (a few per mining session), so strings are fine here.
/// </summary>
public static class MinerEveWriter
{
    /// <summary>A <c>miner</c> event for one session: its verdict, the fields parsed, and the evidence.</summary>
    public static void WriteMiner(EveFormatter eve, in FlowRecord flow, long timestamp, MinerReport report)
    {
        Utf8JsonWriter json = eve.BeginEvent(timestamp, "miner"u8);
        json.WriteNumber("flow_id"u8, flow.FlowId);
        eve.WriteFlowTuple(in flow);
        json.WriteStartObject("miner"u8);
        json.WriteString("confidence"u8, ConfidenceName(report.Confidence));
        WriteIfPresent(json, "dialect"u8, report.Dialect);
        json.WriteString("transport"u8, report.Transport);
        json.WriteStartObject("pool"u8);
        Span<byte> scratch = stackalloc byte[64];
        int n = Utf8Format.WriteAddress(report.PoolAddress, report.IPv6, scratch);
        json.WriteString("ip"u8, scratch[..n]);
        json.WriteNumber("port"u8, report.PoolPort);
        WriteIfPresent(json, "name"u8, report.PoolName);
        json.WriteEndObject();
        WriteIfPresent(json, "login"u8, report.Login);
        WriteIfPresent(json, "password"u8, report.Password);
        WriteIfPresent(json, "worker"u8, report.Worker);
        WriteIfPresent(json, "agent"u8, report.Agent);
        WriteIfPresent(json, "algorithm"u8, report.Algorithm);
        if (report.Algorithms.Count > 0)
        {
            json.WriteStartArray("algorithms"u8);
            foreach (string algorithm in report.Algorithms)
                json.WriteStringValue(algorithm);
            json.WriteEndArray();
        }

        if (report.Difficulty is double difficulty)
            json.WriteNumber("difficulty"u8, difficulty);
        json.WriteStartObject("shares"u8);
        json.WriteNumber("submitted"u8, report.SharesSubmitted);
        json.WriteNumber("accepted"u8, report.SharesAccepted);
        json.WriteNumber("rejected"u8, report.SharesRejected);
        json.WriteEndObject();
        json.WriteNumber("jobs"u8, report.Jobs);
        if (report.HashrateHps is double hashrate)
        {
            json.WriteNumber("hashrate_hps"u8, Math.Round(hashrate, 2));
            WriteIfPresent(json, "hashrate_method"u8, report.HashrateMethod);
        }

        WriteTimestamp(json, "first_seen"u8, report.FirstSeen);
        WriteTimestamp(json, "last_seen"u8, report.LastSeen);
        json.WriteBoolean("final"u8, report.Final);
        json.WriteStartArray("evidence"u8);
        foreach (MinerEvidence evidence in report.Evidence)
        {
            json.WriteStartObject();
            json.WriteString("kind"u8, evidence.Kind);
            json.WriteString("sentence"u8, evidence.Sentence);
            WriteTimestamp(json, "timestamp"u8, evidence.Timestamp);
            if (evidence.PacketNumber > 0)
                json.WriteNumber("pcap_cnt"u8, evidence.PacketNumber);
            json.WriteNumber("flow_id"u8, evidence.FlowId);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteEndObject();
        eve.EndEvent();
    }

    /// <summary>An <c>alert</c> event for one kind of mining evidence on a flow.</summary>
    /// <param name="clientIsSource">As <see cref="EveFormatter.WriteFlowTuple"/>: false puts the server first (a DNS answer).</param>
    public static void WriteAlert(EveFormatter eve, in FlowRecord flow, long timestamp, long packetNumber, MinerSignature signature,
        MinerEvidence evidence, bool clientIsSource = true) =>
        AlertEveWriter.Write(eve, in flow, timestamp, packetNumber, (int)signature, MinerSignatures.Message(signature), MinerSignatures.Category,
            MinerSignatures.Severity(signature), [new("evidence", evidence.Sentence), new("evidence_kind", evidence.Kind)], clientIsSource);

    public static string ConfidenceName(MinerConfidence confidence) => confidence switch
    {
        MinerConfidence.Certain => "certain",
        MinerConfidence.Strong => "strong",
        _ => "heuristic",
    };

    private static void WriteIfPresent(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (!string.IsNullOrEmpty(value))
            json.WriteString(name, value);
    }

    private static void WriteTimestamp(Utf8JsonWriter json, ReadOnlySpan<byte> name, long timestamp)
    {
        Span<byte> scratch = stackalloc byte[64];
        int n = Utf8Format.WriteTimestamp(timestamp, scratch);
        json.WriteString(name, scratch[..n]);
    }

    /// <summary>Hashes per second as people say it: 41.2 H/s, 12.5 kH/s, 3.1 MH/s …</summary>
    public static string FormatHashrate(double hashesPerSecond)
    {
        string[] units = ["H/s", "kH/s", "MH/s", "GH/s", "TH/s", "PH/s"];
        int unit = 0;
        while (hashesPerSecond >= 1000 && unit < units.Length - 1)
        {
            hashesPerSecond /= 1000;
            unit++;
        }

        return hashesPerSecond.ToString(hashesPerSecond < 10 ? "0.##" : "0.#", CultureInfo.InvariantCulture) + " " + units[unit];
    }
}
