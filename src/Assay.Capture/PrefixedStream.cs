namespace Assay.Capture;

/// <summary>
/// A read-only stream that returns bytes already taken from <c>inner</c> while sniffing the format, then the rest of
/// <c>inner</c>, and counts what it returned: under gzip that count is the compressed position used for progress.
/// </summary>
internal sealed class PrefixedStream : Stream
{
    private readonly Stream _inner;
    private readonly byte[] _prefix;
    private int _prefixUsed;

    public PrefixedStream(ReadOnlySpan<byte> prefix, Stream inner)
    {
        _prefix = prefix.ToArray();
        _inner = inner;
    }

    /// <summary>Bytes returned so far, the prefix included.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read;
        if (_prefixUsed < _prefix.Length)
        {
            read = Math.Min(buffer.Length, _prefix.Length - _prefixUsed);
            _prefix.AsSpan(_prefixUsed, read).CopyTo(buffer);
            _prefixUsed += read;
        }
        else
        {
            read = _inner.Read(buffer);
        }

        BytesRead += read;
        return read;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
            _inner.Dispose();
        base.Dispose(disposing);
    }
}
