using System.Buffers;

namespace Assay.Engine.App;

/// <summary>
/// The unparsed tail of one stream direction: bytes a parser could not use yet (a record split across segments). Rented
/// from the pool only while non-empty and bounded by the caller's cap, so an idle flow holds nothing.
/// </summary>
internal struct StreamBuffer
{
    private byte[]? _buffer;
    private int _start;
    private int _length;

    public readonly int Length => _length;

    public readonly ReadOnlySpan<byte> Span => _buffer is null ? default : _buffer.AsSpan(_start, _length);

    /// <summary>Appends <paramref name="data"/>; <see langword="false"/> (nothing appended) when that would pass <paramref name="cap"/>.</summary>
    public bool TryAppend(ReadOnlySpan<byte> data, int cap)
    {
        if (_length + data.Length > cap)
            return false;
        if (_buffer is null || _start + _length + data.Length > _buffer.Length)
        {
            byte[] next = _buffer is not null && _length + data.Length <= _buffer.Length
                ? _buffer
                : ArrayPool<byte>.Shared.Rent(Math.Max(_length + data.Length, 4096));
            Span.CopyTo(next);   // compacts to the start (copying within one array moves left, which is safe)
            if (next != _buffer && _buffer is not null)
                ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = next;
            _start = 0;
        }

        data.CopyTo(_buffer.AsSpan(_start + _length));
        _length += data.Length;
        return true;
    }

    public void Consume(int count)
    {
        _start += count;
        _length -= count;
        if (_length == 0)
            Clear();
    }

    public void Clear()
    {
        if (_buffer is not null)
            ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
        _start = 0;
        _length = 0;
    }
}
