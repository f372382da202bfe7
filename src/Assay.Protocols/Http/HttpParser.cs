using Assay.Decoding;

namespace Assay.Protocols.Http;

/// <summary>Where one direction of an HTTP connection is (<see cref="HttpParser.RequestPhase"/>, <see cref="HttpParser.ResponsePhase"/>).</summary>
public enum HttpStreamPhase : byte
{
    /// <summary>Reading a message head (or waiting for one).</summary>
    Head,
    /// <summary>A body of known length (Content-Length).</summary>
    Body,
    /// <summary>A response body that ends when the connection closes.</summary>
    BodyUntilClose,
    /// <summary>Chunked body: a chunk-size line.</summary>
    ChunkSize,
    /// <summary>Chunked body: chunk data.</summary>
    ChunkData,
    /// <summary>Chunked body: the CRLF after chunk data.</summary>
    ChunkDataEnd,
    /// <summary>Chunked body: trailer fields after the last chunk.</summary>
    ChunkTrailer,
    /// <summary>No longer HTTP (after 101 Switching Protocols or CONNECT 2xx): bytes are ignored.</summary>
    Tunnel,
    /// <summary>Sync lost (a cap, a start line that is not HTTP, a gap inside framing): bytes are ignored until the end.</summary>
    Lost,
    /// <summary>The direction ended.</summary>
    Ended,
}

/// <summary>
/// HTTP/1.x for one TCP connection (RFC 9112): requests and responses parsed from each direction's reassembled bytes,
/// paired in order into transactions (keep-alive and pipelining), bodies framed by Content-Length, chunked coding or
/// connection close, decoded (gzip, deflate) and hashed as files. One instance per flow, driven by the flow's owner
/// thread; state between calls is a few numbers per direction plus a bounded head buffer.
/// </summary>
/// <remarks>
/// <para>Input: for each direction, bytes in stream order in pieces of any size (<see cref="OnData{TSink}"/>), holes the
/// reassembler skipped (<see cref="OnGap{TSink}"/>), and the end (<see cref="OnEnd{TSink}"/>). Output goes to a sink
/// (<see cref="IHttpSink"/>). Nothing is thrown for any input; every deviation is a named anomaly.</para>
/// <para>Pairing: responses answer requests in order (RFC 9112 §9.3.2). Interim 1xx responses (100 Continue, 103) are
/// recorded on the transaction (<see cref="HttpTransaction.InfoCode"/>) and do not consume it; 101 and a 2xx answer to
/// CONNECT end HTTP on the connection. A response with no request waiting gets a transaction of its own
/// (<c>http.unmatched_response</c>).</para>
/// <para>Bodies (RFC 9112 §6.3): none for HEAD, 1xx, 204 and 304 responses; chunked when Transfer-Encoding has
/// <c>chunked</c> (it wins over Content-Length, reported); else Content-Length; else a request has none and a response
/// runs to the connection's end. An invalid chunk size ends the body and parsing resumes at the next line (Zeek's
/// recovery), so a smuggled request behind it is still seen.</para>
/// <para>Caps: <see cref="HttpOptions.MaxRequestLineLength"/>, <see cref="HttpOptions.MaxHeaderBytes"/>,
/// <see cref="HttpOptions.MaxHeaders"/>, <see cref="HttpOptions.MaxTransactionsPerFlow"/>, <see cref="MaxChunkLineLength"/>,
/// and the decoder's (<see cref="HttpOptions.MaxDecodedLength"/>, bomb ratio).</para>
/// </remarks>
public sealed partial class HttpParser : IDisposable
{
    /// <summary>Longest chunk-size line (size, extensions, CRLF), 1 KiB: longer is garbage or an attack (<c>http.chunk_line_too_long</c>).</summary>
    public const int MaxChunkLineLength = 1024;

    /// <summary>Lines that are not a status line skipped before one (http-evader's "foobar\r\nHTTP/1.1 200"), 4: more loses
    /// the direction (<c>http.invalid_status_line</c>).</summary>
    public const int MaxJunkLinesBeforeStatus = 4;

    /// <summary>Initial head buffer; it doubles up to <see cref="HttpOptions.MaxHeaderBytes"/>.</summary>
    private const int InitialHeadBuffer = 1024;

    private readonly HttpParserContext _context;
    private readonly HttpOptions _options;
    private Direction _request;
    private Direction _response;
    private HttpTransaction[] _pending = [];
    private int _pendingCount;
    private long _nextId;
    private bool _tunnel;
    private bool _tooManyReported;

    public HttpParser(HttpParserContext context)
    {
        _context = context;
        _options = context.Options;
    }

    public HttpStreamPhase RequestPhase => _request.Phase;

    public HttpStreamPhase ResponsePhase => _response.Phase;

