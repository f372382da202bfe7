using System.Buffers;
using System.Text;

namespace Assay.Protocols.Http;

/// <summary>Where a piece of text lies in a message's head buffer.</summary>
internal readonly record struct TextRange(int Start, int Length)
{
    public bool IsEmpty => Length == 0;
}

/// <summary>One header field: name and value (trimmed of optional whitespace; obsolete line folds joined by one space).</summary>
internal readonly record struct HttpHeaderEntry(TextRange Name, TextRange Value);

/// <summary>The header fields of one message, in wire order. Valid while the transaction is (see <see cref="HttpTransaction"/>).</summary>
public readonly ref struct HttpHeaderList
{
    private readonly ReadOnlySpan<byte> _head;
    private readonly ReadOnlySpan<HttpHeaderEntry> _entries;

    internal HttpHeaderList(ReadOnlySpan<byte> head, ReadOnlySpan<HttpHeaderEntry> entries)
    {
        _head = head;
        _entries = entries;
    }

    public int Count => _entries.Length;

    public ReadOnlySpan<byte> Name(int index) => Slice(_entries[index].Name);

    public ReadOnlySpan<byte> Value(int index) => Slice(_entries[index].Value);

    /// <summary>The first field named <paramref name="name"/> (ASCII case-insensitive).</summary>
    public bool TryGetValue(ReadOnlySpan<byte> name, out ReadOnlySpan<byte> value)
    {
        foreach (HttpHeaderEntry entry in _entries)
        {
            if (entry.Name.Length == name.Length && Ascii.EqualsIgnoreCase(Slice(entry.Name), name))
            {
                value = Slice(entry.Value);
                return true;
            }
        }

        value = default;
        return false;
    }

    private ReadOnlySpan<byte> Slice(TextRange range) => _head.Slice(range.Start, range.Length);
}

/// <summary>
/// A request or a response: its head (start line and fields, kept as one pooled buffer with ranges into it), body lengths
/// and the body as a file. Owned by an <see cref="HttpTransaction"/>.
/// </summary>
public sealed class HttpMessage
{
    private byte[] _head = [];
    private int _headLength;
    private HttpHeaderEntry[] _entries = [];
    private int _entryCount;

    internal HttpMessage(bool toServer)
    {
        File.Reset(toServer);
    }

    /// <summary>The head was seen and parsed.</summary>
    public bool HasHead { get; internal set; }

    /// <summary>The message (head and body) ended where its framing says.</summary>
    public bool IsComplete { get; internal set; }

    /// <summary>Body bytes after removing chunked framing, before content decoding (Zeek counts decoded bytes: see <see cref="HttpFile.Size"/>).</summary>
    public long BodyLength { get; internal set; }

    /// <summary>Body bytes as seen on the wire, chunk-size lines and trailers included (libhtp's <c>message_len</c>, Suricata's <c>http.length</c>).</summary>
    public long WireLength { get; internal set; }

    /// <summary>The body as a file; meaningful only when <see cref="HasFile"/>.</summary>
    public HttpFile File { get; } = new();

    /// <summary>The message had a non-empty body (each one is a file event).</summary>
    public bool HasFile { get; internal set; }

    /// <summary>The whole head as received (start line, fields, final empty line).</summary>
    public ReadOnlySpan<byte> RawHead => _head.AsSpan(0, _headLength);

    public HttpHeaderList Headers => new(RawHead, _entries.AsSpan(0, _entryCount));

    // Start line: request = method, target, version; response = version, status code, reason phrase.
    internal TextRange StartLine1;
    internal TextRange StartLine2;
    internal TextRange StartLine3;

    // Fields the output and the framing decision use, found once while parsing.
    internal TextRange Host;
    internal TextRange UserAgent;
    internal TextRange Referer;
    internal TextRange ContentType;
    internal TextRange Location;
    internal TextRange ContentDisposition;
    internal TextRange XForwardedFor;

    /// <summary>Nothing more will arrive for this message (complete, cut short, or its direction ended or lost sync).</summary>
    internal bool Done;

    internal byte[] HeadBuffer => _head;

    internal int EntryCount => _entryCount;

    internal ReadOnlySpan<byte> Slice(TextRange range) => _head.AsSpan(range.Start, range.Length);

    /// <summary>Takes ownership of a pooled head buffer holding <paramref name="length"/> bytes.</summary>
    internal void AdoptHead(byte[] buffer, int length)
    {
        ReturnHead();
        _head = buffer;
        _headLength = length;
    }

    internal bool TryAddEntry(in HttpHeaderEntry entry, int maxHeaders)
    {
        if (_entryCount >= maxHeaders)
            return false;
        if (_entryCount == _entries.Length)
        {
            HttpHeaderEntry[] bigger = ArrayPool<HttpHeaderEntry>.Shared.Rent(Math.Max(16, _entryCount * 2));
            _entries.AsSpan(0, _entryCount).CopyTo(bigger);
            if (_entries.Length != 0)
                ArrayPool<HttpHeaderEntry>.Shared.Return(_entries);
            _entries = bigger;
        }

        _entries[_entryCount++] = entry;
        return true;
    }

    internal void Reset(bool toServer)
    {
        ReturnHead();
        if (_entries.Length != 0)
            ArrayPool<HttpHeaderEntry>.Shared.Return(_entries);
        _entries = [];
        _entryCount = 0;
        HasHead = false;
        IsComplete = false;
        Done = false;
        BodyLength = 0;
        WireLength = 0;
        HasFile = false;
        File.Reset(toServer);
        StartLine1 = StartLine2 = StartLine3 = default;
        Host = UserAgent = Referer = ContentType = Location = ContentDisposition = XForwardedFor = default;
    }

    private void ReturnHead()
    {
        if (_head.Length != 0)
            ArrayPool<byte>.Shared.Return(_head);
        _head = [];
        _headLength = 0;
    }
}
