using System.IO.Compression;
using System.Security.Cryptography;
using Assay.Decoding;

namespace Assay.Protocols.Http;

/// <summary>
/// Turns one body's bytes (chunked framing already removed) into a file: undoes the Content-Encoding layers as the bytes
/// arrive (up to <see cref="HttpContentCodings.MaxLayers"/>, last applied first), and feeds the decoded bytes to
/// the selected digests (<see cref="HttpOptions.ComputedHashes"/>: MD5/SHA-1/SHA-256), the magic sniffer and
/// (optionally) the carver. Pooled per worker (<see cref="HttpParserContext"/>) and reused for body after body: the hash
/// objects (only those selected) and layer buffers are created once.
/// </summary>
/// <remarks>
/// <para>Decompression is push-driven: <see cref="System.IO.Compression"/> streams pull, so each piece of input is placed
/// in a small <see cref="FeedStream"/> and the decompressor is read until it asks for more. Its output is bounded per body
/// by <see cref="HttpOptions.MaxDecodedLength"/> (<c>http.decoded_length_limit</c>) and by libhtp's bomb rule: more than
/// <see cref="HttpOptions.DecompressionBombMinimum"/> decoded and more than <see cref="HttpOptions.DecompressionBombRatio"/>
/// times the compressed bytes so far (<c>http.decompression_bomb</c>). Either stops decoding for that body; the file is
/// then <see cref="HttpFileState.Truncated"/>. Work per input piece is bounded by one output buffer between checks.
/// Corrupt compressed data also stops decoding (<c>http.decompression_failed</c>).</para>
/// <para>Hashes cover exactly the bytes <see cref="HttpFile.Size"/> counts: they are kept for a body cut short by the end
/// of the connection (the content seen, as Zeek and Suricata hash it) and dropped after a gap or when decoding stopped.</para>
/// <para>A body labelled gzip that does not start with the gzip magic is taken as unencoded (servers mislabel; Suricata
/// does the same). Deflate accepts the zlib wrapper (RFC 9110) and raw deflate (what many servers send).</para>
/// </remarks>
internal sealed class HttpBodyDecoder : IDisposable
{
    /// <summary>Compressed bytes handed to a decompressor at a time, so one large delivery is checked against the caps often.</summary>
    private const int FeedPieceLength = 16 * 1024;

    private readonly byte[] _sniff = new byte[FileMagic.SniffLength];
    private readonly Layer?[] _layers = new Layer?[HttpContentCodings.MaxLayers];
    private readonly byte[] _innermostOutput;

    private HttpOptions _options = HttpOptions.Default;
    // Created on the first body that selects them. NOTE: an object holds no state between bodies: only a selected one is
    // fed, and End or Abandon finishes every one that was fed.
    private IncrementalHash? _md5;
    private IncrementalHash? _sha1;
    private IncrementalHash? _sha256;
    private FileHashes _hashes;
    private HttpFile? _file;
    private int _layerCount;
    private int _sniffLength;
    private long _encoded;
    private long _decoded;
    private bool _hashing;
    private bool _stopped;
    private FileStream? _carve;
    private string? _carvePath;

    /// <param name="output">The worker's shared decompression output buffer (used by the layer nearest the wire).</param>
    public HttpBodyDecoder(byte[] output)
    {
        _innermostOutput = output;
    }

