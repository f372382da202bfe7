using System.Text.Json;
using System.Text.Unicode;
using Assay.Flows;
using Assay.Protocols.Http;

namespace Assay.Output.Http;

/// <summary>
/// Writes EVE <c>http</c> events (one per transaction) and <c>fileinfo</c> events (one per body) in Suricata's layout
/// (suricata-eve/etc/schema.json <c>http</c> and <c>fileinfo</c>). One instance per worker, used with that worker's
/// <see cref="EveFormatter"/>; it owns the scratch buffers, so writing allocates nothing once they have grown.
/// </summary>
/// <remarks>
/// Text from the wire is written as Suricata's <c>set_string_from_bytes</c> does: valid UTF-8 as is, otherwise ASCII bytes
/// as is and every other byte as the four characters <c>\xNN</c>. An <c>http</c> event's <c>src_*</c> is the client; a
/// <c>fileinfo</c> event's is the side that sent the body (Suricata logs files in the packet's direction).
/// </remarks>
public sealed class HttpEveWriter
{
    private const string HexDigits = "0123456789abcdef";

    private readonly byte[] _scratch = new byte[64];
    private byte[] _text = new byte[1024];

    /// <param name="logHeaders">Also write every request and response field as <c>request_headers</c> /
    /// <c>response_headers</c> (Suricata's <c>dump-all-headers: both</c>).</param>
    public HttpEveWriter(bool logHeaders = false)
    {
        LogHeaders = logHeaders;
    }

    public bool LogHeaders { get; }

    /// <summary>Writes one <c>http</c> event for a finished transaction.</summary>
    /// <param name="timestamp">Time of the packet that finished it (Unix nanoseconds).</param>
    public void WriteTransaction(EveFormatter eve, in FlowRecord flow, long timestamp, HttpTransaction transaction)
    {
        Utf8JsonWriter json = eve.BeginEvent(timestamp, "http"u8);
        json.WriteNumber("flow_id"u8, flow.FlowId);
        eve.WriteFlowTuple(in flow);
        json.WriteNumber("tx_id"u8, transaction.Id);
        json.WriteStartObject("http"u8);
        WriteFields(json, transaction);
        if (LogHeaders)
        {
            WriteHeaders(json, "request_headers"u8, transaction.Request.Headers);
            WriteHeaders(json, "response_headers"u8, transaction.Response.Headers);
        }

        json.WriteEndObject();
        eve.EndEvent();
    }

    /// <summary>Writes one <c>fileinfo</c> event for a body that ended.</summary>
    public void WriteFile(EveFormatter eve, in FlowRecord flow, long timestamp, HttpTransaction transaction, HttpFile file)
    {
        Utf8JsonWriter json = eve.BeginEvent(timestamp, "fileinfo"u8);
        json.WriteNumber("flow_id"u8, flow.FlowId);
        eve.WriteFlowTuple(in flow, file.ToServer);
        json.WriteNumber("tx_id"u8, transaction.Id);
        if (flow.AppProtocol == (byte)Protocols.AppProtocol.None)
            json.WriteString("app_proto"u8, "http"u8);   // the tuple writes it once the flow's protocol is known
        json.WriteString("direction"u8, file.ToServer ? "to_server"u8 : "to_client"u8);
        json.WriteStartObject("http"u8);
        WriteFields(json, transaction);
        json.WriteEndObject();

        json.WriteStartObject("fileinfo"u8);
        ReadOnlySpan<byte> name = transaction.FileName(file.ToServer);
        if (!name.IsEmpty)
            WriteText(json, "filename"u8, name);
        json.WriteString("magic"u8, FileMagic.Description(file.Magic));
        json.WriteBoolean("gaps"u8, file.Gaps);
        json.WriteString("state"u8, file.State == HttpFileState.Closed ? "CLOSED"u8 : "TRUNCATED"u8);
        // As Suricata: MD5 and SHA-1 only for a closed file, SHA-256 whenever it covers every byte seen (a body cut short
        // by the end of the connection still has one). Each only when computed (--file-hashes; SHA-256 always when carving):
        // a digest the file does not have is an empty span, never written.
        if (file.State == HttpFileState.Closed)
        {
            if (!file.Md5.IsEmpty)
                WriteHex(json, "md5"u8, file.Md5);
            if (!file.Sha1.IsEmpty)
                WriteHex(json, "sha1"u8, file.Sha1);
        }

        if (!file.Sha256.IsEmpty)
            WriteHex(json, "sha256"u8, file.Sha256);

        json.WriteBoolean("stored"u8, file.Stored);
        json.WriteNumber("size"u8, file.Size);
        json.WriteNumber("tx_id"u8, transaction.Id);
        json.WriteEndObject();
        eve.EndEvent();
    }