    /// <summary>
    /// The stream offset from which one direction carries another protocol (after 101 Switching Protocols or a CONNECT
    /// answered 2xx), or -1 while it is HTTP. Bytes from there on are the tunnelled protocol's; a client that sent them
    /// before the server's answer arrived loses those already collected as a would-be head.
    /// </summary>
    public long TunnelOffset(bool toServer)
    {
        ref Direction d = ref toServer ? ref _request : ref _response;
        return d.Phase == HttpStreamPhase.Tunnel ? d.TunnelOffset : -1;
    }

    /// <summary>Transactions started and not yet written.</summary>
    public int PendingTransactions => _pendingCount;

    /// <summary>
    /// The next bytes of one direction. Returns the stream offset up to which this direction wants delivery (for
    /// <c>ITcpStreamSink.OnData</c>): a body's end when its length is known, the body's start plus
    /// <see cref="HttpOptions.MaxDecodedLength"/> for chunked and close-delimited bodies, else 0 (no preference).
    /// </summary>
    public long OnData<TSink>(bool toServer, ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        ref Direction d = ref toServer ? ref _request : ref _response;
        while (!data.IsEmpty)
        {
            int consumed = d.Phase == HttpStreamPhase.Head
                ? toServer ? ConsumeRequestHead(data, ref sink) : ConsumeResponseHead(data, ref sink)
                : ConsumeBody(toServer, ref d, data, ref sink);
            data = data[consumed..];
        }

        return WantedOffset(in d);
    }

