using System.Text;
using Assay.Decoding;

namespace Assay.Protocols.Http;

/// <summary>What the fields of a head say about the body that follows (RFC 9112 §6).</summary>
internal struct HttpFraming
{
    /// <summary>The Content-Length value, or -1 when absent or invalid.</summary>
    public long ContentLength;
    public bool ContentLengthInvalid;
    public bool TransferEncoding;
    public bool Chunked;
    public bool ChunkedLast;
    public bool OtherTransferCoding;
    public HttpContentCodings Codings;
    public bool Expect100;
    public bool Upgrade;

    public static HttpFraming None => new() { ContentLength = -1 };
}

/// <summary>
/// Parses a complete message head held in an <see cref="HttpMessage"/>'s buffer (RFC 9112 §3–§5):
/// <code>
/// request-line   = method SP request-target SP HTTP-version CRLF        ; "GET /a HTTP/1.1"
/// status-line    = HTTP-version SP status-code SP [ reason-phrase ] CRLF ; "HTTP/1.1 200 OK"
/// field-line     = field-name ":" OWS field-value OWS CRLF
/// obs-fold       = OWS CRLF RWS                                           ; joined with one SP, reported
/// </code>
/// Tolerant where real peers differ (bare LF, repeated spaces, lower-case methods, a missing reason phrase) and strict
/// where smuggling lives (Content-Length and Transfer-Encoding): every deviation is a named anomaly, nothing throws.
/// </summary>
internal static class HttpHeadParser
{
    private const byte Space = (byte)' ';
    private const byte Tab = (byte)'\t';

    /// <summary>Parses the request line; <see langword="false"/> when it is not one (no method token or no target).</summary>
    public static bool TryParseRequestLine(HttpMessage message, int headLength, ref AnomalySet anomalies, out bool http09, out int fieldsStart)
    {
        http09 = false;
        ReadOnlySpan<byte> head = message.HeadBuffer.AsSpan(0, headLength);
        int lineEnd = LineContentEnd(head, 0, ref anomalies, out fieldsStart);
        ReadOnlySpan<byte> line = head[..lineEnd];

        int sp = line.IndexOf(Space);
        if (sp <= 0 || !HttpFieldParser.IsToken(line[..sp]))
            return false;
        int targetStart = sp;
        while (targetStart < line.Length && line[targetStart] == Space)
            targetStart++;
        int end = line.Length;
        while (end > targetStart && line[end - 1] == Space)
            end--;
        if (targetStart == end)
            return false;

        message.StartLine1 = new TextRange(0, sp);
        ReadOnlySpan<byte> rest = line[targetStart..end];
        int lastSp = rest.LastIndexOf(Space);
        if (lastSp < 0 && StartsWithHttp(rest))
        {
            // "GET HTTP/1.1": no target (Zeek logs an empty uri).
            message.StartLine2 = new TextRange(targetStart, 0);
            message.StartLine3 = new TextRange(targetStart, rest.Length);
            anomalies.Add(Anomaly.HttpInvalidRequestLine);
        }
        else if (lastSp >= 0 && StartsWithHttp(rest[(lastSp + 1)..]))
        {
            int targetEnd = lastSp;
            while (targetEnd > 0 && rest[targetEnd - 1] == Space)
                targetEnd--;
            message.StartLine2 = new TextRange(targetStart, targetEnd);
            message.StartLine3 = new TextRange(targetStart + lastSp + 1, rest.Length - lastSp - 1);
            if (!IsVersion(rest[(lastSp + 1)..]))
                anomalies.Add(Anomaly.HttpInvalidRequestLine);
        }
        else if (lastSp < 0)
        {
            // No version: HTTP/0.9 ("GET /path"), which has no fields and whose response is the raw bytes until close.
            message.StartLine2 = new TextRange(targetStart, rest.Length);
            http09 = true;
        }
        else
        {
            return false;
        }

        return true;
    }

