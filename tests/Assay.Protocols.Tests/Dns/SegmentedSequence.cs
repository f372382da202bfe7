using System.Buffers;

namespace Assay.Protocols.Tests.Dns;

/// <summary>Builds multi-segment <see cref="ReadOnlySequence{T}"/>s, as reassembly hands them to stream parsers.</summary>
internal static class SegmentedSequence
{
    public static ReadOnlySequence<byte> Create(params byte[][] chunks)
    {
        if (chunks.Length == 0)
            return ReadOnlySequence<byte>.Empty;
        var first = new Segment(chunks[0], 0);
        Segment last = first;
        for (int i = 1; i < chunks.Length; i++)
            last = last.Append(chunks[i]);
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>The variants every stream parser must agree on: whole, split at every index, one byte per segment.</summary>
    public static IEnumerable<(string Name, ReadOnlySequence<byte> Sequence)> Variants(byte[] payload)
    {
        yield return ("whole", Create(payload));
        for (int i = 1; i < payload.Length; i++)
            yield return ($"split at {i}", Create(payload[..i], payload[i..]));
        var bytes = new byte[payload.Length][];
        for (int i = 0; i < payload.Length; i++)
            bytes[i] = [payload[i]];
        yield return ("one byte per segment", Create(bytes));
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
