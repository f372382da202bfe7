using System.IO.Compression;
using System.Security.Cryptography;
using Assay.Decoding;

namespace Assay.Protocols.Http;

/// <summary>
/// Turns one body's bytes (chunked framing already removed) into a file: undoes the Content-Encoding as the bytes arrive,
/// and feeds the decoded bytes to MD5/SHA-1/SHA-256, the magic sniffer and (optionally) the carver. Pooled per worker
/// (<see cref="HttpParserContext"/>) and reused for body after body: the hash objects are created once.
/// </summary>
/// <remarks>
/// <para>Decompression is push-driven: <see cref="System.IO.Compression"/> streams pull, so each piece of input is placed
/// in a small <see cref="FeedStream"/> and the decompressor is read until it asks for more. Its output is bounded per body
/// by <see cref="HttpOptions.MaxDecodedLength"/> (<c>http.decoded_length_limit</c>) and by libhtp's bomb rule: more than
/// <see cref="HttpOptions.DecompressionBombMinimum"/> decoded and more than <see cref="HttpOptions.DecompressionBombRatio"/>
/// times the compressed bytes so far (<c>http.decompression_bomb</c>). Either stops decoding for that body; the file is
/// then <see cref="HttpFileState.Truncated"/>. Work per input piece is bounded by one output buffer between checks.</para>
/// <para>A body labelled gzip that does not start with the gzip magic is taken as unencoded (servers mislabel; Suricata
/// does the same). Deflate accepts the zlib wrapper (RFC 9110) and raw deflate (what many servers send).</para>
/// </remarks>
internal sealed class HttpBodyDecoder : IDisposable
{
    /// <summary>Compressed bytes handed to the decompressor at a time, so one large delivery is checked against the caps often.</summary>
    private const int FeedPieceLength = 16 * 1024;

    private readonly IncrementalHash _md5 = IncrementalHash.CreateHash(HashAlgorithmName.MD5);
    private readonly IncrementalHash _sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
    private readonly IncrementalHash _sha256 = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private readonly byte[] _sniff = new byte[FileMagic.SniffLength];
    private readonly byte[] _prefix = new byte[2];
    private readonly FeedStream _feed = new(FeedPieceLength);
    private readonly byte[] _output;

    private HttpOptions _options = HttpOptions.Default;
    private HttpFile? _file;
    private Stream? _inflater;
    private HttpContentCoding _coding;
    private int _prefixLength;
    private int _sniffLength;
    private long _encoded;
    private long _decoded;
    private bool _undecided;
    private bool _hashing;
    private bool _stopped;
    private FileStream? _carve;
    private string? _carvePath;

    public HttpBodyDecoder(byte[] output)
    {
        _output = output;
    }

    /// <summary>Starts a body that becomes <paramref name="file"/>.</summary>
    public void Begin(HttpFile file, HttpContentCoding coding, HttpOptions options)
    {
        _file = file;
        _options = options;
        _coding = coding;
        file.Coding = coding;
        _undecided = coding != HttpContentCoding.Identity;
        _prefixLength = 0;
        _sniffLength = 0;
        _encoded = 0;
        _decoded = 0;
        _hashing = true;
        _stopped = false;
        _inflater = null;
        _feed.Clear();
        if (options.FileStore is { } store)
            _carve = store.Begin(out _carvePath);
    }

    /// <summary>The next body bytes. Returns the anomaly that stopped decoding, if this call stopped it.</summary>
    public Anomaly Write(ReadOnlySpan<byte> data)
    {
        if (_stopped || data.IsEmpty)
            return Anomaly.None;
        if (_coding == HttpContentCoding.Identity)
        {
            Decoded(data);
            return Anomaly.None;
        }

        if (_undecided)
        {
            // The first two bytes say whether the body really is what its label says (gzip magic, zlib header).
            int take = Math.Min(data.Length, _prefix.Length - _prefixLength);
            data[..take].CopyTo(_prefix.AsSpan(_prefixLength));
            _prefixLength += take;
            data = data[take..];
            if (_prefixLength < _prefix.Length)
                return Anomaly.None;
            _undecided = false;
            StartDecoding();
            Anomaly first = _inflater is null ? Pass(_prefix) : Inflate(_prefix);
            if (first != Anomaly.None || data.IsEmpty)
                return first;
        }

        return _inflater is null ? Pass(data) : Inflate(data);
    }

    /// <summary><paramref name="length"/> body bytes were never seen.</summary>
    public void Gap(long length)
    {
        if (_file is null)
            return;
        _file.Gaps = true;
        _hashing = false;
        AbortCarve();
        if (_coding == HttpContentCoding.Identity || (!_undecided && _inflater is null))
        {
            // Unencoded: the file keeps its size (Suricata counts the hole); its content is no longer known.
            _decoded += length;
            _file.Size = _decoded;
        }
        else
        {
            // A decompressor cannot resume after missing input.
            _stopped = true;
        }
    }

