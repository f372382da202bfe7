using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Assay.Protocols.Mining;

/// <summary>JSON value kinds as far as mining messages care.</summary>
internal enum JsonKind : byte
{
    None,
    String,
    Number,
    True,
    False,
    Null,
    Object,
    Array,
}

/// <summary>
/// Where a value is: <see cref="Start"/>/<see cref="Length"/> index the message text (a string's contents without the
/// quotes, a number's digits) or, when <see cref="InScratch"/>, the unescaped copy in the scratch buffer.
/// </summary>
internal readonly record struct JsonValue(JsonKind Kind, bool InScratch, int Start, int Length);

/// <summary>How reading one JSON text ended.</summary>
internal enum MiningParseStatus : byte
{
    Done,
    InvalidJson,
    TooDeep,
}

/// <summary>
/// One JSON text read in a single <see cref="Utf8JsonReader"/> pass into fixed slots: the top-level members, the members
/// of an object <c>params</c> / <c>result</c> (with <c>result.job</c> merged into <c>result</c>: their names do not
/// clash in meaning), the first <see cref="MaxItems"/> elements of an array <c>params</c> / <c>result</c>, the error code
/// and message, and <c>params.algo</c>. Strings are slices of the text; only escaped ones are copied (unescaped) into
/// the caller's scratch span. Nothing is allocated.
/// </summary>
internal ref struct MiningMessage
{
    /// <summary>Array elements kept per array (a Bitcoin notify has 9, ZCash 8).</summary>
    public const int MaxItems = 12;

    /// <summary>Entries of a login's algorithm list kept (XMRig 6.16 sends 31).</summary>
    public const int MaxAlgorithms = 64;

    private static ReadOnlySpan<byte> MiningNotify => "mining.notify"u8;

    private static ReadOnlySpan<byte> EthereumStratumMarker => "EthereumStratum/"u8;

    private readonly ReadOnlySpan<byte> _text;
    private readonly Span<byte> _scratch;
    private int _scratchUsed;

    public KeyTable Top;
    public KeyTable Params;
    public KeyTable Result;
    public ItemTable ParamsItems;
    public ItemTable ResultItems;
    public AlgorithmTable Algorithms;
    public int ParamsCount;
    public int ResultCount;
    public int AlgorithmCount;
    public JsonValue ErrorCode;
    public JsonValue ErrorMessage;
    public bool RootIsObject;
    public bool ResultHasJob;

    /// <summary>A string somewhere in <c>result</c> is <c>mining.notify</c> (a stratum subscribe result).</summary>
    public bool ResultNamesMiningNotify;

    /// <summary>A string in <c>params</c> or <c>result</c> names EthereumStratum/x.</summary>
    public bool NamesEthereumStratum;

    public MiningMessage(ReadOnlySpan<byte> text, Span<byte> scratch)
    {
        this = default;
        _text = text;
        _scratch = scratch;
    }

    public readonly ReadOnlySpan<byte> Text => _text;

    /// <summary>The bytes of a value (unescaped for strings); empty for literals and containers.</summary>
    public readonly ReadOnlySpan<byte> Span(JsonValue value) => value.Kind is JsonKind.String or JsonKind.Number
        ? (value.InScratch ? _scratch.Slice(value.Start, value.Length) : _text.Slice(value.Start, value.Length))
        : [];

    public readonly JsonValue TopValue(MiningJsonKey key) => Top[(int)key];

    public readonly JsonValue ParamsValue(MiningJsonKey key) => Params[(int)key];

    public readonly JsonValue ResultValue(MiningJsonKey key) => Result[(int)key];

    /// <summary>The bytes of a top-level string or number member.</summary>
    public readonly ReadOnlySpan<byte> TopText(MiningJsonKey key) => Span(Top[(int)key]);

    /// <summary>The bytes of a string or number member of an object <c>params</c>.</summary>
    public readonly ReadOnlySpan<byte> ParamsText(MiningJsonKey key) => Span(Params[(int)key]);

    /// <summary>The bytes of a string or number member of an object <c>result</c> (or <c>result.job</c>).</summary>
    public readonly ReadOnlySpan<byte> ResultText(MiningJsonKey key) => Span(Result[(int)key]);

    /// <summary>Element <paramref name="index"/> of an array <c>params</c> (kind <see cref="JsonKind.None"/> past the end).</summary>
    public readonly JsonValue ParamsItem(int index) => (uint)index < (uint)Math.Min(ParamsCount, MaxItems) ? ParamsItems[index] : default;

    /// <summary>Element <paramref name="index"/> of an array <c>result</c>.</summary>
    public readonly JsonValue ResultItem(int index) => (uint)index < (uint)Math.Min(ResultCount, MaxItems) ? ResultItems[index] : default;

    /// <summary>Reads the text; <see cref="JsonException"/> is caught here, once per text, and becomes <see cref="MiningParseStatus.InvalidJson"/>.</summary>
    public MiningParseStatus Parse(int maxDepth)
    {
        // The reader's own limit is one deeper than ours so that we see the too-deep container and name it before the
        // reader would throw a JsonException that cannot be told apart from a syntax error.
        var reader = new Utf8JsonReader(_text, new JsonReaderOptions { MaxDepth = maxDepth + 1 });
        try
        {
            return Read(ref reader, maxDepth);
        }
        catch (JsonException)
        {
            return MiningParseStatus.InvalidJson;
        }
    }

    private MiningParseStatus Read(ref Utf8JsonReader reader, int maxDepth)
    {
        MiningJsonKey top = MiningJsonKey.None, key2 = MiningJsonKey.None, key3 = MiningJsonKey.None;
        JsonKind container1 = JsonKind.None, container2 = JsonKind.None;
        int index2 = -1, index3 = -1;
        while (reader.Read())
        {
            int depth = reader.CurrentDepth;
            JsonKind kind;
            switch (reader.TokenType)
            {
                case JsonTokenType.PropertyName:
                    MiningJsonKey key = KeyOf(ref reader);
                    if (depth == 1)
                        top = key;
                    else if (depth == 2)
                        key2 = key;
                    else if (depth == 3)
                        key3 = key;
                    continue;
                case JsonTokenType.StartObject:
                case JsonTokenType.StartArray:
                    if (depth >= maxDepth)
                        return MiningParseStatus.TooDeep;
                    kind = reader.TokenType == JsonTokenType.StartObject ? JsonKind.Object : JsonKind.Array;
                    if (depth == 0)
                    {
                        RootIsObject = kind == JsonKind.Object;
                        continue;
                    }

                    break;
                case JsonTokenType.EndObject:
                case JsonTokenType.EndArray:
                    continue;
                case JsonTokenType.String:
                    kind = JsonKind.String;
                    break;
                case JsonTokenType.Number:
                    kind = JsonKind.Number;
                    break;
                case JsonTokenType.True:
                    kind = JsonKind.True;
                    break;
                case JsonTokenType.False:
                    kind = JsonKind.False;
                    break;
                case JsonTokenType.Null:
                    kind = JsonKind.Null;
                    break;
                default:
                    continue;
            }

            if (depth == 0 || !RootIsObject)
                continue;

            if (depth == 1)
            {
                if (top != MiningJsonKey.None)
                    Top[(int)top] = Capture(ref reader, kind);
            }
            else if (depth == 2)
            {
                if (container1 == JsonKind.Array)
                    index2++;
                if (top == MiningJsonKey.Params)
                    Store(ref reader, kind, ref Params, ref ParamsItems, ref ParamsCount, container1, key2, index2);
                else if (top == MiningJsonKey.Result)
                {
                    Store(ref reader, kind, ref Result, ref ResultItems, ref ResultCount, container1, key2, index2);
                    if (container1 == JsonKind.Object && key2 == MiningJsonKey.Job && kind == JsonKind.Object)
                        ResultHasJob = true;
                }
                else if (top == MiningJsonKey.Error)
                {
                    if (container1 == JsonKind.Array ? index2 == 0 : key2 == MiningJsonKey.Code)
                        ErrorCode = Capture(ref reader, kind);
                    else if (container1 == JsonKind.Array ? index2 == 1 : key2 == MiningJsonKey.Message)
                        ErrorMessage = Capture(ref reader, kind);
                }
            }
            else if (depth == 3)
            {
                if (container2 == JsonKind.Array)
                    index3++;
                if (top == MiningJsonKey.Params && container1 == JsonKind.Object && key2 == MiningJsonKey.Algo
                    && container2 == JsonKind.Array && kind == JsonKind.String && AlgorithmCount < MaxAlgorithms)
                {
                    Algorithms[AlgorithmCount++] = Capture(ref reader, kind);
                }
                else if (top == MiningJsonKey.Result && container1 == JsonKind.Object && key2 == MiningJsonKey.Job
                    && container2 == JsonKind.Object && key3 != MiningJsonKey.None)
                {
                    Result[(int)key3] = Capture(ref reader, kind);
                }
            }

            if (kind == JsonKind.String && depth >= 2 && (top == MiningJsonKey.Result || top == MiningJsonKey.Params))
                LookForMarkers(ref reader, top);

            if (kind is JsonKind.Object or JsonKind.Array)
            {
                if (depth == 1)
                {
                    container1 = kind;
                    index2 = -1;
                    key2 = MiningJsonKey.None;
                }
                else if (depth == 2)
                {
                    container2 = kind;
                    index3 = -1;
                    key3 = MiningJsonKey.None;
                }
            }
        }

        return MiningParseStatus.Done;
    }

    private void Store(ref Utf8JsonReader reader, JsonKind kind, ref KeyTable fields, ref ItemTable items, ref int count,
        JsonKind container, MiningJsonKey key, int index)
    {
        if (container == JsonKind.Object)
        {
            if (key != MiningJsonKey.None)
                fields[(int)key] = Capture(ref reader, kind);
        }
        else if (container == JsonKind.Array)
        {
            count = index + 1;
            if (index < MaxItems)
                items[index] = Capture(ref reader, kind);
        }
    }

    private void LookForMarkers(ref Utf8JsonReader reader, MiningJsonKey top)
    {
        // Markers are ASCII and never escaped by real pools; an escaped one is simply not seen.
        if (reader.ValueIsEscaped)
            return;
        ReadOnlySpan<byte> value = reader.ValueSpan;
        if (top == MiningJsonKey.Result && value.SequenceEqual(MiningNotify))
            ResultNamesMiningNotify = true;
        else if (value.Length >= EthereumStratumMarker.Length && value.StartsWith(EthereumStratumMarker))
            NamesEthereumStratum = true;
    }

    private JsonValue Capture(ref Utf8JsonReader reader, JsonKind kind)
    {
        int start = (int)reader.TokenStartIndex;
        switch (kind)
        {
            case JsonKind.Number:
                return new JsonValue(kind, false, start, reader.ValueSpan.Length);
            case JsonKind.String:
                if (!reader.ValueIsEscaped)
                    return new JsonValue(kind, false, start + 1, reader.ValueSpan.Length);

                // The escaped form is never shorter than the unescaped one, so this length check makes CopyString safe.
                int room = _scratch.Length - _scratchUsed;
                if (reader.ValueSpan.Length <= room)
                {
                    int written = reader.CopyString(_scratch[_scratchUsed..]);
                    var value = new JsonValue(kind, true, _scratchUsed, written);
                    _scratchUsed += written;
                    return value;
                }

                // Longer than the scratch left (only hostile input escapes that much): unescape through a rented buffer
                // and keep the prefix that fits; fields are cut to MaxFieldLength anyway.
                byte[] rented = ArrayPool<byte>.Shared.Rent(reader.ValueSpan.Length);
                try
                {
                    int written = reader.CopyString(rented);
                    int kept = Math.Min(written, room);
                    rented.AsSpan(0, kept).CopyTo(_scratch[_scratchUsed..]);
                    var value = new JsonValue(kind, true, _scratchUsed, kept);
                    _scratchUsed += kept;
                    return value;
                }
                finally
                {
                    ArrayPool<byte>.Shared.Return(rented);
                }

            default:
                return new JsonValue(kind, false, start, 0);
        }
    }

    private static MiningJsonKey KeyOf(ref Utf8JsonReader reader)
    {
        if (!reader.ValueIsEscaped)
            return MiningJsonKeys.Of(reader.ValueSpan);

        // One of our names is at most MaxNameLength bytes unescaped, so at most 6 times that escaped (\uXXXX per byte);
        // anything longer is not ours. The escaped form is never shorter than the unescaped one, so CopyString fits.
        if (reader.ValueSpan.Length > EscapedNameLength)
            return MiningJsonKey.None;
        Span<byte> name = stackalloc byte[EscapedNameLength];
        int written = reader.CopyString(name);
        return MiningJsonKeys.Of(name[..written]);
    }

    private const int EscapedNameLength = 6 * MiningJsonKeys.MaxNameLength;

    [InlineArray((int)MiningJsonKey.Count)]
    internal struct KeyTable
    {
        private JsonValue _element0;
    }

    [InlineArray(MaxItems)]
    internal struct ItemTable
    {
        private JsonValue _element0;
    }

    [InlineArray(MaxAlgorithms)]
    internal struct AlgorithmTable
    {
        private JsonValue _element0;
    }
}