    /// <summary>
    /// Parses the status line; <see langword="false"/> when the head does not start with <c>HTTP/</c> (case-insensitive,
    /// after filler bytes — space, tab, NUL and other controls — that browsers skip: reported as <c>http.invalid_status_line</c>).
    /// </summary>
    public static bool TryParseStatusLine(HttpMessage message, int headLength, ref AnomalySet anomalies, out int statusCode, out int fieldsStart)
    {
        statusCode = HttpTransaction.InvalidStatus;
        ReadOnlySpan<byte> head = message.HeadBuffer.AsSpan(0, headLength);
        int lineEnd = LineContentEnd(head, 0, ref anomalies, out fieldsStart);
        int start = StatusLineStart(head[..lineEnd]);
        if (start < 0)
            return false;
        if (start > 0)
            AddOnce(ref anomalies, Anomaly.HttpInvalidStatusLine);
        ReadOnlySpan<byte> line = head[start..lineEnd];

        int sp = line.IndexOf(Space);
        int versionEnd = sp < 0 ? line.Length : sp;
        message.StartLine1 = new TextRange(start, versionEnd);
        if (!IsVersion(line[..versionEnd]))
            AddOnce(ref anomalies, Anomaly.HttpInvalidStatusLine);
        int codeStart = versionEnd;
        while (codeStart < line.Length && line[codeStart] == Space)
            codeStart++;
        int codeEnd = line[codeStart..].IndexOf(Space);
        codeEnd = codeEnd < 0 ? line.Length : codeStart + codeEnd;
        message.StartLine2 = new TextRange(start + codeStart, codeEnd - codeStart);
        int reasonStart = Math.Min(codeEnd + 1, line.Length);
        message.StartLine3 = new TextRange(start + reasonStart, line.Length - reasonStart);

        ReadOnlySpan<byte> code = line[codeStart..codeEnd];
        if (code.Length == 3 && code.IndexOfAnyExceptInRange((byte)'0', (byte)'9') < 0)
            statusCode = ((code[0] - '0') * 100) + ((code[1] - '0') * 10) + (code[2] - '0');
        else
            AddOnce(ref anomalies, Anomaly.HttpInvalidStatusLine);
        return true;
    }

    /// <summary>Where <c>HTTP/</c> starts in a would-be status line after filler bytes (≤ 0x20), or -1.</summary>
    public static int StatusLineStart(ReadOnlySpan<byte> line)
    {
        int start = line.IndexOfAnyExceptInRange((byte)0, Space);
        return start >= 0 && StartsWithHttp(line[start..]) ? start : -1;
    }

