using System.Runtime.CompilerServices;

namespace Assay.Capture;

/// <summary>
/// Sequential input for the file readers: one reusable buffer refilled with large reads, so that a record is parsed in
/// place and reading a packet allocates nothing.
/// </summary>
/// <remarks>
/// Layout of <c>_buffer</c>: <c>[0, _start)</c> consumed, <c>[_start, _end)</c> read but not consumed, the rest free.
/// <c>_bufferOffset</c> is the input offset of <c>_buffer[0]</c> (decompressed offset under gzip), so offsets in problem
/// messages are what <c>xxd</c> or <c>zcat | xxd</c> shows.
/// NOTE: a span over <see cref="Unread"/> stays valid until the next <see cref="Ensure"/>, which may move or replace the buffer.
/// Corrupt gzip data is file content and becomes <see cref="ReadError"/>; an <see cref="IOException"/> from the disk or
/// network is not, and propagates to the caller.
/// </remarks>
internal sealed class CaptureInput : IDisposable
{
    /// <summary>Read size and initial buffer size: large enough that the per-read system call cost vanishes.</summary>
    public const int DefaultBufferSize = 1 << 20;

    /// <summary>
    /// Largest single read from a decompressor: when it meets corrupt data it throws and the output of that read is lost,
    /// so smaller reads lose less of what precedes the damage. Decompression costs far more than the extra calls.
    /// </summary>
    private const int CompressedReadSize = 1 << 16;
    private const int MinBufferSize = 4096;

    private readonly Stream _stream;
    private readonly PrefixedStream? _compressed;
    private byte[] _buffer;
    private int _start;
    private int _end;
    private long _bufferOffset;
    private bool _endOfStream;

    /// <param name="stream">What the records are read from (a <see cref="System.IO.Compression.GZipStream"/> for gzip input); owned.</param>
    /// <param name="prefix">Bytes already read from <paramref name="stream"/> while sniffing the format.</param>
    /// <param name="compressed">For gzip input: the compressed stream under the decompressor, which counts what it has read.</param>
    /// <param name="length">Total bytes of the underlying input when known, else -1.</param>
    public CaptureInput(Stream stream, ReadOnlySpan<byte> prefix, PrefixedStream? compressed, long length)
    {
        _stream = stream;
        _compressed = compressed;
        Length = length;
        // Small files get a small buffer: tests and the corpus open thousands of them. Gzip's decompressed size is unknown.
        long size = compressed is null && length >= 0 ? Math.Clamp(length, MinBufferSize, DefaultBufferSize) : DefaultBufferSize;
        _buffer = new byte[Math.Max((int)size, prefix.Length)];
        prefix.CopyTo(_buffer);
        _end = prefix.Length;
    }

    /// <summary>Total bytes of the underlying input when known, else -1.</summary>
    public long Length { get; }

    /// <summary>Input offset of the first unconsumed byte.</summary>
    public long Offset => _bufferOffset + _start;

    /// <summary>Bytes of the underlying input consumed: compressed bytes read so far for gzip, else <see cref="Offset"/>.</summary>
    public long Position => _compressed is null ? Offset : _compressed.BytesRead;

    /// <summary>Bytes read but not yet consumed.</summary>
    public int Available => _end - _start;

    public ReadOnlySpan<byte> Unread => new(_buffer, _start, _end - _start);

    /// <summary>Set when the decompressor reported corrupt data; the input then behaves as if it ended there.</summary>
    public string? ReadError { get; private set; }

    /// <summary>Makes at least <paramref name="count"/> unconsumed bytes available.</summary>
    /// <returns><see langword="false"/> when the input ends first (see <see cref="ReadError"/>).</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Ensure(int count) => _end - _start >= count || Fill(count);

    public void Advance(int count) => _start += count;

    /// <summary>Drops everything unread and reads no more: used once a reader has reached a final status.</summary>
    public void Stop()
    {
        _bufferOffset += _end;
        _start = _end = 0;
        _endOfStream = true;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private bool Fill(int count)
    {
        if (_endOfStream)
            return false;

        int unread = _end - _start;
        if (count > _buffer.Length)
        {
            // Callers bound count by their record-size cap, so growth stops there.
            var bigger = new byte[Math.Max(count, (int)Math.Min((long)_buffer.Length * 2, Array.MaxLength))];
            _buffer.AsSpan(_start, unread).CopyTo(bigger);
            _buffer = bigger;
        }
        else if (_start > 0)
        {
            // The unread tail is shorter than one record, so this move is cheap; it keeps each read large.
            _buffer.AsSpan(_start, unread).CopyTo(_buffer);
        }

        _bufferOffset += _start;
        _start = 0;
        _end = unread;
        while (_end < count)
        {
            int read;
            try
            {
                int room = _buffer.Length - _end;
                read = _stream.Read(_buffer, _end, _compressed is null ? room : Math.Min(room, Math.Max(CompressedReadSize, count - _end)));
            }
            catch (InvalidDataException)
            {
                // Only the gzip decompressor throws this: the file's content is bad, which is no reason to throw after open.
                ReadError = $"the gzip data is corrupt after decompressed offset {_bufferOffset + _end}";
                _endOfStream = true;
                return false;
            }

            if (read == 0)
            {
                _endOfStream = true;
                return false;
            }

            _end += read;
        }

        return true;
    }

    public void Dispose() => _stream.Dispose();
}
