using System.Buffers;

namespace Assay.Tests;

/// <summary>
/// Feeds stream parsers the same bytes cut up in every way that matters (RESPite's variants): whole, embedded in a larger
/// buffer between 0xFF sentinels, split at every index into two segments, and one byte per segment. A parser must give the
/// same result and consume the same number of bytes for each. Dependency-free: compiled into every test project.
/// </summary>
internal static class SegmentedInput
{
    private const byte Sentinel = 0xFF;
    private const int SentinelLength = 8;

    /// <summary>A sequence of <paramref name="pieces"/> in order, one segment each (empty pieces become empty segments).</summary>
    public static ReadOnlySequence<byte> Of(params ReadOnlyMemory<byte>[] pieces)
    {
        if (pieces.Length == 0)
            return ReadOnlySequence<byte>.Empty;
        if (pieces.Length == 1)
            return new ReadOnlySequence<byte>(pieces[0]);

        var first = new Segment(pieces[0], 0);
        Segment last = first;
        for (int i = 1; i < pieces.Length; i++)
            last = last.Append(pieces[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Two segments: bytes before <paramref name="index"/> and the rest.</summary>
    public static ReadOnlySequence<byte> SplitAt(ReadOnlyMemory<byte> data, int index) => Of(data[..index], data[index..]);

    /// <summary>Every byte in its own segment.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(ReadOnlyMemory<byte> data)
    {
        var pieces = new ReadOnlyMemory<byte>[data.Length];
        for (int i = 0; i < pieces.Length; i++)
            pieces[i] = data.Slice(i, 1);
        return Of(pieces);
    }

    /// <summary>Chunks of at most <paramref name="size"/> bytes (as TCP segments would deliver them).</summary>
    public static ReadOnlySequence<byte> Chunks(ReadOnlyMemory<byte> data, int size)
    {
        var pieces = new List<ReadOnlyMemory<byte>>();
        for (int i = 0; i < data.Length; i += size)
            pieces.Add(data.Slice(i, Math.Min(size, data.Length - i)));
        return Of([.. pieces]);
    }

    /// <summary>
    /// The data copied into the middle of a larger array with <c>0xFF</c> sentinels either side, exposed as a slice: a
    /// parser that reads outside its input sees 0xFF instead of zeros and fails visibly.
    /// </summary>
    public static ReadOnlyMemory<byte> Embedded(ReadOnlySpan<byte> data)
    {
        var buffer = new byte[data.Length + (2 * SentinelLength)];
        buffer.AsSpan().Fill(Sentinel);
        data.CopyTo(buffer.AsSpan(SentinelLength));
        return buffer.AsMemory(SentinelLength, data.Length);
    }

    /// <summary>Every variant, named for assertion messages: whole, embedded, split at 0…Length, one byte per segment.</summary>
    public static IEnumerable<(string Name, ReadOnlySequence<byte> Input)> Variants(ReadOnlyMemory<byte> data)
    {
        yield return ("whole", new ReadOnlySequence<byte>(data));
        yield return ("embedded", new ReadOnlySequence<byte>(Embedded(data.Span)));
        for (int i = 0; i <= data.Length; i++)
            yield return ($"split at {i}", SplitAt(data, i));
        yield return ("one byte per segment", OneBytePerSegment(data));
    }

    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