    /// <summary>
    /// Parses the field lines from <paramref name="start"/> to the empty line: keeps up to <see cref="HttpOptions.MaxHeaders"/>
    /// entries, remembers the fields output needs, and collects the framing facts. Obsolete line folds are joined in place.
    /// </summary>
    public static void ParseFields(HttpMessage message, int start, int headLength, HttpOptions options, ref AnomalySet anomalies, ref HttpFraming framing)
    {
        Span<byte> head = message.HeadBuffer.AsSpan(0, headLength);
        int position = start;
        bool haveCurrent = false;
        TextRange name = default;
        TextRange pendingName = default; // a line with no colon, in case a fold brings it (": value", http-evader)
        int valueStart = 0;
        int valueLength = 0;
        while (position < head.Length)
        {
            int lineStart = position;
            // "\n\r" line endings (http-evader): a CR that starts a line and is not a CR LF belongs to the previous ending.
            while (lineStart + 1 < head.Length && head[lineStart] == (byte)'\r' && head[lineStart + 1] != (byte)'\n')
            {
                AddOnce(ref anomalies, Anomaly.HttpBareCarriageReturn);
                lineStart++;
            }

            int contentEnd = LineContentEnd(head, lineStart, ref anomalies, out position);
            // An empty line ends the head; so does a line of blanks ended by a bare LF (" \n"), as browsers read it. Blanks
            // ended by CR LF are an empty fold (http-evader 059: the head goes on). HttpHeadScanner draws the same line.
            if (contentEnd == lineStart)
                break;
            if (head[lineStart..contentEnd].IndexOfAnyExcept(Space, Tab) < 0)
            {
                if (position - contentEnd == 1 && head[contentEnd] == (byte)'\n')
                    break;
                AddOnce(ref anomalies, Anomaly.HttpObsoleteLineFolding);
                continue;
            }

            if (head[lineStart..contentEnd].Contains((byte)0))
            {
                // Browsers drop NUL bytes inside fields ("Content-\0Encoding: gz\0ip", http-evader): so do we, in place.
                AddOnce(ref anomalies, Anomaly.HttpInvalidHeader);
                contentEnd = lineStart + RemoveNuls(head[lineStart..contentEnd]);
            }

            byte first = head[lineStart];
            if (first is Space or Tab)
            {
                AddOnce(ref anomalies, Anomaly.HttpObsoleteLineFolding);
                (int indentEnd, _) = Trim(head, lineStart, contentEnd);
                if (LooksLikeField(head[indentEnd..contentEnd]))
                {
                    // " Transfer-Encoding: chunked": a fold by the RFC, a field to several browsers (http-evader); libhtp
                    // reads it as a field too, so the body is framed the way a browser sees it.
                    lineStart = indentEnd;
                }
                else
                {
                    if (!haveCurrent && !pendingName.IsEmpty && head[indentEnd] == (byte)':')
                    {
                        // "Name\r\n :value": the colon came on a continuation line.
                        name = pendingName;
                        pendingName = default;
                        (valueStart, valueLength) = Trim(head, indentEnd + 1, contentEnd);
                        haveCurrent = true;
                        continue;
                    }

                    if (!haveCurrent)
                    {
                        AddOnce(ref anomalies, Anomaly.HttpInvalidHeader);
                        continue;
                    }

                    // Join the continuation to the value with one space. The continuation lies after the value's line end
                    // and at least one whitespace byte, so moving it left over them never overwrites bytes not yet read.
                    (int contStart, int contLength) = Trim(head, lineStart, contentEnd);
                    if (contLength == 0)
                        continue;
                    int destination = valueStart + valueLength;
                    if (valueLength > 0)
                        head[destination++] = Space;
                    head.Slice(contStart, contLength).CopyTo(head[destination..]);
                    valueLength = destination + contLength - valueStart;
                    continue;
                }
            }

            if (haveCurrent)
                Finish(message, name, new TextRange(valueStart, valueLength), options, ref anomalies, ref framing);
            haveCurrent = false;
            pendingName = default;

            int colon = head[lineStart..contentEnd].IndexOf((byte)':');
            if (colon <= 0)
            {
                AddOnce(ref anomalies, Anomaly.HttpInvalidHeader);
                (int nameStart, int nameLength) = Trim(head, lineStart, contentEnd);
                if (colon < 0 && HttpFieldParser.IsToken(head.Slice(nameStart, nameLength)))
                    pendingName = new TextRange(nameStart, nameLength);
                continue;
            }

            int nameEnd = lineStart + colon;
            if (head[nameEnd - 1] <= Space)
            {
                // "Name : value" (or a VT/FF there, http-evader) — RFC 9112 §5.1 says reject; a proxy strips the space, as
                // browsers do, so we do too and report it.
                AddOnce(ref anomalies, Anomaly.HttpInvalidHeader);
                while (nameEnd > lineStart && head[nameEnd - 1] <= Space)
                    nameEnd--;
            }

            if (!HttpFieldParser.IsToken(head[lineStart..nameEnd]))
            {
                AddOnce(ref anomalies, Anomaly.HttpInvalidHeader);
                continue;
            }

            name = new TextRange(lineStart, nameEnd - lineStart);
            (valueStart, valueLength) = Trim(head, lineStart + colon + 1, contentEnd);
            haveCurrent = true;
        }

        if (haveCurrent)
            Finish(message, name, new TextRange(valueStart, valueLength), options, ref anomalies, ref framing);
    }

    /// <summary>Keeps a finished field and acts on the ones that matter.</summary>
    private static void Finish(HttpMessage message, TextRange name, TextRange value, HttpOptions options, ref AnomalySet anomalies, ref HttpFraming framing)
    {
        if (!message.TryAddEntry(new HttpHeaderEntry(name, value), options.MaxHeaders))
            AddOnce(ref anomalies, Anomaly.HttpTooManyHeaders);

        ReadOnlySpan<byte> n = message.Slice(name);
        ReadOnlySpan<byte> v = message.Slice(value);
        switch (n.Length)
        {
            case 4 when Ascii.EqualsIgnoreCase(n, "host"u8):
                SetOnce(ref message.Host, value);
                break;
            case 6 when Ascii.EqualsIgnoreCase(n, "expect"u8):
                framing.Expect100 |= Ascii.EqualsIgnoreCase(v, "100-continue"u8);
                break;
            case 7 when Ascii.EqualsIgnoreCase(n, "referer"u8):
                SetOnce(ref message.Referer, value);
                break;
            case 7 when Ascii.EqualsIgnoreCase(n, "upgrade"u8):
                framing.Upgrade = true;
                break;
            case 8 when Ascii.EqualsIgnoreCase(n, "location"u8):
                SetOnce(ref message.Location, value);
                break;
            case 10 when Ascii.EqualsIgnoreCase(n, "user-agent"u8):
                SetOnce(ref message.UserAgent, value);
                break;
            case 12 when Ascii.EqualsIgnoreCase(n, "content-type"u8):
                SetOnce(ref message.ContentType, value);
                break;
            case 14 when Ascii.EqualsIgnoreCase(n, "content-length"u8):
                ContentLength(v, ref anomalies, ref framing);
                break;
            case 15 when Ascii.EqualsIgnoreCase(n, "x-forwarded-for"u8):
                SetOnce(ref message.XForwardedFor, value);
                break;
            case 16 when Ascii.EqualsIgnoreCase(n, "content-encoding"u8):
                HttpFieldParser.ParseContentEncoding(v, ref framing.Codings);
                break;
            case 17 when Ascii.EqualsIgnoreCase(n, "transfer-encoding"u8):
                framing.TransferEncoding = true;
                HttpFieldParser.ParseTransferEncoding(v, ref framing.Chunked, ref framing.ChunkedLast, ref framing.OtherTransferCoding);
                break;
            case 19 when Ascii.EqualsIgnoreCase(n, "content-disposition"u8):
                SetOnce(ref message.ContentDisposition, value);
                break;
        }
    }

