using System.Globalization;
using System.Text.Json;
using Assay.Flows;
using Assay.Protocols.Tls;

namespace Assay.Output.Tls;

/// <summary>
/// EVE <c>tls</c> events in Suricata's layout (suricata-eve/etc/schema.json <c>tls</c>): SNI, version, the server's leaf
/// certificate (subject, issuer, serial, SHA-1 fingerprint, validity), JA3/JA3S (hash and string), JA4 and the ALPNs.
/// One event per flow, when its handshake is over (or when the flow ends mid-handshake).
/// </summary>
public static class TlsEveWriter
{
    public static void Write(EveFormatter eve, in FlowRecord flow, long timestamp, TlsHandshakeInfo info)
    {
        Utf8JsonWriter json = eve.BeginEvent(timestamp, "tls"u8);
        json.WriteNumber("flow_id"u8, flow.FlowId);
        eve.WriteFlowTuple(in flow);
        json.WriteStartObject("tls"u8);
        TlsCertificateInfo? leaf = info.ServerCertificates.Count > 0 ? info.ServerCertificates[0] : null;
        if (leaf is not null)
        {
            WriteIfPresent(json, "subject"u8, leaf.Subject);
            WriteIfPresent(json, "issuerdn"u8, leaf.Issuer);
            WriteIfPresent(json, "serial"u8, leaf.Serial);
            json.WriteString("fingerprint"u8, leaf.Sha1Fingerprint);
        }

        WriteIfPresent(json, "sni"u8, info.ServerName);
        json.WriteString("version"u8, info.HasServerHello ? info.Version : "UNDETERMINED");
        if (leaf?.NotBefore is DateTime notBefore)
            json.WriteString("notbefore"u8, notBefore.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        if (leaf?.NotAfter is DateTime notAfter)
            json.WriteString("notafter"u8, notAfter.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture));
        if (info.Ja3Hash is not null)
        {
            json.WriteStartObject("ja3"u8);
            json.WriteString("hash"u8, info.Ja3Hash);
            json.WriteString("string"u8, info.Ja3);
            json.WriteEndObject();
        }

        if (info.Ja3SHash is not null)
        {
            json.WriteStartObject("ja3s"u8);
            json.WriteString("hash"u8, info.Ja3SHash);
            json.WriteString("string"u8, info.Ja3S);
            json.WriteEndObject();
        }

        WriteIfPresent(json, "ja4"u8, info.Ja4);
        WriteList(json, "client_alpns"u8, info.ClientAlpns);
        WriteList(json, "server_alpns"u8, info.ServerAlpns);
        json.WriteEndObject();
        eve.EndEvent();
    }

    private static void WriteIfPresent(Utf8JsonWriter json, ReadOnlySpan<byte> name, string? value)
    {
        if (value is not null)
            json.WriteString(name, value);
    }

    private static void WriteList(Utf8JsonWriter json, ReadOnlySpan<byte> name, IReadOnlyList<string> values)
    {
        if (values.Count == 0)
            return;
        json.WriteStartArray(name);
        foreach (string value in values)
            json.WriteStringValue(value);
        json.WriteEndArray();
    }
}