    /// <summary>Starts a body that becomes <paramref name="file"/>, encoded with <paramref name="codings"/>.</summary>
    public void Begin(HttpFile file, in HttpContentCodings codings, HttpOptions options)
    {
        _file = file;
        _options = options;
        _layerCount = codings.Layers;
        for (int i = 0; i < _layerCount; i++)
        {
            // Layer 0 undoes the coding applied last.
            Layer layer = _layers[i] ??= new Layer(i == 0 ? _innermostOutput : new byte[_innermostOutput.Length]);
            layer.Reset(codings[_layerCount - 1 - i]);
        }

        file.Coding = _layerCount > 0 ? codings[_layerCount - 1] : HttpContentCoding.Identity;
        file.CodingLayers = _layerCount;
        _sniffLength = 0;
        _encoded = 0;
        _decoded = 0;
        _hashes = options.ComputedHashes;
        _hashing = _hashes != FileHashes.None;
        _stopped = false;
        if ((_hashes & FileHashes.Md5) != 0)
            _md5 ??= IncrementalHash.CreateHash(HashAlgorithmName.MD5);
        if ((_hashes & FileHashes.Sha1) != 0)
            _sha1 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        if ((_hashes & FileHashes.Sha256) != 0)
            _sha256 ??= IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        if (options.FileStore is { } store)
            _carve = store.Begin(out _carvePath);
    }

    /// <summary>The next body bytes. Returns the anomaly that stopped decoding, if this call stopped it.</summary>
    public Anomaly Write(ReadOnlySpan<byte> data)
    {
        if (_stopped || data.IsEmpty)
            return Anomaly.None;
        return Feed(0, data);
    }

    /// <summary><paramref name="length"/> body bytes were never seen.</summary>
    public void Gap(long length)
    {
        if (_file is null)
            return;
        _file.Gaps = true;
        _hashing = false;
        AbortCarve();
        if (AllPassThrough())
        {
            // Unencoded: the file keeps its size (Suricata counts the hole); its content is no longer known.
            _decoded += length;
            _file.Size = _decoded;
        }
        else
        {
            // A decompressor cannot resume after missing input.
            _stopped = true;
            ReleaseInflaters();
        }
    }

    /// <summary>Ends the body: fills in the file's state, hashes, magic and stored flag.</summary>
    public void End(bool truncated)
    {
        HttpFile? file = _file;
        if (file is null)
            return;
        for (int i = 0; i < _layerCount && !_stopped; i++)
        {
            Layer layer = _layers[i]!;
            if (layer.ParsingGzipHeader)
            {
                _stopped = true; // the body ended inside a gzip header
                break;
            }

            if (layer.Undecided)
            {
                // Fewer than two bytes reached this layer: too short to be compressed; they pass on as they are.
                layer.Undecided = false;
                if (layer.PrefixLength > 0)
                    Feed(i + 1, layer.Prefix.AsSpan(0, layer.PrefixLength));
            }
        }

        bool complete = !_stopped && !file.Gaps;
        file.State = complete && !truncated ? HttpFileState.Closed : HttpFileState.Truncated;
        file.Size = _decoded;
        file.Magic = FileMagic.Detect(_sniff.AsSpan(0, _sniffLength));
        file.SetHead(_sniff.AsSpan(0, _sniffLength));
        // Always finish the selected hashes (even when not kept) so the objects start clean for the next body.
        if ((_hashes & FileHashes.Md5) != 0)
            _md5!.GetHashAndReset(file.Md5Buffer);
        if ((_hashes & FileHashes.Sha1) != 0)
            _sha1!.GetHashAndReset(file.Sha1Buffer);
        if ((_hashes & FileHashes.Sha256) != 0)
            _sha256!.GetHashAndReset(file.Sha256Buffer);
        file.Hashes = complete && _hashing ? _hashes : FileHashes.None;
        if (_carve is not null)
        {
            // Carving selects SHA-256 (HttpOptions.ComputedHashes): the stored file is named by it.
            if (file.State == HttpFileState.Closed && (file.Hashes & FileHashes.Sha256) != 0 && _options.FileStore is { } store)
                file.Stored = store.Commit(_carve, _carvePath!, file.Sha256Buffer);
            else
                FileStore.Abort(_carve, _carvePath!);
            _carve = null;
            _carvePath = null;
        }

        ReleaseInflaters();
        _file = null;
    }

    /// <summary>Drops the body without a result (the flow is discarded): removes any temporary carve file.</summary>
    public void Abandon()
    {
        AbortCarve();
        ReleaseInflaters();
        _md5?.GetHashAndReset(_sniff);
        _sha1?.GetHashAndReset(_sniff);
        _sha256?.GetHashAndReset(_sniff);
        _file = null;
    }