    /// <summary>Ends the body: fills in the file's state, hashes, magic and stored flag.</summary>
    public void End(bool truncated)
    {
        HttpFile? file = _file;
        if (file is null)
            return;
        if (_undecided && _prefixLength > 0)
        {
            // Fewer than two bytes arrived: too short to be compressed; keep them as they are.
            _undecided = false;
            Decoded(_prefix.AsSpan(0, _prefixLength));
        }

        bool closed = !truncated && !_stopped && !file.Gaps;
        file.State = closed ? HttpFileState.Closed : HttpFileState.Truncated;
        file.Size = _decoded;
        file.Magic = FileMagic.Detect(_sniff.AsSpan(0, _sniffLength));
        // Always finish the hashes so the objects start clean for the next body.
        _md5.GetHashAndReset(file.Md5Buffer);
        _sha1.GetHashAndReset(file.Sha1Buffer);
        _sha256.GetHashAndReset(file.Sha256Buffer);
        file.HasHashes = closed && _hashing;
        if (_carve is not null)
        {
            if (file.HasHashes && _options.FileStore is { } store)
                file.Stored = store.Commit(_carve, _carvePath!, file.Sha256Buffer);
            else
                FileStore.Abort(_carve, _carvePath!);
            _carve = null;
            _carvePath = null;
        }

        ReleaseInflater();
        _file = null;
    }

    /// <summary>Drops the body without a result (the flow is discarded): removes any temporary carve file.</summary>
    public void Abandon()
    {
        AbortCarve();
        ReleaseInflater();
        _md5.GetHashAndReset(_sniff);
        _sha1.GetHashAndReset(_sniff);
        _sha256.GetHashAndReset(_sniff);
        _file = null;
    }

    public void Dispose()
    {
        Abandon();
        _md5.Dispose();
        _sha1.Dispose();
        _sha256.Dispose();
    }

    private void StartDecoding()
    {
        byte b0 = _prefix[0];
        byte b1 = _prefix[1];
        if (_coding == HttpContentCoding.Gzip)
        {
            if (b0 == 0x1F && b1 == 0x8B)
                _inflater = new GZipStream(_feed, CompressionMode.Decompress, leaveOpen: true);
            return;
        }

        // RFC 1950 §2.2: CM = 8 (deflate), CINFO ≤ 7, and the two bytes as a big-endian number are a multiple of 31.
        bool zlib = (b0 & 0x0F) == 8 && (b0 >> 4) <= 7 && ((b0 << 8) | b1) % 31 == 0;
        _inflater = zlib
            ? new ZLibStream(_feed, CompressionMode.Decompress, leaveOpen: true)
            : new DeflateStream(_feed, CompressionMode.Decompress, leaveOpen: true);
    }

    private Anomaly Pass(ReadOnlySpan<byte> data)
    {
        Decoded(data);
        return Anomaly.None;
    }

    private Anomaly Inflate(ReadOnlySpan<byte> data)
    {
        Stream inflater = _inflater!;
        while (!data.IsEmpty)
        {
            int piece = _feed.Push(data);
            data = data[piece..];
            _encoded += piece;
            try
            {
                int n;
                while ((n = inflater.Read(_output)) > 0)
                {
                    if (_decoded + n > _options.MaxDecodedLength)
                        return Stop(Anomaly.HttpDecodedLengthLimit);
                    Decoded(_output.AsSpan(0, n));
                    if (_decoded > _options.DecompressionBombMinimum && _decoded > _options.DecompressionBombRatio * _encoded)
                        return Stop(Anomaly.HttpDecompressionBomb);
                }
            }
            catch (InvalidDataException)
            {
                // The BCL decompressors throw on corrupt input; this is the one place we catch it (per body, not per packet).
                return Stop(Anomaly.HttpDecompressionFailed);
            }

            _feed.Clear();
        }

        return Anomaly.None;
    }

    private Anomaly Stop(Anomaly reason)
    {
        _stopped = true;
        _feed.Clear();
        AbortCarve();
        ReleaseInflater();
        return reason;
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
            _md5.AppendData(data);
            _sha1.AppendData(data);
            _sha256.AppendData(data);
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

    private void ReleaseInflater()
    {
        _inflater?.Dispose();
        _inflater = null;
    }

    /// <summary>
    /// The decompressor's input: holds at most one piece of compressed bytes, which the decompressor drains before the
    /// next piece is pushed. Reading past the piece returns 0, which the decompressor takes as "need more input".
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
