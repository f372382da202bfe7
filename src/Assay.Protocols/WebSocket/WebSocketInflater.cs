namespace Assay.Protocols.WebSocket;

/// <summary>
/// A raw DEFLATE decoder (RFC 1951) for permessage-deflate (RFC 7692 §7.2.2): one whole compressed message at a time,
/// with the 32 KiB history kept between messages (context takeover). Keeping the history is also right when a peer
/// negotiated <c>*_no_context_takeover</c> or a smaller <c>*_max_window_bits</c>: such a compressor simply never refers
/// back that far. Written out (in the shape of zlib's <c>puff.c</c>) rather than wrapping DeflateStream so that output
/// is bounded before it is produced, nothing is allocated per message and nothing throws.
/// </summary>
internal sealed class WebSocketInflater
{
    /// <summary>The largest back-reference DEFLATE allows.</summary>
    public const int WindowSize = 32 * 1024;

    /// <summary>
    /// Bytes one message may inflate to, in total. Past the caller's buffer, output only feeds the history (so the next
    /// message under context takeover still decodes); past this cap decoding stops: a deflate bomb costs at most this much
    /// work and no memory. A message cut here leaves the history incomplete, so the next message may fail to decode.
    /// </summary>
    public const int MaxInflatedLength = 1024 * 1024;

    private const int MaxBits = 15;
    private const int MaxLiteralLengthCodes = 288;
    private const int MaxDistanceCodes = 30;
    private const int CodeLengthCodes = 19;
    private const int EndOfBlock = 256;

    private static readonly short[] s_fixedLengthCount = new short[MaxBits + 1];
    private static readonly short[] s_fixedLengthSymbol = new short[MaxLiteralLengthCodes];
    private static readonly short[] s_fixedDistanceCount = new short[MaxBits + 1];
    private static readonly short[] s_fixedDistanceSymbol = new short[MaxDistanceCodes];

    private readonly byte[] _window = new byte[WindowSize];
    private readonly short[] _lengthCount = new short[MaxBits + 1];
    private readonly short[] _lengthSymbol = new short[MaxLiteralLengthCodes];
    private readonly short[] _distanceCount = new short[MaxBits + 1];
    private readonly short[] _distanceSymbol = new short[MaxDistanceCodes];
    private readonly short[] _lengths = new short[MaxLiteralLengthCodes + MaxDistanceCodes];

    private int _windowPosition;
    private int _history;

    static WebSocketInflater()
    {
        Span<short> lengths = stackalloc short[MaxLiteralLengthCodes];
        lengths[..144].Fill(8);
        lengths[144..256].Fill(9);
        lengths[256..280].Fill(7);
        lengths[280..].Fill(8);
        Construct(s_fixedLengthCount, s_fixedLengthSymbol, lengths);
        lengths = lengths[..MaxDistanceCodes];
        lengths.Fill(5);
        Construct(s_fixedDistanceCount, s_fixedDistanceSymbol, lengths);
    }

    public enum Result : byte
    {
        /// <summary>The input ended at a block boundary (or after a final block).</summary>
        Done,

        /// <summary>The input ended inside a block: the message was cut (or lacks its sync-flush tail).</summary>
        Incomplete,

        /// <summary>Not valid DEFLATE.</summary>
        Invalid,

        /// <summary><see cref="MaxInflatedLength"/> reached.</summary>
        TooLarge,
    }

    /// <summary>Forgets the history (a new connection).</summary>
    public void Reset()
    {
        _windowPosition = 0;
        _history = 0;
    }

    /// <summary>
    /// Inflates one message into <paramref name="output"/>; <paramref name="written"/> bytes are valid whatever the result.
    /// <paramref name="overflow"/>: the message inflated to more than <paramref name="output"/> holds.
    /// </summary>
    public Result Inflate(ReadOnlySpan<byte> input, Span<byte> output, out int written, out bool overflow)
    {
        var decoder = new Decoder(this, input, output);
        Result result = decoder.Run();
        written = decoder.Written;
        overflow = decoder.Overflow;
        return result;
    }

