using System.Buffers;
using System.Text;
using Assay.Detection;
using Assay.Output;
using Assay.Protocols.Http;

namespace Assay.Engine.App;

/// <summary>
/// Intrusion detection on HTTP (DESIGN.md §5): exploit shapes in requests (URL, query, headers, body), each an alert
/// saying what matched and whether the server answered with success; scripts and binaries fetched by tool clients
/// (curl, wget, …). Script and binary content is judged from the carved files by <c>assay story</c>.
/// </summary>
internal sealed partial class AppLayer
{
    /// <summary>Bytes of a request body kept for exploit inspection: the body's first bytes (<see cref="FileMagic.SniffLength"/>).</summary>
    private const int RequestBodyHeadLength = FileMagic.SniffLength;

    /// <summary>
    /// Bytes in a request head that make its other header values worth inspecting: <c>$</c> (<c>${jndi:…}</c>, <c>${…}</c>
    /// expressions, <c>$(…)</c>) and backticks. With <c>() {</c> (Shellshock) and <c>%{</c> (OGNL) checked too, this keeps
    /// the header strings off ordinary requests (whose User-Agent and Accept are full of <c>;</c> and parentheses).
    /// </summary>
    private static readonly SearchValues<byte> s_headerSuspects = SearchValues.Create("$`"u8);

    private readonly List<ExploitMatch> _exploits = [];
    private readonly List<KeyValuePair<string, string>> _headers = [];

    /// <summary>A request body ended: keep its first bytes until its transaction is inspected.</summary>
    private static void KeepRequestBody(FlowApp app, HttpFile file)
    {
        if (!file.ToServer)
            return;
        ReadOnlySpan<byte> head = file.Head;
        app.RequestBodyHead ??= new byte[RequestBodyHeadLength];
        head.CopyTo(app.RequestBodyHead);
        app.RequestBodyHeadLength = head.Length;
    }

    private void CheckIntrusion(FlowApp app, HttpTransaction tx)
    {
        ReadOnlySpan<byte> body = app.RequestBodyHead is null ? default : app.RequestBodyHead.AsSpan(0, app.RequestBodyHeadLength);
        app.RequestBodyHeadLength = 0;
        if (tx.Request.HasHead)
        {
            _exploits.Clear();
            IReadOnlyList<KeyValuePair<string, string>>? headers = null;
            ReadOnlySpan<byte> head = tx.Request.RawHead;
            if (head.IndexOfAny(s_headerSuspects) >= 0 || head.IndexOf("() {"u8) >= 0 || head.IndexOf("%{"u8) >= 0)
            {
                // Header values only when the head has template or shell syntax somewhere (rare): no strings otherwise.
                _headers.Clear();
                HttpHeaderList list = tx.Request.Headers;
                for (int i = 0; i < list.Count; i++)
                    _headers.Add(new(Encoding.Latin1.GetString(list.Name(i)), Encoding.Latin1.GetString(list.Value(i))));
                headers = _headers;
            }

            if (ExploitDetector.Inspect(tx.Method, tx.Uri, tx.UserAgent, headers, body, _exploits) > 0)
            {
                foreach (ExploitMatch match in _exploits)
                    ExploitAlert(tx, match, body);
            }
        }

        if (tx.Response.HasFile && ToolDownload.IsToolUserAgent(tx.UserAgent, out string tool))
        {
            HttpFile file = tx.Response.File;
            bool binary = file.Magic is FileMagicType.Elf32Lsb or FileMagicType.Elf32Msb or FileMagicType.Elf64Lsb or FileMagicType.Elf64Msb
                or FileMagicType.Pe32 or FileMagicType.Pe32Plus or FileMagicType.MachO;
            bool script = file.Magic is FileMagicType.ShellScript or FileMagicType.Script or FileMagicType.Php;
            if (binary || script)
            {
                string url = Encoding.Latin1.GetString(tx.HostName) + Encoding.Latin1.GetString(tx.Uri);
                var metadata = new List<KeyValuePair<string, string>>
                {
                    new("url", url),
                    new("tool", tool),
                    new("magic", Encoding.ASCII.GetString(FileMagic.Description(file.Magic))),
                    new("size", file.Size.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                    new("tx_id", tx.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
                };
                if (!file.Sha256.IsEmpty)   // not computed (--file-hashes without sha256, no carving), or not covering the content
                    metadata.Add(new("sha256", Convert.ToHexStringLower(file.Sha256)));
                AlertEveWriter.Write(_eve, in _current, _now, 0, binary ? IntrusionSignatures.ToolDownloadBinary : IntrusionSignatures.ToolDownloadScript,
                    binary ? $"ASSAY DOWNLOAD executable fetched by {tool}" : $"ASSAY DOWNLOAD script fetched by {tool}",
                    IntrusionSignatures.DownloadCategory, 1, metadata);
                _current.Alerted = true;
                _store?.Pin(in _current.Key, _current.FirstTimestamp, _current.LastTimestamp);
            }
        }
    }

    private void ExploitAlert(HttpTransaction tx, ExploitMatch match, ReadOnlySpan<byte> body)
    {
        int status = tx.StatusCode;
        string answer = status <= 0 ? "no response" : status is >= 200 and < 300 ? $"yes (HTTP {status})" : $"no (HTTP {status})";
        var metadata = new List<KeyValuePair<string, string>>
        {
            new("exploit_kind", match.Kind.ToString()),
            new("where", match.Where),
            new("excerpt", match.Excerpt),
            new("url", Encoding.Latin1.GetString(tx.Uri)),
            new("success", answer),
            new("tx_id", tx.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)),
        };
        if (!body.IsEmpty)
            metadata.Add(new("payload", Printable(body)));
        AlertEveWriter.Write(_eve, in _current, _now, 0, match.SignatureId, "ASSAY EXPLOIT " + match.Name, IntrusionSignatures.ExploitCategory,
            4 - Math.Clamp(match.Severity, 1, 3), metadata);   // Suricata: 1 is the most severe; the detector: 3 is
        _current.Alerted = true;
        _store?.Pin(in _current.Key, _current.FirstTimestamp, _current.LastTimestamp);
    }

    /// <summary>Longest <c>payload</c> text in an exploit alert's metadata (characters, after escaping).</summary>
    private const int MaxPayloadText = 512;

    /// <summary>A body as readable text: printable ASCII kept, other bytes as <c>\xNN</c>, at most <see cref="MaxPayloadText"/> characters.</summary>
    private static string Printable(ReadOnlySpan<byte> data)
    {
        var text = new StringBuilder(Math.Min(data.Length, MaxPayloadText));
        foreach (byte b in data)
        {
            if (text.Length >= MaxPayloadText)
                break;
            if (b is >= 0x20 and < 0x7F)
                text.Append((char)b);
            else
                text.Append(System.Globalization.CultureInfo.InvariantCulture, $"\\x{b:x2}");
        }

        return text.ToString();
    }
}