    public void Dispose()
    {
        Abandon();
        foreach (Layer? layer in _layers)
            layer?.Dispose();
        _md5?.Dispose();
        _sha1?.Dispose();
        _sha256?.Dispose();
    }

    /// <summary>Bytes for layer <paramref name="index"/> (or, past the last layer, decoded content).</summary>
    private Anomaly Feed(int index, ReadOnlySpan<byte> data)
    {
        if (index == _layerCount)
            return Final(data);
        Layer layer = _layers[index]!;
        if (layer.ParsingGzipHeader)
            return ContinueGzipHeader(index, layer, data);
        if (layer.Undecided)
        {
            // The first two bytes say whether the layer really is what its label says (gzip magic, zlib header).
            int take = Math.Min(data.Length, layer.Prefix.Length - layer.PrefixLength);
            data[..take].CopyTo(layer.Prefix.AsSpan(layer.PrefixLength));
            layer.PrefixLength += take;
            data = data[take..];
            if (layer.PrefixLength < layer.Prefix.Length)
                return Anomaly.None;
            layer.Start();
            Anomaly first = layer.Inflater is null ? Feed(index + 1, layer.Prefix) : Inflate(index, layer, layer.Prefix);
            if (first != Anomaly.None || data.IsEmpty)
                return first;
        }

        return layer.Inflater is null ? Feed(index + 1, data) : Inflate(index, layer, data);
    }

    private Anomaly Inflate(int index, Layer layer, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            int piece = layer.Feed.Push(data);
            layer.Remember(data[..piece]);
            data = data[piece..];
            if (index == 0)
                _encoded += piece;
            try
            {
                int n;
                while ((n = layer.Inflater!.Read(layer.Output)) > 0)
                {
                    layer.Produced = true;
                    Anomaly stopped = Feed(index + 1, layer.Output.AsSpan(0, n));
                    if (stopped != Anomaly.None)
                        return stopped;
                }
            }
            catch (InvalidDataException)
            {
                // The BCL decompressors throw on corrupt input; this is the one place we catch it (per body, not per packet).
                if (layer.Produced || layer.Forgotten)
                    return Stop(Anomaly.HttpDecompressionFailed);
                if (layer.Coding == HttpContentCoding.Gzip)
                {
                    // zlib refuses gzip headers browsers accept (reserved flag bits, a wrong header CRC: http-evader): read
                    // the header ourselves and inflate the raw deflate data behind it (one member).
                    layer.Release();
                    layer.ParsingGzipHeader = true;
                    return ContinueGzipHeader(index, layer, data);
                }

                // A deflate layer that fails before any output was mislabelled (a body said "deflate" twice but was
                // deflated once, or not at all; gzip has its magic checked up front). Like libhtp, pass its bytes on.
                layer.Release();
                Anomaly passed = Feed(index + 1, layer.Remembered);
                return passed != Anomaly.None || data.IsEmpty ? passed : Feed(index + 1, data);
            }

            layer.Feed.Clear();
        }

