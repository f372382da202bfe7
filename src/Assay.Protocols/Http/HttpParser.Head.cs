using System.Buffers;
using System.Text;
using Assay.Decoding;

namespace Assay.Protocols.Http;

// Message heads: collect the bytes of one head (bounded), then parse it whole and decide how the body is framed.
public sealed partial class HttpParser
{
    private int ConsumeRequestHead<TSink>(ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        ref Direction d = ref _request;
        HeadScanResult result = Collect(ref d, data, out int consumed);
        switch (result)
        {
            case HeadScanResult.StartLineComplete:
                ReadOnlySpan<byte> line = d.Head.AsSpan(0, d.Scanner.Length);
                if (!LooksLikeRequestLine(line, out bool http09))
                {
                    Report(ref sink, Anomaly.HttpInvalidRequestLine, toServer: true, -1);
                    Lose(toServer: true, ref d, ref sink);
                }
                else if (http09)
                {
                    CompleteRequestHead(ref sink);
                }

                break;
            case HeadScanResult.Complete:
                CompleteRequestHead(ref sink);
                break;
            case HeadScanResult.StartLineTooLong:
                Report(ref sink, Anomaly.HttpRequestLineTooLong, toServer: true, -1);
                Lose(toServer: true, ref d, ref sink);
                return Ignore(ref d, data.Length);
            case HeadScanResult.HeadTooLarge:
                Report(ref sink, Anomaly.HttpHeaderBlockTooLarge, toServer: true, -1);
                Lose(toServer: true, ref d, ref sink);
                return Ignore(ref d, data.Length);
        }

        return consumed;
    }

    private int ConsumeResponseHead<TSink>(ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        ref Direction d = ref _response;
        if (d.Scanner.Length == 0 && d.Scanner.Skipped == 0 && AwaitingResponse() is { } waiting
            && (waiting.Flags & HttpTransactionFlags.Http09) != 0)
        {
            // An HTTP/0.9 response has no head: its bytes are the body, to the end of the connection.
            waiting.Response.HasHead = true;
            StartBody(ref d, waiting, HttpStreamPhase.BodyUntilClose, 0, default);
            return 0;
        }

        HeadScanResult result = Collect(ref d, data, out int consumed);
        switch (result)
        {
            case HeadScanResult.StartLineComplete:
                ReadOnlySpan<byte> line = d.Head.AsSpan(0, d.Scanner.Length);
                if (HttpHeadParser.StatusLineStart(line) >= 0)
                {
                    FinishUnexpected(ref d, ref sink);
                }
                else if (d.Unexpected is not null)
                {
                    PromoteUnexpected(ref d, ref sink);
                }
                else if (d.JunkLines < MaxJunkLinesBeforeStatus && AwaitingResponse() is not null)
                {
                    // "foobar\r\nHTTP/1.1 200 ok" (http-evader): browsers skip a few lines that are not a status line.
                    if (d.JunkLines++ == 0)
                        Report(ref sink, Anomaly.HttpInvalidStatusLine, toServer: false, AwaitingResponse()?.Id ?? -1);
                    ReturnHead(ref d);
                }
                else
                {
                    Report(ref sink, Anomaly.HttpInvalidStatusLine, toServer: false, AwaitingResponse()?.Id ?? -1);
                    Lose(toServer: false, ref d, ref sink);
                }

                break;
            case HeadScanResult.Complete:
                d.JunkLines = 0;
                CompleteResponseHead(ref sink);
                break;
            case HeadScanResult.StartLineTooLong when d.Unexpected is not null:
                // A long first line after a 1xx/204/304 that announced a body: that body (nothing of this call was taken).
                PromoteUnexpected(ref d, ref sink);
                return consumed;
            case HeadScanResult.StartLineTooLong:
                Report(ref sink, Anomaly.HttpRequestLineTooLong, toServer: false, -1);
                Lose(toServer: false, ref d, ref sink);
                return Ignore(ref d, data.Length);
            case HeadScanResult.HeadTooLarge:
                Report(ref sink, Anomaly.HttpHeaderBlockTooLarge, toServer: false, -1);
                Lose(toServer: false, ref d, ref sink);
                return Ignore(ref d, data.Length);
        }

        return consumed;
    }

