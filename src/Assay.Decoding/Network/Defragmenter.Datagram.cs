namespace Assay.Decoding.Network;

public sealed partial class Defragmenter
{
    /// <summary>
    /// One datagram being reassembled. Payload bytes sit at their fragment offsets in <see cref="Data"/>; which bytes are
    /// present is kept as sorted, merged [start, end) ranges, so completeness is "one range, [0, TotalLength)".
    /// Recycled through the free list; <see cref="Ranges"/> is sized once for the per-datagram fragment cap (each accepted
    /// fragment adds at most one range).
    /// </summary>
    private sealed class Datagram(int maxFragments)
    {
        public readonly int[] Ranges = new int[2 * maxFragments];
        public DefragKey Key;
        public long FirstSeen;
        public byte[]? Data;
        /// <summary>Highest payload end received.</summary>
        public int DataEnd;
        /// <summary>Payload length once the last fragment (MF = 0) is in; -1 before.</summary>
        public int TotalLength = -1;
        public byte[]? Header;
        public int HeaderLength;
        /// <summary>IPv4 protocol or IPv6 next header from the offset-0 fragment.</summary>
        public byte NextHeader;
        public bool HasHeader;
        public int RangeCount;
        public int FragmentCount;
        public Datagram? Older;
        public Datagram? Newer;

        public bool IsComplete =>
            HasHeader && TotalLength >= 0 && RangeCount == 1 && Ranges[0] == 0 && Ranges[1] == TotalLength;

        public void Reset()
        {
            Key = default;
            FirstSeen = 0;
            Data = null;
            DataEnd = 0;
            TotalLength = -1;
            Header = null;
            HeaderLength = 0;
            NextHeader = 0;
            HasHeader = false;
            RangeCount = 0;
            FragmentCount = 0;
        }
    }

    /// <summary>
    /// Copies <paramref name="data"/> (payload bytes starting at <paramref name="start"/>) into the holes it covers — first
    /// wins, held bytes are never replaced — compares the overlapped bytes, and merges its range.
    /// </summary>
    private void Insert(Datagram entry, int start, ReadOnlySpan<byte> data, ref AnomalySet anomalies)
    {
        int end = start + data.Length;
        Span<byte> held = entry.Data;
        int[] ranges = entry.Ranges;
        int count = entry.RangeCount;
        bool overlap = false;
        bool different = false;
        int cursor = start;                               // first payload byte not yet placed or skipped
        for (int r = 0; r < count; r++)
        {
            int rangeStart = ranges[2 * r];
            int rangeEnd = ranges[(2 * r) + 1];
            if (rangeEnd <= start)
                continue;
            if (rangeStart >= end)
                break;

            overlap = true;
            int overlapStart = Math.Max(rangeStart, start);
            int overlapEnd = Math.Min(rangeEnd, end);
            if (!different && !data[(overlapStart - start)..(overlapEnd - start)].SequenceEqual(held[overlapStart..overlapEnd]))
                different = true;
            if (cursor < rangeStart)
                data[(cursor - start)..(rangeStart - start)].CopyTo(held[cursor..]);
            cursor = Math.Max(cursor, rangeEnd);
        }

        if (cursor < end)
            data[(cursor - start)..].CopyTo(held[cursor..]);

        if (overlap)
        {
            Overlaps++;
            anomalies.Add(Anomaly.FragmentOverlap);
            if (different)
            {
                OverlapsWithDifferentData++;
                anomalies.Add(Anomaly.FragmentOverlapDifferentData);
            }
        }

        // Merge [start, end) with every range it overlaps or touches.
        int first = 0;
        while (first < count && ranges[(2 * first) + 1] < start)
            first++;
        int last = first;
        int mergedStart = start;
        int mergedEnd = end;
        while (last < count && ranges[2 * last] <= end)
        {
            mergedStart = Math.Min(mergedStart, ranges[2 * last]);
            mergedEnd = Math.Max(mergedEnd, ranges[(2 * last) + 1]);
            last++;
        }

        int absorbed = last - first;
        if (absorbed == 0)
        {
            Array.Copy(ranges, 2 * first, ranges, 2 * (first + 1), 2 * (count - first));
            count++;
        }
        else if (absorbed > 1)
        {
            Array.Copy(ranges, 2 * last, ranges, 2 * (first + 1), 2 * (count - last));
            count -= absorbed - 1;
        }

        ranges[2 * first] = mergedStart;
        ranges[(2 * first) + 1] = mergedEnd;
        entry.RangeCount = count;
    }
}