    /// <summary>The <c>http</c> object's fields, in Suricata's order; absent values are left out.</summary>
    private void WriteFields(Utf8JsonWriter json, HttpTransaction tx)
    {
        WriteIfPresent(json, "hostname"u8, tx.HostName);
        int port = tx.HostPort;
        if (port >= 0)
            json.WriteNumber("http_port"u8, port);
        if (tx.Request.HasHead)
            WriteText(json, "url"u8, tx.Uri);
        WriteIfPresent(json, "http_user_agent"u8, tx.UserAgent);
        WriteIfPresent(json, "http_content_type"u8, tx.ResponseContentType);
        WriteIfPresent(json, "http_refer"u8, tx.Referer);
        WriteIfPresent(json, "xff"u8, tx.XForwardedFor);
        WriteIfPresent(json, "http_method"u8, tx.Method);
        if ((tx.Flags & HttpTransactionFlags.Http09) != 0)
            json.WriteString("protocol"u8, "HTTP/0.9"u8);
        else
            WriteIfPresent(json, "protocol"u8, tx.RequestProtocol);
        if (tx.StatusCode > 0)
            json.WriteNumber("status"u8, tx.StatusCode);
        else if (tx.StatusCode == HttpTransaction.InvalidStatus)
            WriteText(json, "status_string"u8, tx.StatusText);
        WriteIfPresent(json, "redirect"u8, tx.Location);
        json.WriteNumber("length"u8, tx.Response.BodyLength);
    }

    private void WriteHeaders(Utf8JsonWriter json, ReadOnlySpan<byte> property, HttpHeaderList headers)
    {
        // The schema wants at least one item: an empty list is left out.
        if (headers.Count == 0)
            return;
        json.WriteStartArray(property);
        for (int i = 0; i < headers.Count; i++)
        {
            json.WriteStartObject();
            WriteText(json, "name"u8, headers.Name(i));
            WriteText(json, "value"u8, headers.Value(i));
            json.WriteEndObject();
        }

        json.WriteEndArray();
    }

    private void WriteHex(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<byte> digest)
    {
        Span<byte> hex = _scratch.AsSpan(0, 2 * digest.Length);
        for (int i = 0; i < digest.Length; i++)
        {
            hex[2 * i] = (byte)HexDigits[digest[i] >> 4];
            hex[(2 * i) + 1] = (byte)HexDigits[digest[i] & 0xF];
        }

        json.WriteString(name, hex);
    }

    private void WriteIfPresent(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value)
    {
        if (!value.IsEmpty)
            WriteText(json, name, value);
    }

    private void WriteText(Utf8JsonWriter json, ReadOnlySpan<byte> name, ReadOnlySpan<byte> value) => json.WriteString(name, AsUtf8(value));

    /// <summary>
    /// Suricata's <c>set_string_from_bytes</c>: valid UTF-8 unchanged; otherwise ASCII kept and every other byte written
    /// as <c>\xNN</c> (Utf8JsonWriter would reject invalid UTF-8).
    /// </summary>
    private ReadOnlySpan<byte> AsUtf8(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
            return bytes;
        if (_text.Length < 4 * bytes.Length)
            _text = new byte[Math.Max(4 * bytes.Length, 2 * _text.Length)];
        Span<byte> output = _text;
        int n = 0;
        foreach (byte b in bytes)
        {
            if (b < 0x80)
            {
                output[n++] = b;
                continue;
            }

            output[n++] = (byte)'\\';
            output[n++] = (byte)'x';
            output[n++] = (byte)HexDigits[b >> 4];
            output[n++] = (byte)HexDigits[b & 0xF];
        }

        return output[..n];
    }
}