    /// <summary>Scans for the end of the head and copies the head bytes taken into the direction's pooled buffer.</summary>
    private HeadScanResult Collect(ref Direction d, ReadOnlySpan<byte> data, out int consumed)
    {
        int before = d.Scanner.Length;
        HeadScanResult result = d.Scanner.Scan(data, _options.MaxRequestLineLength, _options.MaxHeaderBytes, out consumed);
        int added = d.Scanner.Length - before;
        if (added > 0)
        {
            EnsureHeadCapacity(ref d, d.Scanner.Length, before);
            // Skipped empty lines (if any) come first in what was consumed; the head bytes are the last `added`.
            data.Slice(consumed - added, added).CopyTo(d.Head.AsSpan(before));
        }

        d.Offset += consumed;
        return result;
    }

    /// <summary>Grows the head buffer (doubling, pooled) to hold <paramref name="length"/> bytes, keeping the first <paramref name="used"/>.</summary>
    private static void EnsureHeadCapacity(ref Direction d, int length, int used)
    {
        if (d.Head is not null && d.Head.Length >= length)
            return;
        byte[] bigger = ArrayPool<byte>.Shared.Rent(Math.Max(InitialHeadBuffer, Math.Max(length, (d.Head?.Length ?? 0) * 2)));
        if (d.Head is not null)
        {
            d.Head.AsSpan(0, used).CopyTo(bigger);
            ArrayPool<byte>.Shared.Return(d.Head);
        }

        d.Head = bigger;
    }

    /// <summary>Hands the collected head buffer to a message and readies the direction for the next head.</summary>
    private static void TakeHead(ref Direction d, HttpMessage message, out int length)
    {
        length = d.Scanner.Length;
        message.AdoptHead(d.Head ?? [], length);
        d.Head = null;
        d.Scanner = default;
    }

    private static void ReturnHead(ref Direction d)
    {
        if (d.Head is not null)
            ArrayPool<byte>.Shared.Return(d.Head);
        d.Head = null;
        d.Scanner = default;
    }

    /// <summary>A cheap check at the end of the first line: <c>token SP target</c>, and whether the version is missing (HTTP/0.9).</summary>
    private static bool LooksLikeRequestLine(ReadOnlySpan<byte> line, out bool http09)
    {
        http09 = false;
        int lineEnd = line.IndexOfAny((byte)'\r', (byte)'\n');
        line = (lineEnd < 0 ? line : line[..lineEnd]).TrimEnd((byte)' ');
        int sp = line.IndexOf((byte)' ');
        if (sp <= 0 || !HttpFieldParser.IsToken(line[..sp]))
            return false;
        ReadOnlySpan<byte> rest = line[sp..].TrimStart((byte)' ');
        if (rest.IsEmpty)
            return false;
        int last = rest.LastIndexOf((byte)' ');
        ReadOnlySpan<byte> version = rest[(last + 1)..];
        bool hasVersion = version.Length > 5 && Ascii.EqualsIgnoreCase(version[..5], "HTTP/"u8);
        // HTTP/0.9 is exactly "method SP target"; "method SP HTTP/1.1" is a request without a target, and three words
        // without a version are not a request line at all.
        http09 = last < 0 && !hasVersion;
        return last < 0 || hasVersion;
    }

    private void CompleteRequestHead<TSink>(ref TSink sink)
        where TSink : IHttpSink
    {
        ref Direction d = ref _request;
        HttpTransaction tx = StartTransaction(ref sink);
        HttpMessage request = tx.Request;
        TakeHead(ref d, request, out int length);

        var anomalies = default(AnomalySet);
        var framing = HttpFraming.None;
        if (!HttpHeadParser.TryParseRequestLine(request, length, ref anomalies, out bool http09, out int fieldsStart))
        {
            // LooksLikeRequestLine passed, so this does not happen; kept as the parser's own guard.
            anomalies.Add(Anomaly.HttpInvalidRequestLine);
        }

        request.HasHead = true;
        if (http09)
            tx.Flags |= HttpTransactionFlags.Http09;
        else
            HttpHeadParser.ParseFields(request, fieldsStart, length, _options, ref anomalies, ref framing);

        tx.RequestUpgrade = framing.Upgrade;
        HttpStreamPhase body = HttpStreamPhase.Head;
        if (framing.TransferEncoding)
        {
            if (framing.ContentLength >= 0 || framing.ContentLengthInvalid)
                HttpHeadParser.AddOnce(ref anomalies, Anomaly.HttpContentLengthAndChunked);
            if (!framing.ChunkedLast || framing.OtherTransferCoding)
                HttpHeadParser.AddOnce(ref anomalies, Anomaly.HttpTransferEncodingInvalid);
            // RFC 9112 §6.3: a request whose final coding is not chunked cannot be framed (a server answers 400). When
            // chunked appears at all we follow it, as Zeek does, so a request smuggled behind the body is still seen.
            if (framing.Chunked)
                body = HttpStreamPhase.ChunkSize;
        }
        else if (framing.ContentLength > 0 && !framing.ContentLengthInvalid)
        {
            body = HttpStreamPhase.Body;
        }

        if (framing.Expect100 && framing.ContentLength == 0 && !framing.TransferEncoding)
            HttpHeadParser.AddOnce(ref anomalies, Anomaly.HttpContentLengthZeroExpectContinue);

        Report(ref sink, ref anomalies, toServer: true, tx.Id);
        if (body == HttpStreamPhase.Head)
        {
            request.IsComplete = true;
            request.Done = true;
            NextMessage(toServer: true, ref d, ref sink);
            TryFinish(tx, ref sink);
            return;
        }

        StartBody(ref d, tx, body, framing.ContentLength, in framing.Codings);
    }