        return Anomaly.None;
    }

    /// <summary>Collects a gzip header (RFC 1952 §2.3) read by hand, then inflates what follows it as raw deflate.</summary>
    private Anomaly ContinueGzipHeader(int index, Layer layer, ReadOnlySpan<byte> data)
    {
        int pushed = layer.Remembered.Length;
        layer.Remember(data);
        if (layer.Forgotten)
            return Stop(Anomaly.HttpDecompressionFailed);
        int header = GzipHeaderLength(layer.Remembered);
        if (header == 0)
            return Anomaly.None;
        if (header < 0)
            return Stop(Anomaly.HttpDecompressionFailed);

        layer.ParsingGzipHeader = false;
        layer.Forgotten = true; // no second fallback: the bytes below are replayed once
        layer.Inflater = new DeflateStream(layer.Feed, CompressionMode.Decompress, leaveOpen: true);
        ReadOnlySpan<byte> body = layer.Remembered[header..];
        if (index == 0)
            _encoded -= Math.Max(0, pushed - header); // counted when first pushed; Inflate counts them again
        return body.IsEmpty ? Anomaly.None : Inflate(index, layer, body);
    }

    /// <summary>Length of a complete gzip header at the start of <paramref name="bytes"/>; 0 when more bytes are needed, -1
    /// when it is not gzip. Flag bits beyond FTEXT..FCOMMENT and the header CRC are not checked (as browsers).</summary>
    private static int GzipHeaderLength(ReadOnlySpan<byte> bytes)
    {
        const int FixedLength = 10;
        const byte FlagHeaderCrc = 0x02, FlagExtra = 0x04, FlagName = 0x08, FlagComment = 0x10;
        if (bytes.Length < FixedLength)
            return 0;
        if (bytes[0] != 0x1F || bytes[1] != 0x8B || bytes[2] != 8)
            return -1;
        byte flags = bytes[3];
        int position = FixedLength;
        if ((flags & FlagExtra) != 0)
        {
            if (bytes.Length < position + 2)
                return 0;
            position += 2 + (bytes[position] | (bytes[position + 1] << 8));
        }

        foreach (byte flag in (ReadOnlySpan<byte>)[FlagName, FlagComment])
        {
            if ((flags & flag) == 0)
                continue;
            if (position >= bytes.Length)
                return 0;
            int zero = bytes[position..].IndexOf((byte)0);
            if (zero < 0)
                return 0;
            position += zero + 1;
        }

        if ((flags & FlagHeaderCrc) != 0)
            position += 2;
        return position <= bytes.Length ? position : 0;
    }

    /// <summary>Decoded content: counted, sniffed, hashed, carved; checked against the per-body caps.</summary>
    private Anomaly Final(ReadOnlySpan<byte> data)
    {
        if (_layerCount > 0 && _decoded + data.Length > _options.MaxDecodedLength)
            return Stop(Anomaly.HttpDecodedLengthLimit);
        Decoded(data);
        if (_layerCount > 0 && _decoded > _options.DecompressionBombMinimum && _decoded > _options.DecompressionBombRatio * _encoded)
            return Stop(Anomaly.HttpDecompressionBomb);
        return Anomaly.None;
    }

    private Anomaly Stop(Anomaly reason)
    {
        _stopped = true;
        AbortCarve();
        ReleaseInflaters();
        return reason;
    }

    private bool AllPassThrough()
    {
        for (int i = 0; i < _layerCount; i++)
        {
            Layer layer = _layers[i]!;
            if (layer.Undecided || layer.ParsingGzipHeader || layer.Inflater is not null)
                return false;
        }

        return true;
    }

    private void Decoded(ReadOnlySpan<byte> data)
    {
        _decoded += data.Length;
        _file!.Size = _decoded;
        if (_sniffLength < _sniff.Length)
        {
            int take = Math.Min(data.Length, _sniff.Length - _sniffLength);
            data[..take].CopyTo(_sniff.AsSpan(_sniffLength));
            _sniffLength += take;
        }

        if (_hashing)
        {
            if ((_hashes & FileHashes.Md5) != 0)
                _md5!.AppendData(data);
            if ((_hashes & FileHashes.Sha1) != 0)
                _sha1!.AppendData(data);
            if ((_hashes & FileHashes.Sha256) != 0)
                _sha256!.AppendData(data);
        }

        if (_carve is not null)
        {
            FileStore store = _options.FileStore!;
            if (_decoded > store.MaxFileSize)
            {
                store.CountTooLarge();
                AbortCarve();
            }
            else if (!store.Write(_carve, _carvePath!, data))
            {
                _carve = null;
                _carvePath = null;
            }
        }
    }

    private void AbortCarve()
    {
        if (_carve is null)
            return;
        FileStore.Abort(_carve, _carvePath!);
        _carve = null;
        _carvePath = null;
    }

    private void ReleaseInflaters()
    {
        for (int i = 0; i < _layerCount; i++)
            _layers[i]?.Release();
    }

    /// <summary>One content coding being undone: its first two bytes, its decompressor and that decompressor's buffers.</summary>
    private sealed class Layer(byte[] output) : IDisposable
    {
        /// <summary>Input remembered so that a layer failing at once can pass its bytes on, 1 KiB.</summary>
        private const int RememberLength = 1024;

        public readonly byte[] Prefix = new byte[2];
        public readonly FeedStream Feed = new(FeedPieceLength);
        public readonly byte[] Output = output;
        private readonly byte[] _remembered = new byte[RememberLength];
        private int _rememberedLength;
        public HttpContentCoding Coding;
        public int PrefixLength;
        public bool Undecided;
        public bool ParsingGzipHeader;
        public bool Produced;
        /// <summary>More input arrived than is remembered.</summary>
        public bool Forgotten;
        public Stream? Inflater;

        public ReadOnlySpan<byte> Remembered => _remembered.AsSpan(0, _rememberedLength);

        public void Remember(ReadOnlySpan<byte> input)
        {
            if (Produced || Forgotten)
                return;
            if (_rememberedLength + input.Length > _remembered.Length)
            {
                Forgotten = true;
                return;
            }

            input.CopyTo(_remembered.AsSpan(_rememberedLength));
            _rememberedLength += input.Length;
        }

        public void Reset(HttpContentCoding coding)
        {
            Release();
            Coding = coding;
            PrefixLength = 0;
            Undecided = true;
            ParsingGzipHeader = false;
            Produced = false;
            Forgotten = false;
            _rememberedLength = 0;
            Feed.Clear();
        }

        /// <summary>Chooses the decompressor from the first two bytes; none (pass through) when they do not fit the label.</summary>
        public void Start()
        {
            Undecided = false;
            byte b0 = Prefix[0];
            byte b1 = Prefix[1];
            if (Coding == HttpContentCoding.Gzip)
            {
                if (b0 == 0x1F && b1 == 0x8B)
                    Inflater = new GZipStream(Feed, CompressionMode.Decompress, leaveOpen: true);
                return;
            }

            // RFC 1950 §2.2: CM = 8 (deflate), CINFO ≤ 7, and the two bytes as a big-endian number are a multiple of 31.
            bool zlib = (b0 & 0x0F) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
            Inflater = zlib
                ? new ZLibStream(Feed, CompressionMode.Decompress, leaveOpen: true)
                : new DeflateStream(Feed, CompressionMode.Decompress, leaveOpen: true);
        }

        public void Release()
        {
            Inflater?.Dispose();
            Inflater = null;
            Feed.Clear();
        }

        public void Dispose()
        {
            Release();
            Feed.Dispose();
        }
    }

    /// <summary>
    /// A decompressor's input: holds at most one piece of compressed bytes, which the decompressor drains before the next
    /// piece is pushed. Reading past the piece returns 0, which the decompressor takes as "need more input".
    /// </summary>
    private sealed class FeedStream(int capacity) : Stream
    {
        private readonly byte[] _buffer = new byte[capacity];
        private int _start;
        private int _end;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        /// <summary>Copies as much of <paramref name="data"/> as fits after the unread bytes; returns how much.</summary>
        public int Push(ReadOnlySpan<byte> data)
        {
            if (_start == _end)
                _start = _end = 0;
            int take = Math.Min(data.Length, _buffer.Length - _end);
            data[..take].CopyTo(_buffer.AsSpan(_end));
            _end += take;
            return take;
        }

        public void Clear() => _start = _end = 0;

        public override int Read(Span<byte> buffer)
        {
            int n = Math.Min(buffer.Length, _end - _start);
            _buffer.AsSpan(_start, n).CopyTo(buffer);
            _start += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
