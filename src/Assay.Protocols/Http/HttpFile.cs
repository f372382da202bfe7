namespace Assay.Protocols.Http;

/// <summary>How a body ended, as Suricata's <c>fileinfo.state</c>.</summary>
public enum HttpFileState : byte
{
    /// <summary>Every byte was seen and decoded: size and hashes describe the whole file (<c>CLOSED</c>).</summary>
    Closed,
    /// <summary>The body ended early: connection closed or reset mid-body, a gap, a framing error, or decoding stopped
    /// (bomb, corrupt data, limit). Size counts what was seen; hashes only when they cover all of it (no gap, decoding
    /// not stopped) (<c>TRUNCATED</c>).</summary>
    Truncated,
}

/// <summary>How the body was encoded on the wire (<c>Content-Encoding</c>); decoding recovers the file.</summary>
public enum HttpContentCoding : byte
{
    Identity,
    Gzip,
    /// <summary>RFC 9110 <c>deflate</c>: zlib-wrapped; raw deflate (a common server mistake) is accepted too.</summary>
    Deflate,
}

/// <summary>
/// The content codings of a body in the order the sender applied them (RFC 9110 §8.4: listed in order of application,
/// across repeated fields), <c>identity</c> left out. Decoding undoes them last to first.
/// </summary>
internal struct HttpContentCodings
{
    /// <summary>Layers undone at most, 3 (the limit Suricata's http-evader tests set, <c>response-body-decompress-layer-limit</c>).</summary>
    public const int MaxLayers = 3;

    private LayerBuffer _layers;

    public int Count { readonly get; private set; }

    /// <summary>A coding we cannot undo, or more than <see cref="MaxLayers"/>: the body is hashed as sent.</summary>
    public bool Unsupported { readonly get; set; }

    /// <summary>Layers to undo (none when <see cref="Unsupported"/>).</summary>
    public readonly int Layers => Unsupported ? 0 : Count;

    public readonly HttpContentCoding this[int index] => _layers[index];

    public void Add(HttpContentCoding coding)
    {
        if (Count == MaxLayers)
        {
            Unsupported = true;
            return;
        }

        _layers[Count++] = coding;
    }

    [System.Runtime.CompilerServices.InlineArray(MaxLayers)]
    private struct LayerBuffer
    {
        private HttpContentCoding _element0;
    }
}

/// <summary>
/// One body seen as a file (Suricata's <c>fileinfo</c>, Zeek's <c>files.log</c>): the decoded content's size, hashes and
/// magic type. Owned by its <see cref="HttpMessage"/>; valid until the transaction is handed back (after
/// <see cref="IHttpSink.OnTransaction"/>).
/// </summary>
public sealed class HttpFile
{
    private readonly byte[] _md5 = new byte[16];
    private readonly byte[] _sha1 = new byte[20];
    private readonly byte[] _sha256 = new byte[32];
    private readonly byte[] _head = new byte[FileMagic.SniffLength];
    private int _headLength;

    /// <summary>The request's body (client to server) rather than the response's.</summary>
    public bool ToServer { get; internal set; }

    public HttpFileState State { get; internal set; }

    /// <summary>Decoded bytes seen (plus skipped gap bytes of an unencoded body): the file's size.</summary>
    public long Size { get; internal set; }

    /// <summary>Some bytes were never seen (a TCP gap).</summary>
    public bool Gaps { get; internal set; }

    /// <summary>The content is on disk under <see cref="FileStore"/>'s SHA-256 name.</summary>
    public bool Stored { get; internal set; }

    public FileMagicType Magic { get; internal set; }

    /// <summary>The last coding the sender applied (the first undone); <see cref="HttpContentCoding.Identity"/> when none was undone.</summary>
    public HttpContentCoding Coding { get; internal set; }

    /// <summary>Content codings undone (0 to <c>3</c>); a body whose codings cannot all be undone is kept as sent.</summary>
    public int CodingLayers { get; internal set; }

    /// <summary>
    /// The digests this file has: those computed (<see cref="HttpOptions.ComputedHashes"/>) when they cover exactly the
    /// <see cref="Size"/> bytes seen; <see cref="FileHashes.None"/> after a gap or when decoding stopped. A
    /// <see cref="HttpFileState.Truncated"/> file can have them (the content up to where the connection ended).
    /// </summary>
    public FileHashes Hashes { get; internal set; }

    /// <summary>At least one digest (<see cref="Hashes"/>).</summary>
    public bool HasHashes => Hashes != FileHashes.None;

    /// <summary>The MD5, or empty when the file has none (not computed, or not covering the content).</summary>
    public ReadOnlySpan<byte> Md5 => (Hashes & FileHashes.Md5) != 0 ? _md5 : default;

    /// <summary>The SHA-1, or empty when the file has none.</summary>
    public ReadOnlySpan<byte> Sha1 => (Hashes & FileHashes.Sha1) != 0 ? _sha1 : default;

    /// <summary>The SHA-256, or empty when the file has none.</summary>
    public ReadOnlySpan<byte> Sha256 => (Hashes & FileHashes.Sha256) != 0 ? _sha256 : default;

    /// <summary>The first decoded bytes of the content (up to <see cref="FileMagic.SniffLength"/>): enough for small
    /// JSON-RPC bodies (mining over HTTP) and for telling what a file is.</summary>
    public ReadOnlySpan<byte> Head => _head.AsSpan(0, _headLength);

    internal void SetHead(ReadOnlySpan<byte> head)
    {
        _headLength = Math.Min(head.Length, _head.Length);
        head[.._headLength].CopyTo(_head);
    }

    internal Span<byte> Md5Buffer => _md5;

    internal Span<byte> Sha1Buffer => _sha1;

    internal Span<byte> Sha256Buffer => _sha256;

    internal void Reset(bool toServer)
    {
        ToServer = toServer;
        State = HttpFileState.Closed;
        Size = 0;
        Gaps = false;
        Stored = false;
        Magic = FileMagicType.Data;
        Coding = HttpContentCoding.Identity;
        CodingLayers = 0;
        Hashes = FileHashes.None;
        _headLength = 0;
    }
}