    private void CompleteResponseHead<TSink>(ref TSink sink)
        where TSink : IHttpSink
    {
        ref Direction d = ref _response;
        HttpTransaction? tx = AwaitingResponse();
        var anomalies = default(AnomalySet);
        if (tx is null)
        {
            tx = StartTransaction(ref sink);
            tx.Flags |= HttpTransactionFlags.NoRequest;
            tx.Request.Done = true;
            anomalies.Add(Anomaly.HttpUnmatchedResponse);
        }

        HttpMessage response = tx.Response;
        if (response.RawHead.Length != 0)
            response.Reset(toServer: false); // an interim head kept in case a body followed it: the final head replaces it
        TakeHead(ref d, response, out int length);
        var framing = HttpFraming.None;
        HttpHeadParser.TryParseStatusLine(response, length, ref anomalies, out int status, out int fieldsStart);
        HttpHeadParser.ParseFields(response, fieldsStart, length, _options, ref anomalies, ref framing);
        Report(ref sink, ref anomalies, toServer: false, tx.Id);

        HttpStreamPhase body = ResponseBodyPhase(ref sink, tx, in framing);
        bool upgrade = status == 101 && tx.RequestUpgrade;
        if (status is >= 100 and < 200 && !upgrade && status != 101)
        {
            // Interim response (100 Continue, 102, 103): noted, then the final response for the same request follows.
            // Its head is kept while it might still carry a body (http-evader: browsers show it).
            tx.InfoCode = status;
            if (body is HttpStreamPhase.Body or HttpStreamPhase.ChunkSize)
                ExpectNoBody(ref d, tx, status, body, in framing);
            else
                response.Reset(toServer: false);
            NextMessage(toServer: false, ref d, ref sink);
            return;
        }

        tx.StatusCode = status;
        response.HasHead = true;
        if (status == 101)
            tx.InfoCode = status; // a 1xx too: Zeek logs it as info_code as well as status_code
        if (upgrade || (tx.IsConnect && status is >= 200 and < 300))
        {
            // The connection now carries another protocol (RFC 9110 §9.3.6, §15.2.2): stop parsing both directions. A 101
            // without an Upgrade request is not a switch (browsers read its body; so do we).
            tx.Flags |= HttpTransactionFlags.Tunnel;
            _tunnel = true;
            if (_request.Phase == HttpStreamPhase.Head)
            {
                ReturnHead(ref _request);
                _request.Phase = HttpStreamPhase.Tunnel;
                _request.TunnelOffset = _request.Offset;
                Settle(toServer: true, ref sink);
            }

            body = HttpStreamPhase.Head;
        }
        else if (tx.IsHead || status is 204 or 304)
        {
            // No body by the rules (RFC 9112 §6.3). A 204/304 that announces one anyway may be followed by it: the
            // transaction stays open until the next bytes show whether they are a body or the next response.
            if (!tx.IsHead && body is HttpStreamPhase.Body or HttpStreamPhase.ChunkSize)
            {
                response.IsComplete = true;
                ExpectNoBody(ref d, tx, status, body, in framing);
                NextMessage(toServer: false, ref d, ref sink);
                return;
            }

            body = HttpStreamPhase.Head;
        }

        if (body == HttpStreamPhase.Head)
        {
            response.IsComplete = true;
            response.Done = true;
            NextMessage(toServer: false, ref d, ref sink);
            TryFinish(tx, ref sink);
            return;
        }

        StartBody(ref d, tx, body, framing.ContentLength, in framing.Codings);
    }

