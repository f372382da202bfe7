namespace Assay.Flows.Tcp;

// Overlap accounting for one segment: what it overlapped, whether the bytes differed, and the event that reports it.
public sealed partial class TcpReassembler
{
    /// <summary>What one segment did, gathered while it is merged and reported once at the end (<see cref="Conclude{TSink}"/>).</summary>
    private struct SegmentCheck(long offset, int length, long timestamp)
    {
        public readonly long NewOffset = offset;
        public readonly int NewLength = length;
        public readonly long Timestamp = timestamp;
        /// <summary>Bytes of the segment that overlapped bytes already seen (compared, or dropped unchecked).</summary>
        public long Overlapped;
        /// <summary>Bytes of the segment delivered or held: new to the stream.</summary>
        public long Added;
        public bool Differs;
        public long DifferenceStart;
        public long DifferenceEnd;
        public long FirstDifference;
    }

    /// <summary>Compares the segment's copy of bytes at <paramref name="offset"/> with the first-arrived copy.</summary>
    private static void Compare(ref SegmentCheck check, long offset, ReadOnlySpan<byte> newer, ReadOnlySpan<byte> held)
    {
        check.Overlapped += newer.Length;
        if (newer.SequenceEqual(held))
            return;

        long first = offset + newer.CommonPrefixLength(held);
        long end = offset + newer.Length;
        if (!check.Differs)
        {
            check.Differs = true;
            check.DifferenceStart = offset;
            check.DifferenceEnd = end;
            check.FirstDifference = first;
            return;
        }

        check.DifferenceStart = Math.Min(check.DifferenceStart, offset);
        check.DifferenceEnd = Math.Max(check.DifferenceEnd, end);
        check.FirstDifference = Math.Min(check.FirstDifference, first);
    }

    /// <summary>Compares bytes behind the next offset with the retained copy; bytes no longer retained are counted unchecked.</summary>
    private void CompareRetained(ref TcpStreamState state, long offset, ReadOnlySpan<byte> data, ref SegmentCheck check)
    {
        long end = offset + data.Length;
        long covered = 0;
        for (int cur = state._retainedHead; cur != 0; cur = _pool[cur].Next)
        {
            ref SegmentPool.Node node = ref _pool[cur];
            if (node.End <= offset)
                continue;
            if (node.Offset >= end)
                break;
            long start = Math.Max(offset, node.Offset);
            int n = (int)(Math.Min(end, node.End) - start);
            Compare(ref check, start, data.Slice((int)(start - offset), n), node.Data.Slice((int)(start - node.Offset), n));
            covered += n;
        }

        long uncheckedBytes = data.Length - covered;
        UncheckedBytes += uncheckedBytes;
        check.Overlapped += uncheckedBytes;
    }

    /// <summary>Counts the segment as a retransmission or an overlap, and reports different data.</summary>
    private void Conclude<TSink>(ref SegmentCheck check, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        if (check.Overlapped > 0)
        {
            if (check.Added == 0)
                Retransmissions++;
            else
                Overlaps++;
        }

        if (check.Differs)
        {
            OverlapsWithDifferentData++;
            var overlap = new TcpOverlap(
                check.DifferenceStart, check.DifferenceEnd - check.DifferenceStart, check.NewOffset, check.NewLength, check.FirstDifference, check.Timestamp);
            sink.OnOverlap(in overlap);
        }
    }
}
