using Assay.Decoding;

namespace Assay.Protocols.Http;

// Message bodies (RFC 9112 §6–§7): Content-Length, chunked transfer coding, close-delimited; each non-empty body is a file.
//
//   chunked-body = *chunk last-chunk trailer-section CRLF
//   chunk        = chunk-size [ chunk-ext ] CRLF chunk-data CRLF        ; chunk-size = 1*HEXDIG
//   last-chunk   = 1*("0") [ chunk-ext ] CRLF
//
// Tolerated: bare LF, whitespace and control bytes before the size, an empty line where a size is expected, a missing trailer
// end at close. Reported and recovered from: bytes after the size that are not an extension (ignored, as browsers do); a size
// that is not hex or does not fit 63 bits ends the body (the next line is parsed as a new message, Zeek's behaviour, so a
// request hidden behind it is still seen); chunk data not followed by CRLF. Lost: a size line past MaxChunkLineLength.
public sealed partial class HttpParser
{
    private static void StartBody(ref Direction d, HttpTransaction tx, HttpStreamPhase phase, long contentLength, in HttpContentCodings codings)
    {
        d.Transaction = tx;
        d.Codings = codings;
        d.BodyStartOffset = d.Offset;
        d.Phase = phase;
        d.Remaining = phase == HttpStreamPhase.Body ? contentLength : 0;
        d.Chunk = default;
    }

    private int ConsumeLengthBody<TSink>(bool toServer, ref Direction d, ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        int take = (int)Math.Min(d.Remaining, data.Length);
        Message(toServer, in d).WireLength += take;
        d.Offset += take;
        d.Remaining -= take;
        BodyBytes(toServer, ref d, data[..take], ref sink);
        if (d.Remaining == 0)
            EndBody(toServer, ref d, truncated: false, ref sink);
        return take;
    }

    private int ConsumeBodyUntilClose<TSink>(bool toServer, ref Direction d, ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        Message(toServer, in d).WireLength += data.Length;
        d.Offset += data.Length;
        BodyBytes(toServer, ref d, data, ref sink);
        return data.Length;
    }

    private int ConsumeChunkSize<TSink>(bool toServer, ref Direction d, ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        int lf = data.IndexOf((byte)'\n');
        int end = lf < 0 ? data.Length : lf;
        if (d.Chunk.LineLength + end > MaxChunkLineLength)
        {
            Report(ref sink, Anomaly.HttpChunkLineTooLong, toServer, d.Transaction!.Id);
            Lose(toServer, ref d, ref sink);
            return Ignore(ref d, data.Length);
        }

        // A response whose first chunk-size line does not start with a hex digit was not chunked after all (a server that
        // says chunked and sends the content, as http-evader does): like libhtp, read it as the body until close.
        bool mayFallBack = !toServer && Message(toServer, in d).BodyLength == 0;
        for (int i = 0; i < end; i++)
        {
            byte b = data[i];
            bool kept = d.Chunk.Digits == 0 && d.Chunk.Keep(b);
            d.Chunk.LineLength++;
            StepChunkSize(ref d.Chunk, b);
            if (mayFallBack && d.Chunk.Invalid && d.Chunk.Digits == 0)
                return FallBackToBody(ref d, data, i + (kept ? 1 : 0), ref sink);
        }

        int consumed = lf < 0 ? data.Length : lf + 1;
        Message(toServer, in d).WireLength += consumed;
        d.Offset += consumed;
        if (lf < 0)
            return consumed;

        ChunkLine line = d.Chunk;
        d.Chunk = default;
        if (line.Digits == 0 && !line.Invalid && !line.Extension)
            return consumed; // an empty line where a size belongs: tolerated
        if (line.Invalid || line.Digits == 0)
        {
            Report(ref sink, Anomaly.HttpChunkSizeInvalid, toServer, d.Transaction!.Id);
            EndBody(toServer, ref d, truncated: true, ref sink);
            return consumed;
        }

        if (line.Junk)
            Report(ref sink, Anomaly.HttpChunkSizeJunk, toServer, d.Transaction!.Id);

        if (line.Size == 0)
        {
            d.Phase = HttpStreamPhase.ChunkTrailer;
            return consumed;
        }

        d.Remaining = line.Size;
        d.Phase = HttpStreamPhase.ChunkData;
        return consumed;
    }