    /// <summary>How a response's fields frame its body (RFC 9112 §6.3 items 4–7); status and method rules are the caller's.</summary>
    private HttpStreamPhase ResponseBodyPhase<TSink>(ref TSink sink, HttpTransaction tx, in HttpFraming framing)
        where TSink : IHttpSink
    {
        if (framing.TransferEncoding)
        {
            if (framing.ContentLength >= 0 || framing.ContentLengthInvalid)
                Report(ref sink, Anomaly.HttpContentLengthAndChunked, toServer: false, tx.Id);
            if (!framing.ChunkedLast || framing.OtherTransferCoding)
                Report(ref sink, Anomaly.HttpTransferEncodingInvalid, toServer: false, tx.Id);
            return framing.Chunked ? HttpStreamPhase.ChunkSize : HttpStreamPhase.BodyUntilClose;
        }

        if (framing.ContentLengthInvalid)
            return HttpStreamPhase.BodyUntilClose;
        if (framing.ContentLength >= 0)
            return framing.ContentLength > 0 ? HttpStreamPhase.Body : HttpStreamPhase.Head;
        return HttpStreamPhase.BodyUntilClose;
    }

    /// <summary>Remembers a response that should have no body but announced one (interim 1xx, 204, 304).</summary>
    private static void ExpectNoBody(ref Direction d, HttpTransaction tx, int status, HttpStreamPhase body, in HttpFraming framing)
    {
        d.Unexpected = tx;
        d.UnexpectedStatus = status;
        d.UnexpectedPhase = body;
        d.UnexpectedLength = framing.ContentLength;
        d.UnexpectedCodings = framing.Codings;
    }

    /// <summary>The bytes after a response that should have had no body are a status line, or the stream ended: it had none.</summary>
    private void FinishUnexpected<TSink>(ref Direction d, ref TSink sink)
        where TSink : IHttpSink
    {
        HttpTransaction? tx = d.Unexpected;
        d.Unexpected = null;
        if (tx is null || !tx.Response.HasHead)
            return; // an interim head: the final response is still to come
        tx.Response.Done = true;
        TryFinish(tx, ref sink);
    }

    /// <summary>
    /// The bytes after a response that should have had no body are not a status line: they are its body after all, as
    /// browsers read it (libhtp's RESPONSE_BODY_UNEXPECTED). The head bytes collected so far are replayed as body.
    /// </summary>
    private void PromoteUnexpected<TSink>(ref Direction d, ref TSink sink)
        where TSink : IHttpSink
    {
        HttpTransaction tx = d.Unexpected!;
        d.Unexpected = null;
        Report(ref sink, Anomaly.HttpUnexpectedBody, toServer: false, tx.Id);
        if (!tx.Response.HasHead)
        {
            tx.Response.HasHead = true;
            tx.StatusCode = d.UnexpectedStatus;
        }

        tx.Response.IsComplete = false;
        byte[]? collected = d.Head;
        int length = d.Scanner.Length;
        d.Head = null;
        d.Scanner = default;
        d.Offset -= length; // counted when collected; counted again as body below
        StartBody(ref d, tx, d.UnexpectedPhase, d.UnexpectedLength, in d.UnexpectedCodings);
        if (collected is not null)
        {
            ReadOnlySpan<byte> replay = collected.AsSpan(0, length);
            while (!replay.IsEmpty && d.Phase != HttpStreamPhase.Head)
                replay = replay[ConsumeBody(toServer: false, ref d, replay, ref sink)..];
            // A body that ended inside the replayed bytes: what follows is the next response head.
            if (!replay.IsEmpty)
                OnData(toServer: false, replay, ref sink);
            ArrayPool<byte>.Shared.Return(collected);
        }
    }

    /// <summary>After a message: the next head, unless HTTP has ended on the connection or the parse depth is reached.</summary>
    private void NextMessage<TSink>(bool toServer, ref Direction d, ref TSink sink)
        where TSink : IHttpSink
    {
        d.Transaction = null;
        if (d.Phase is HttpStreamPhase.Lost or HttpStreamPhase.Ended)
            return;
        if (_tunnel)
        {
            d.Phase = HttpStreamPhase.Tunnel;
            d.TunnelOffset = d.Offset;
            Settle(toServer, ref sink);
        }
        else if (d.Offset >= _options.ParseDepth)
        {
            d.Phase = HttpStreamPhase.Lost;
            Settle(toServer, ref sink);
        }
        else
        {
            d.Phase = HttpStreamPhase.Head;
        }
    }
}