    private static void ContentLength(ReadOnlySpan<byte> value, ref AnomalySet anomalies, ref HttpFraming framing)
    {
        long length = HttpFieldParser.ParseContentLength(value, out bool leadingZeros);
        if (leadingZeros)
            AddOnce(ref anomalies, Anomaly.HttpContentLengthLeadingZeros);
        if (length < 0)
        {
            AddOnce(ref anomalies, Anomaly.HttpContentLengthInvalid);
            framing.ContentLengthInvalid = true;
            return;
        }

        if (framing.ContentLength >= 0 && framing.ContentLength != length)
        {
            // Two different lengths: which one a peer believes is the desync an attacker wants (RFC 9112 §6.3 item 5).
            AddOnce(ref anomalies, Anomaly.HttpContentLengthMultiple);
            framing.ContentLengthInvalid = true;
            return;
        }

        framing.ContentLength = length;
    }

    private static void SetOnce(ref TextRange field, TextRange value)
    {
        if (field.IsEmpty)
            field = value;
    }

    internal static void AddOnce(ref AnomalySet anomalies, Anomaly anomaly)
    {
        if (!anomalies.Contains(anomaly))
            anomalies.Add(anomaly);
    }

    /// <summary>
    /// The end of the line's content starting at <paramref name="start"/>; <paramref name="next"/> is the next line. Lines end
    /// at CR LF, LF, or a CR alone (old Mac style, which browsers accept and http-evader uses: reported as
    /// <c>http.bare_cr_line_ending</c>).
    /// </summary>
    private static int LineContentEnd(ReadOnlySpan<byte> head, int start, ref AnomalySet anomalies, out int next)
    {
        int found = head[start..].IndexOfAny((byte)'\r', (byte)'\n');
        if (found < 0)
        {
            next = head.Length;
            return head.Length;
        }

        int end = start + found;
        if (head[end] == (byte)'\n')
        {
            next = end + 1;
        }
        else if (end + 1 < head.Length && head[end + 1] == (byte)'\n')
        {
            next = end + 2;
        }
        else
        {
            AddOnce(ref anomalies, Anomaly.HttpBareCarriageReturn);
            next = end + 1;
        }

        return end;
    }

    private static (int Start, int Length) Trim(ReadOnlySpan<byte> head, int start, int end)
    {
        while (start < end && head[start] is Space or Tab)
            start++;
        while (end > start && head[end - 1] is Space or Tab)
            end--;
        return (start, end - start);
    }

    /// <summary>Removes NUL bytes, moving the rest left; returns the new length.</summary>
    private static int RemoveNuls(Span<byte> line)
    {
        int length = 0;
        foreach (byte b in line)
        {
            if (b != 0)
                line[length++] = b;
        }

        return length;
    }

    /// <summary><c>token ":"</c> at the start of a line.</summary>
    private static bool LooksLikeField(ReadOnlySpan<byte> line)
    {
        int colon = line.IndexOf((byte)':');
        return colon > 0 && HttpFieldParser.IsToken(line[..colon]);
    }

    private static bool StartsWithHttp(ReadOnlySpan<byte> text) => text.Length >= 5 && Ascii.EqualsIgnoreCase(text[..5], "HTTP/"u8);

    /// <summary><c>HTTP/</c> DIGIT <c>.</c> DIGIT.</summary>
    private static bool IsVersion(ReadOnlySpan<byte> text) =>
        text.Length == 8 && text.StartsWith("HTTP/"u8) && (uint)(text[5] - '0') <= 9 && text[6] == (byte)'.' && (uint)(text[7] - '0') <= 9;
}
