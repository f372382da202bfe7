using System.Buffers;

namespace Assay.Protocols.Http;

/// <summary>What <see cref="HttpHeadScanner.Scan"/> found.</summary>
internal enum HeadScanResult : byte
{
    /// <summary>Every byte given was taken; the head goes on.</summary>
    NeedMoreData,
    /// <summary>The start line just ended (the caller may decide the head is complete: HTTP/0.9); call again for the rest.</summary>
    StartLineComplete,
    /// <summary>The empty line that ends the head was taken.</summary>
    Complete,
    /// <summary>The start line passed <see cref="HttpOptions.MaxRequestLineLength"/>; nothing of this call was taken.</summary>
    StartLineTooLong,
    /// <summary>The head passed <see cref="HttpOptions.MaxHeaderBytes"/>; nothing of this call was taken.</summary>
    HeadTooLarge,
}

/// <summary>
/// Finds the end of a message head (RFC 9112 §2.1: start-line, field lines, CRLF) in bytes that arrive in pieces. The
/// state is four numbers, so it survives between calls without holding the bytes; lines end at LF (a CR before it is
/// part of the line ending, bare LF is accepted as RFC 9112 §2.2 allows). Empty lines (and blanks) before the start line
/// are skipped (§2.2: "SHOULD ignore at least one empty line").
/// </summary>
internal struct HttpHeadScanner
{
    /// <summary>Head bytes taken so far (from the start line's first byte).</summary>
    public int Length;

    /// <summary>Empty-line bytes skipped before the start line.</summary>
    public int Skipped;

    /// <summary>Complete lines so far.</summary>
    public int Lines;

    private int _lineLength;
    private bool _lineHasContent;
    private bool _lineHasCr;
    private bool _lineHasBlank;

    /// <summary>
    /// Takes bytes of <paramref name="data"/> up to the end of the head (or of the start line). The bytes taken are
    /// <paramref name="consumed"/>; of those, the last <c>Length</c> growth are head bytes and any before them were skipped
    /// empty lines.
    /// </summary>
    public HeadScanResult Scan(ReadOnlySpan<byte> data, int maxStartLine, int maxHead, out int consumed)
    {
        consumed = 0;
        while (consumed < data.Length)
        {
            if (Length == 0)
            {
                // Blanks too: " \r\nHTTP/1.1 200" and " HTTP/1.1 200" (http-evader) start where browsers start them.
                int start = data[consumed..].IndexOfAnyExcept("\r\n \t"u8);
                if (start < 0)
                {
                    Skipped += data.Length - consumed;
                    consumed = data.Length;
                    return HeadScanResult.NeedMoreData;
                }

                Skipped += start;
                consumed += start;
            }

            ReadOnlySpan<byte> rest = data[consumed..];
            int lf = rest.IndexOf((byte)'\n');
            int take = lf < 0 ? rest.Length : lf + 1;
            if (Lines == 0 && _lineLength + (lf < 0 ? take : lf) > maxStartLine)
                return HeadScanResult.StartLineTooLong;
            if (Length + take > maxHead)
                return HeadScanResult.HeadTooLarge;
            // An empty line may carry stray CRs ("\r\r\n") or, ended by a bare LF, blanks (" \n"): http-evader cases that
            // browsers read as the end of the head. Blanks with a CR are an empty fold. HttpHeadParser draws the same line.
            if (_lineLength == 0)
            {
                _lineHasContent = false;
                _lineHasCr = false;
                _lineHasBlank = false;
            }

            ReadOnlySpan<byte> part = rest[..(lf < 0 ? take : lf)];
            _lineHasContent |= part.IndexOfAnyExcept(" \t\r"u8) >= 0;
            _lineHasCr |= part.Contains((byte)'\r');
            _lineHasBlank |= part.IndexOfAny((byte)' ', (byte)'\t') >= 0;
            consumed += take;
            Length += take;
            if (lf < 0)
            {
                _lineLength += take;
                return HeadScanResult.NeedMoreData;
            }

            _lineLength = 0;
            Lines++;
            if (Lines == 1)
                return HeadScanResult.StartLineComplete;
            if (!_lineHasContent && !(_lineHasCr && _lineHasBlank))
                return HeadScanResult.Complete;
        }

        return HeadScanResult.NeedMoreData;
    }

    /// <summary>
    /// Reads one whole head (start line through the empty line) from <paramref name="reader"/>, skipping empty lines before
    /// it. <see cref="OperationStatus.NeedMoreData"/> consumes nothing; <see cref="OperationStatus.InvalidData"/> means a cap
    /// was passed (the reader is not moved). The head returned excludes the skipped lines.
    /// </summary>
    public static OperationStatus TryReadHead(ref SequenceReader<byte> reader, int maxStartLine, int maxHead, out ReadOnlySequence<byte> head)
    {
        head = default;
        var scanner = default(HttpHeadScanner);
        ReadOnlySequence<byte> remaining = reader.UnreadSequence;
        foreach (ReadOnlyMemory<byte> segment in remaining)
        {
            ReadOnlySpan<byte> span = segment.Span;
            int offset = 0;
            while (offset < span.Length)
            {
                HeadScanResult result = scanner.Scan(span[offset..], maxStartLine, maxHead, out int consumed);
                offset += consumed;
                switch (result)
                {
                    case HeadScanResult.Complete:
                        head = remaining.Slice(scanner.Skipped, scanner.Length);
                        reader.Advance(scanner.Skipped + scanner.Length);
                        return OperationStatus.Done;
                    case HeadScanResult.StartLineTooLong or HeadScanResult.HeadTooLarge:
                        return OperationStatus.InvalidData;
                }
            }

        }

        return OperationStatus.NeedMoreData;
    }
}