    /// <summary>
    /// The response body was not chunked: the bytes of the would-be size line read so far (kept, at most
    /// <see cref="ChunkLine.KeptCapacity"/>) become the body's first bytes, and the rest runs until close.
    /// </summary>
    private int FallBackToBody<TSink>(ref Direction d, ReadOnlySpan<byte> data, int consumed, ref TSink sink)
        where TSink : IHttpSink
    {
        Report(ref sink, Anomaly.HttpChunkSizeInvalid, toServer: false, d.Transaction!.Id);
        Message(toServer: false, in d).WireLength += consumed;
        d.Offset += consumed;
        Span<byte> kept = stackalloc byte[ChunkLine.KeptCapacity];
        int keptLength = d.Chunk.CopyKept(kept);
        d.Chunk = default;
        d.Phase = HttpStreamPhase.BodyUntilClose;
        BodyBytes(toServer: false, ref d, kept[..keptLength], ref sink);
        return consumed;
    }

    /// <summary>
    /// One byte of a chunk-size line (before its LF). Lenient where browsers are (the http-evader cases): control and
    /// whitespace bytes before the size are skipped, and anything after the hex digits that is not an extension is
    /// ignored (reported as <c>http.chunk_size_junk</c>). No digit at all, or more than 63 bits, is invalid.
    /// </summary>
    private static void StepChunkSize(ref ChunkLine line, byte b)
    {
        if (line.Extension || b == (byte)'\r')
            return;
        if (line.Digits == 0 && line.LineLength > ChunkLine.KeptCapacity)
        {
            // More filler before a digit than any sender needs: not a size line.
            line.Invalid = true;
            line.Extension = true;
            return;
        }

        if (line.Digits == 0 && b is (byte)' ' or (byte)'\t' or 0x0B or 0x0C)
            return;

        int hex = HexValue(b);
        if (hex >= 0 && !line.SizeEnded)
        {
            // Overflow check before the shift: a size that needs more than 63 bits (2^64 in Zeek's 261 traces) is invalid.
            if (line.Size > (long.MaxValue >> 4))
            {
                line.Invalid = true;
                line.Extension = true;
                return;
            }

            line.Size = (line.Size << 4) | (uint)hex;
            line.Digits++;
            return;
        }

        if (line.Digits == 0)
        {
            line.Invalid = true;
            line.Extension = true; // ignore the rest of the line
        }
        else if (b == (byte)';')
        {
            line.Extension = true;
        }
        else if (b is (byte)' ' or (byte)'\t')
        {
            line.SizeEnded = true; // BWS before an extension
        }
        else
        {
            line.Junk = true;
            line.Extension = true;
        }
    }

    private static int HexValue(byte b)
    {
        if ((uint)(b - '0') <= 9)
            return b - '0';
        int lower = b | 0x20;
        return (uint)(lower - 'a') <= 5 ? lower - 'a' + 10 : -1;
    }

    private int ConsumeChunkData<TSink>(bool toServer, ref Direction d, ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        int take = (int)Math.Min(d.Remaining, data.Length);
        Message(toServer, in d).WireLength += take;
        d.Offset += take;
        d.Remaining -= take;
        BodyBytes(toServer, ref d, data[..take], ref sink);
        if (d.Remaining == 0 && d.Phase == HttpStreamPhase.ChunkData)
        {
            d.Phase = HttpStreamPhase.ChunkDataEnd;
            d.Chunk = default;
        }

        return take;
    }