    /// <summary>Bytes in any phase but <see cref="HttpStreamPhase.Head"/>; returns how many were taken.</summary>
    private int ConsumeBody<TSink>(bool toServer, ref Direction d, ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink => d.Phase switch
        {
            HttpStreamPhase.Body => ConsumeLengthBody(toServer, ref d, data, ref sink),
            HttpStreamPhase.BodyUntilClose => ConsumeBodyUntilClose(toServer, ref d, data, ref sink),
            HttpStreamPhase.ChunkSize => ConsumeChunkSize(toServer, ref d, data, ref sink),
            HttpStreamPhase.ChunkData => ConsumeChunkData(toServer, ref d, data, ref sink),
            HttpStreamPhase.ChunkDataEnd => ConsumeChunkDataEnd(toServer, ref d, data, ref sink),
            HttpStreamPhase.ChunkTrailer => ConsumeChunkTrailer(toServer, ref d, data, ref sink),
            _ => Ignore(ref d, data.Length),
        };

    /// <summary><paramref name="length"/> bytes of one direction were never seen (a TCP gap the reassembler skipped).</summary>
    public void OnGap<TSink>(bool toServer, long length, ref TSink sink)
        where TSink : IHttpSink
    {
        if (length <= 0)
            return;
        ref Direction d = ref toServer ? ref _request : ref _response;
        d.Offset += length;
        if (d.Unexpected is not null)
            FinishUnexpected(ref d, ref sink);
        switch (d.Phase)
        {
            case HttpStreamPhase.Body or HttpStreamPhase.ChunkData when length <= d.Remaining:
                // The hole lies inside the body: framing survives, the file has a gap.
                d.Remaining -= length;
                SkipBody(toServer, ref d, length);
                if (d.Remaining == 0)
                {
                    if (d.Phase == HttpStreamPhase.Body)
                        EndBody(toServer, ref d, truncated: false, ref sink);
                    else
                    {
                        d.Phase = HttpStreamPhase.ChunkDataEnd;
                        d.Chunk = default;
                    }
                }

                break;
            case HttpStreamPhase.BodyUntilClose:
                SkipBody(toServer, ref d, length);
                break;
            case HttpStreamPhase.Tunnel or HttpStreamPhase.Lost or HttpStreamPhase.Ended:
                break;
            case HttpStreamPhase.Head when d.Scanner.Length == 0 && d.Scanner.Skipped == 0 && !AwaitingMessage(toServer):
                // Nothing outstanding in this direction: the hole can only have held bytes no message needed (Suricata
                // also resumes at the next message after a gap between transactions).
                break;
            default:
                Report(ref sink, Anomaly.HttpGapLostSync, toServer, d.Transaction?.Id ?? -1);
                Lose(toServer, ref d, ref sink);
                break;
        }
    }

    /// <summary>One direction ended (FIN, RST, depth reached, or the flow closed). A close-delimited body completes here.</summary>
    public void OnEnd<TSink>(bool toServer, ref TSink sink)
        where TSink : IHttpSink
    {
        ref Direction d = ref toServer ? ref _request : ref _response;
        if (d.Phase == HttpStreamPhase.Ended)
            return;
        if (d.Unexpected is not null)
        {
            // Bytes collected after a 1xx/204/304 that announced a body, and no status line came: they were its body.
            if (d.Phase == HttpStreamPhase.Head && d.Scanner.Length > 0)
                PromoteUnexpected(ref d, ref sink);
            else
                FinishUnexpected(ref d, ref sink);
        }

        if (d.Phase is HttpStreamPhase.BodyUntilClose or HttpStreamPhase.ChunkTrailer)
            EndBody(toServer, ref d, truncated: false, ref sink); // close-delimited, or every chunk seen and only the trailer's end missing
        else if (d.Transaction is not null)
            EndBody(toServer, ref d, truncated: true, ref sink);
        ReturnHead(ref d);
        d.Phase = HttpStreamPhase.Ended;
        Settle(toServer, ref sink);
    }

    /// <summary>The flow ended: both directions end and every transaction left is written.</summary>
    public void Close<TSink>(ref TSink sink)
        where TSink : IHttpSink
    {
        OnEnd(toServer: true, ref sink);
        OnEnd(toServer: false, ref sink);
        while (_pendingCount > 0)
            Emit(0, ref sink);
    }

    /// <summary>Drops all state without writing anything (returns pooled buffers, removes temporary carve files).</summary>
    public void Dispose()
    {
        Abandon(ref _request);
        Abandon(ref _response);
        for (int i = 0; i < _pendingCount; i++)
        {
            _context.Return(_pending[i]);
            _pending[i] = null!;
        }

        _pendingCount = 0;
    }

    private long WantedOffset(in Direction d) => d.Phase switch
    {
        HttpStreamPhase.Body => d.Offset + d.Remaining,
        HttpStreamPhase.BodyUntilClose or HttpStreamPhase.ChunkSize or HttpStreamPhase.ChunkData or HttpStreamPhase.ChunkDataEnd
            or HttpStreamPhase.ChunkTrailer => Math.Max(d.Offset, d.BodyStartOffset + _options.MaxDecodedLength),
        _ => 0,
    };

    private static int Ignore(ref Direction d, int length)
    {
        d.Offset += length;
        return length;
    }

    /// <summary>A new transaction, appended in wire order. At the cap the oldest idle one is written early (<see cref="HttpTransactionFlags.Evicted"/>).</summary>
    private HttpTransaction StartTransaction<TSink>(ref TSink sink)
        where TSink : IHttpSink
    {
        if (_pendingCount >= Math.Max(1, _options.MaxTransactionsPerFlow))
        {
            for (int i = 0; i < _pendingCount; i++)
            {
                HttpTransaction oldest = _pending[i];
                if (oldest == _request.Transaction || oldest == _response.Transaction)
                    continue;
                if (!_tooManyReported)
                {
                    _tooManyReported = true;
                    Report(ref sink, Anomaly.HttpTooManyTransactions, toServer: true, oldest.Id);
                }

                oldest.Flags |= HttpTransactionFlags.Evicted;
                Emit(i, ref sink);
                break;
            }
        }

        HttpTransaction tx = _context.RentTransaction();
        tx.Id = _nextId++;
        if (_pendingCount == _pending.Length)
            Array.Resize(ref _pending, Math.Max(4, _pending.Length * 2));
        _pending[_pendingCount++] = tx;
        // A direction that can no longer deliver leaves its side of new transactions settled from the start.
        if (IsFinished(_response.Phase))
            tx.Response.Done = true;
        return tx;
    }

    /// <summary>The oldest transaction still waiting for its (final) response head.</summary>
    private HttpTransaction? AwaitingResponse()
    {
        for (int i = 0; i < _pendingCount; i++)
        {
            HttpTransaction tx = _pending[i];
            if (!tx.Response.HasHead && !tx.Response.Done)
                return tx;
        }

        return null;
    }

    private bool AwaitingMessage(bool toServer) => !toServer && AwaitingResponse() is not null;

    /// <summary>Writes a transaction once neither side can change any more.</summary>
    private void TryFinish<TSink>(HttpTransaction tx, ref TSink sink)
        where TSink : IHttpSink
    {
        if (!tx.Request.Done || !tx.Response.Done)
            return;
        int index = Array.IndexOf(_pending, tx, 0, _pendingCount);
        if (index >= 0)
            Emit(index, ref sink);
    }

    private void Emit<TSink>(int index, ref TSink sink)
        where TSink : IHttpSink
    {
        HttpTransaction tx = _pending[index];
        Array.Copy(_pending, index + 1, _pending, index, _pendingCount - index - 1);
        _pending[--_pendingCount] = null!;
        _context.Transactions++;
        sink.OnTransaction(tx);
        _context.Return(tx);
    }

    /// <summary>A direction ended or lost sync: its side of every waiting transaction is settled; finished ones are written.</summary>
    private void Settle<TSink>(bool toServer, ref TSink sink)
        where TSink : IHttpSink
    {
        for (int i = 0; i < _pendingCount; i++)
        {
            HttpMessage message = toServer ? _pending[i].Request : _pending[i].Response;
            message.Done = true;
        }

        for (int i = 0; i < _pendingCount;)
        {
            HttpTransaction tx = _pending[i];
            if (tx.Request.Done && tx.Response.Done)
                Emit(i, ref sink);
            else
                i++;
        }
    }

    private static bool IsFinished(HttpStreamPhase phase) => phase is HttpStreamPhase.Lost or HttpStreamPhase.Ended or HttpStreamPhase.Tunnel;

    private void Report<TSink>(ref TSink sink, Anomaly anomaly, bool toServer, long transactionId)
        where TSink : IHttpSink
    {
        _context.Anomalies++;
        sink.OnAnomaly(anomaly, toServer, transactionId);
    }

    private void Report<TSink>(ref TSink sink, ref AnomalySet anomalies, bool toServer, long transactionId)
        where TSink : IHttpSink
    {
        for (int i = 0; i < anomalies.Count; i++)
            Report(ref sink, anomalies[i], toServer, transactionId);
    }

    /// <summary>Sync is lost in one direction: any open body ends truncated and the rest of the direction is ignored.</summary>
    private void Lose<TSink>(bool toServer, ref Direction d, ref TSink sink)
        where TSink : IHttpSink
    {
        d.Unexpected = null; // settled below with the rest
        if (d.Transaction is not null)
            EndBody(toServer, ref d, truncated: true, ref sink);
        ReturnHead(ref d);
        d.Phase = HttpStreamPhase.Lost;
        Settle(toServer, ref sink);
    }

    private void Abandon(ref Direction d)
    {
        if (d.Decoder is not null)
        {
            d.Decoder.Abandon();
            _context.Return(d.Decoder);
            d.Decoder = null;
        }

        d.Transaction = null;
        ReturnHead(ref d);
        d.Phase = HttpStreamPhase.Ended;
    }

    /// <summary>Per-direction progress: a few numbers, the head being collected, and the message whose body is open.</summary>
    private struct Direction
    {
        public HttpStreamPhase Phase;
        /// <summary>Stream offset of the next byte (data and gaps so far).</summary>
        public long Offset;
        public HttpHeadScanner Scanner;
        /// <summary>The head collected so far (pooled), <see langword="null"/> between messages.</summary>
        public byte[]? Head;
        /// <summary>Body (Content-Length) or chunk bytes still to come.</summary>
        public long Remaining;
        public long BodyStartOffset;
        /// <summary>The transaction whose message body is open in this direction.</summary>
        public HttpTransaction? Transaction;
        public HttpContentCodings Codings;
        public HttpBodyDecoder? Decoder;
        public ChunkLine Chunk;
        /// <summary>A response (1xx, 204, 304) that announced a body it should not have: what follows decides.</summary>
        public HttpTransaction? Unexpected;
        public int UnexpectedStatus;
        public HttpStreamPhase UnexpectedPhase;
        /// <summary>Stream offset where this direction stopped being HTTP (<see cref="HttpStreamPhase.Tunnel"/>).</summary>
        public long TunnelOffset;
        public long UnexpectedLength;
        public HttpContentCodings UnexpectedCodings;
        /// <summary>Lines skipped before the current status line.</summary>
        public int JunkLines;
    }

    /// <summary>Progress through a chunk-size line, the CRLF after chunk data, or a trailer line.</summary>
    private struct ChunkLine
    {
        /// <summary>Bytes of a size line kept until its first digit, to give back as body if the response was not chunked.</summary>
        public const int KeptCapacity = 32;

        private KeptBuffer _kept;
        private int _keptLength;

        public long Size;
        public int Digits;
        public int LineLength;
        public int TrailerBytes;
        public bool Extension;
        public bool SizeEnded;
        public bool Invalid;
        public bool Junk;
        public bool Cr;

        /// <summary>Copies the kept bytes to <paramref name="destination"/> (at least <see cref="KeptCapacity"/> long).</summary>
        public readonly int CopyKept(Span<byte> destination)
        {
            ReadOnlySpan<byte> kept = _kept;
            kept[.._keptLength].CopyTo(destination);
            return _keptLength;
        }

        /// <summary>Keeps one byte of the line; <see langword="false"/> when the buffer is full.</summary>
        public bool Keep(byte b)
        {
            if (_keptLength == KeptCapacity)
                return false;
            _kept[_keptLength++] = b;
            return true;
        }

        [System.Runtime.CompilerServices.InlineArray(KeptCapacity)]
        private struct KeptBuffer
        {
            private byte _element0;
        }
    }
}