    /// <summary>
    /// Canonical Huffman table from code lengths (RFC 1951 §3.2.2), as puff's <c>construct</c>: the count of codes per
    /// length and the symbols ordered by code. Returns 0 for a complete code, &lt; 0 over-subscribed, &gt; 0 incomplete.
    /// </summary>
    private static int Construct(short[] count, short[] symbol, ReadOnlySpan<short> lengths)
    {
        Array.Clear(count);
        for (int i = 0; i < lengths.Length; i++)
            count[lengths[i]]++;
        if (count[0] == lengths.Length)
            return 0;

        int left = 1;
        for (int length = 1; length <= MaxBits; length++)
        {
            left <<= 1;
            left -= count[length];
            if (left < 0)
                return left;
        }

        Span<short> offsets = stackalloc short[MaxBits + 1];
        offsets[1] = 0;
        for (int length = 1; length < MaxBits; length++)
            offsets[length + 1] = (short)(offsets[length] + count[length]);
        for (int i = 0; i < lengths.Length; i++)
        {
            if (lengths[i] != 0)
                symbol[offsets[lengths[i]]++] = (short)i;
        }

        return left;
    }

    private ref struct Decoder(WebSocketInflater owner, ReadOnlySpan<byte> input, Span<byte> output)
    {
        private readonly WebSocketInflater _owner = owner;
        private readonly ReadOnlySpan<byte> _input = input;
        private readonly Span<byte> _output = output;
        private int _position;
        private uint _bitBuffer;
        private int _bitCount;
        private int _total;
        private bool _overrun;

        public int Written { get; private set; }

        public bool Overflow { get; private set; }

        private static ReadOnlySpan<short> LengthBase => [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258];

        private static ReadOnlySpan<byte> LengthExtra => [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];

        private static ReadOnlySpan<short> DistanceBase => [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577];

        private static ReadOnlySpan<byte> DistanceExtra => [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13];

        private static ReadOnlySpan<byte> CodeLengthOrder => [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

        public Result Run()
        {
            while (true)
            {
                // Input exhausted at a block boundary: the sync-flush tail (an empty stored block) ends here.
                if (_position == _input.Length)
                    return Result.Done;

                int last = Bits(1);
                int type = Bits(2);
                if (_overrun)
                    return Result.Incomplete;
                Result result = type switch
                {
                    0 => Stored(),
                    1 => Codes(s_fixedLengthCount, s_fixedLengthSymbol, s_fixedDistanceCount, s_fixedDistanceSymbol),
                    2 => Dynamic(),
                    _ => Result.Invalid,
                };
                if (result != Result.Done || last != 0)
                    return result;
            }
        }

        private int Bits(int need)
        {
            // NOTE: need <= 13 and fewer than 8 bits are ever left over, so the buffer never exceeds 32 bits.
            uint value = _bitBuffer;
            while (_bitCount < need)
            {
                if (_position == _input.Length)
                {
                    _overrun = true;
                    return 0;
                }

                value |= (uint)_input[_position++] << _bitCount;
                _bitCount += 8;
            }

            _bitBuffer = value >> need;
            _bitCount -= need;
            return (int)(value & ((1u << need) - 1));
        }

        /// <summary>Appends one byte to the history and, while it has room, to the output; false at the work cap.</summary>
        private bool Put(byte value)
        {
            WebSocketInflater owner = _owner;
            owner._window[owner._windowPosition] = value;
            owner._windowPosition = (owner._windowPosition + 1) & (WindowSize - 1);
            if (owner._history < WindowSize)
                owner._history++;
            if (Written < _output.Length)
                _output[Written++] = value;
            else
                Overflow = true;
            return ++_total <= MaxInflatedLength;
        }

        private Result Stored()
        {
            // Stored blocks start on a byte boundary: drop the rest of the current byte.
            _bitBuffer = 0;
            _bitCount = 0;
            if (_input.Length - _position < 4)
                return Result.Incomplete;
            int length = _input[_position] | (_input[_position + 1] << 8);
            int complement = _input[_position + 2] | (_input[_position + 3] << 8);
            if (length != (~complement & 0xFFFF))
                return Result.Invalid;
            _position += 4;
            int available = Math.Min(length, _input.Length - _position);
            for (int i = 0; i < available; i++)
            {
                if (!Put(_input[_position + i]))
                    return Result.TooLarge;
            }

            _position += available;
            return available == length ? Result.Done : Result.Incomplete;
        }

        /// <summary>One symbol, a code bit at a time (puff's slow but table-free <c>decode</c>); -1 out of input, -2 invalid.</summary>
        private int Decode(short[] count, short[] symbol)
        {
            int code = 0, first = 0, index = 0;
            for (int length = 1; length <= MaxBits; length++)
            {
                code |= Bits(1);
                if (_overrun)
                    return -1;
                int n = count[length];
                if (code - n < first)
                    return symbol[index + (code - first)];
                index += n;
                first += n;
                first <<= 1;
                code <<= 1;
            }

            return -2;
        }

        private Result Codes(short[] lengthCount, short[] lengthSymbol, short[] distanceCount, short[] distanceSymbol)
        {
            WebSocketInflater owner = _owner;
            while (true)
            {
                int symbol = Decode(lengthCount, lengthSymbol);
                if (symbol < 0)
                    return symbol == -1 ? Result.Incomplete : Result.Invalid;
                if (symbol < EndOfBlock)
                {
                    if (!Put((byte)symbol))
                        return Result.TooLarge;
                    continue;
                }

                if (symbol == EndOfBlock)
                    return Result.Done;

                symbol -= EndOfBlock + 1;
                if (symbol >= LengthBase.Length)
                    return Result.Invalid;
                int length = LengthBase[symbol] + Bits(LengthExtra[symbol]);
                int distanceCode = Decode(distanceCount, distanceSymbol);
                if (distanceCode < 0)
                    return distanceCode == -1 ? Result.Incomplete : Result.Invalid;
                if (distanceCode >= DistanceBase.Length)
                    return Result.Invalid;
                int distance = DistanceBase[distanceCode] + Bits(DistanceExtra[distanceCode]);
                if (_overrun)
                    return Result.Incomplete;
                if (distance > owner._history)
                    return Result.Invalid;
                for (int i = 0; i < length; i++)
                {
                    if (!Put(owner._window[(owner._windowPosition - distance) & (WindowSize - 1)]))
                        return Result.TooLarge;
                }
            }
        }

        private Result Dynamic()
        {
            WebSocketInflater owner = _owner;
            int literalCodes = Bits(5) + 257;
            int distanceCodes = Bits(5) + 1;
            int codeLengthCodes = Bits(4) + 4;
            if (_overrun)
                return Result.Incomplete;
            if (literalCodes > 286 || distanceCodes > MaxDistanceCodes)
                return Result.Invalid;

            short[] lengths = owner._lengths;
            int index;
            for (index = 0; index < codeLengthCodes; index++)
                lengths[CodeLengthOrder[index]] = (short)Bits(3);
            for (; index < CodeLengthCodes; index++)
                lengths[CodeLengthOrder[index]] = 0;
            if (_overrun)
                return Result.Incomplete;
            if (Construct(owner._lengthCount, owner._lengthSymbol, lengths.AsSpan(0, CodeLengthCodes)) != 0)
                return Result.Invalid;

            int total = literalCodes + distanceCodes;
            index = 0;
            while (index < total)
            {
                int symbol = Decode(owner._lengthCount, owner._lengthSymbol);
                if (symbol < 0)
                    return symbol == -1 ? Result.Incomplete : Result.Invalid;
                if (symbol < 16)
                {
                    lengths[index++] = (short)symbol;
                    continue;
                }

                short repeated = 0;
                int times;
                if (symbol == 16)
                {
                    if (index == 0)
                        return Result.Invalid;
                    repeated = lengths[index - 1];
                    times = 3 + Bits(2);
                }
                else if (symbol == 17)
                {
                    times = 3 + Bits(3);
                }
                else
                {
                    times = 11 + Bits(7);
                }

                if (_overrun)
                    return Result.Incomplete;
                if (index + times > total)
                    return Result.Invalid;
                lengths.AsSpan(index, times).Fill(repeated);
                index += times;
            }

            if (lengths[EndOfBlock] == 0)
                return Result.Invalid;
            int error = Construct(owner._lengthCount, owner._lengthSymbol, lengths.AsSpan(0, literalCodes));
            if (error < 0 || (error > 0 && literalCodes - owner._lengthCount[0] != 1))
                return Result.Invalid;
            error = Construct(owner._distanceCount, owner._distanceSymbol, lengths.AsSpan(literalCodes, distanceCodes));
            if (error < 0 || (error > 0 && distanceCodes - owner._distanceCount[0] != 1))
                return Result.Invalid;
            return Codes(owner._lengthCount, owner._lengthSymbol, owner._distanceCount, owner._distanceSymbol);
        }
    }
}
