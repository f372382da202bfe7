using System.Buffers;

namespace Assay.Output;

/// <summary>An <see cref="IBufferWriter{T}"/> over one pooled chunk at a time; full chunks are handed to a <see cref="EveSink"/>.</summary>
internal sealed class ChunkWriter : IBufferWriter<byte>
{
    private readonly EveSink _sink;
    private byte[] _chunk;
    private int _length;

    public ChunkWriter(EveSink sink)
    {
        _sink = sink;
        _chunk = EveSink.RentChunk(0);
    }

    public int Length => _length;

    public void Advance(int count) => _length += count;

    public Memory<byte> GetMemory(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _chunk.AsMemory(_length);
    }

    public Span<byte> GetSpan(int sizeHint = 0)
    {
        Ensure(sizeHint);
        return _chunk.AsSpan(_length);
    }

    public void WriteByte(byte value)
    {
        Ensure(1);
        _chunk[_length++] = value;
    }

    /// <summary>Hands the chunk to the sink when it is past <paramref name="threshold"/> bytes (always when 0).</summary>
    public void FlushIfOver(int threshold)
    {
        if (_length == 0 || _length < threshold)
            return;
        _sink.Submit(_chunk, _length);
        _chunk = EveSink.RentChunk(0);
        _length = 0;
    }

    private void Ensure(int sizeHint)
    {
        if (sizeHint < 1)
            sizeHint = 256;
        if (_chunk.Length - _length >= sizeHint)
            return;
        // One event larger than a chunk: move to a bigger one, keeping what is written.
        byte[] bigger = EveSink.RentChunk(_length + sizeHint);
        _chunk.AsSpan(0, _length).CopyTo(bigger);
        EveSink.ReturnChunk(_chunk);
        _chunk = bigger;
    }
}