    private int ConsumeChunkDataEnd<TSink>(bool toServer, ref Direction d, ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        byte b = data[0];
        if (b == (byte)'\r' && !d.Chunk.Cr)
        {
            d.Chunk.Cr = true;
        }
        else if (b == (byte)'\n')
        {
            d.Chunk = default;
            d.Phase = HttpStreamPhase.ChunkSize;
        }
        else
        {
            // Chunk data longer than its size said, or a missing CRLF: read on as the next size line.
            Report(ref sink, Anomaly.HttpChunkMissingCrlf, toServer, d.Transaction!.Id);
            d.Chunk = default;
            d.Phase = HttpStreamPhase.ChunkSize;
            return 0;
        }

        Message(toServer, in d).WireLength++;
        d.Offset++;
        return 1;
    }

    private int ConsumeChunkTrailer<TSink>(bool toServer, ref Direction d, ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        int lf = data.IndexOf((byte)'\n');
        int end = lf < 0 ? data.Length : lf;
        int consumed = lf < 0 ? data.Length : lf + 1;
        if (d.Chunk.LineLength == 0 && end > 0)
            d.Chunk.Cr = data[0] == (byte)'\r';
        d.Chunk.LineLength += end;
        d.Chunk.TrailerBytes += consumed;
        if (d.Chunk.TrailerBytes > _options.MaxHeaderBytes)
        {
            Report(ref sink, Anomaly.HttpHeaderBlockTooLarge, toServer, d.Transaction!.Id);
            Lose(toServer, ref d, ref sink);
            return Ignore(ref d, data.Length);
        }

        Message(toServer, in d).WireLength += consumed;
        d.Offset += consumed;
        if (lf < 0)
            return consumed;
        bool empty = d.Chunk.LineLength == 0 || (d.Chunk.LineLength == 1 && d.Chunk.Cr);
        d.Chunk.LineLength = 0;
        if (empty)
            EndBody(toServer, ref d, truncated: false, ref sink);
        return consumed;
    }

    private static HttpMessage Message(bool toServer, in Direction d) => toServer ? d.Transaction!.Request : d.Transaction!.Response;

    private HttpBodyDecoder Decoder(bool toServer, ref Direction d)
    {
        if (d.Decoder is null)
        {
            HttpMessage message = Message(toServer, in d);
            d.Decoder = _context.RentDecoder();
            message.HasFile = true;
            d.Decoder.Begin(message.File, in d.Codings, _options);
        }

        return d.Decoder;
    }

    private void BodyBytes<TSink>(bool toServer, ref Direction d, ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IHttpSink
    {
        if (data.IsEmpty)
            return;
        Message(toServer, in d).BodyLength += data.Length;
        Anomaly stopped = Decoder(toServer, ref d).Write(data);
        if (stopped != Anomaly.None)
            Report(ref sink, stopped, toServer, d.Transaction!.Id);
    }

    /// <summary>Body bytes lost to a gap (the framing around them is intact).</summary>
    private void SkipBody(bool toServer, ref Direction d, long length)
    {
        HttpMessage message = Message(toServer, in d);
        message.BodyLength += length;
        message.WireLength += length;
        Decoder(toServer, ref d).Gap(length);
    }

    /// <summary>The open body ended (complete, or cut short when <paramref name="truncated"/>): its file is written and the
    /// direction moves on.</summary>
    private void EndBody<TSink>(bool toServer, ref Direction d, bool truncated, ref TSink sink)
        where TSink : IHttpSink
    {
        HttpTransaction tx = d.Transaction!;
        HttpMessage message = Message(toServer, in d);
        if (d.Decoder is { } decoder)
        {
            decoder.End(truncated);
            _context.Return(decoder);
            d.Decoder = null;
            _context.Files++;
            sink.OnFile(tx, message.File);
        }

        message.IsComplete = !truncated;
        message.Done = true;
        NextMessage(toServer, ref d, ref sink);
        TryFinish(tx, ref sink);
    }
}
