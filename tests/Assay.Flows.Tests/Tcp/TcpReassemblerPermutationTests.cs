using Assay.Decoding;
using Assay.Flows.Tcp;

namespace Assay.Flows.Tests.Tcp;

/// <summary>
/// Every order of small segment sets, and random segmentations, checked against a slow first-wins oracle: the delivered
/// stream, the gaps, and which segments report different data.
/// </summary>
public class TcpReassemblerPermutationTests
{
    private const string Text = "abcdefghijklmnopqrstuvwxyz0123";

    private readonly record struct Seg(long Offset, byte[] Data);

    /// <summary>First-wins reference: each byte keeps the first segment's value; a segment that disagrees is flagged.</summary>
    private sealed class Oracle(int length)
    {
        public readonly int?[] Values = new int?[length];
        public readonly List<(long NewOffset, long FirstDifference)> Flagged = [];

        public void Add(Seg segment)
        {
            long firstDifference = -1;
            for (int i = 0; i < segment.Data.Length; i++)
            {
                long p = segment.Offset + i;
                if (p < 0 || p >= Values.Length)
                    continue;
                if (Values[p] is int held)
                {
                    if (held != segment.Data[i] && firstDifference < 0)
                        firstDifference = p;
                }
                else
                {
                    Values[p] = segment.Data[i];
                }
            }

            if (firstDifference >= 0)
                Flagged.Add((segment.Offset, firstDifference));
        }

        public List<(long, long)> Holes()
        {
            var holes = new List<(long, long)>();
            for (int p = 0; p < Values.Length; p++)
            {
                if (Values[p] is not null)
                    continue;
                int start = p;
                while (p < Values.Length && Values[p] is null)
                    p++;
                holes.Add((start, p - start));
            }

            return holes;
        }

        public byte[] Expected()
        {
            byte[] bytes = new byte[Values.Length];
            for (int p = 0; p < bytes.Length; p++)
                bytes[p] = (byte)(Values[p] ?? 0);
            return bytes;
        }
    }

    private static Seg S(long offset, string text) => new(offset, Direction.Latin1(text));

    private static Seg Slice(int start, int end) => S(start, Text[start..end]);

    private static IEnumerable<int[]> Permutations(int n)
    {
        int[] order = Enumerable.Range(0, n).ToArray();
        yield return (int[])order.Clone();
        // Heap's algorithm, iterative
        int[] c = new int[n];
        int i = 0;
        while (i < n)
        {
            if (c[i] < i)
            {
                int j = (i % 2 == 0) ? 0 : c[i];
                (order[j], order[i]) = (order[i], order[j]);
                yield return (int[])order.Clone();
                c[i]++;
                i = 0;
            }
            else
            {
                c[i] = 0;
                i++;
            }
        }
    }

    /// <summary>Runs one arrival order: SYN, the segments, a FIN at <paramref name="length"/>, then Close; checks it against the oracle.</summary>
    private static Direction RunAndCheck(Seg[] segments, int[] order, int length, uint isn = Direction.Isn, TcpReassembler? reassembler = null)
    {
        var d = (reassembler is null ? new Direction() : new Direction(reassembler)).Syn(isn);
        var oracle = new Oracle(length);
        foreach (int k in order)
        {
            d.At(segments[k].Offset, segments[k].Data);
            oracle.Add(segments[k]);
        }

        d.Segment(d.SequenceAt(length), TcpFlags.Fin | TcpFlags.Ack, []);
        d.Close();

        string context = $"order {string.Join(",", order)}";
        Assert.True(oracle.Expected().AsSpan().SequenceEqual(d.Log.ToArray()), context);
        Assert.Equal(oracle.Holes(), d.Log.Gaps);
        Assert.Equal(oracle.Flagged, d.Log.Overlaps.Select(o => (o.NewOffset, o.FirstDifference)).ToList());
        foreach (TcpOverlap overlap in d.Log.Overlaps)
        {
            Assert.InRange(overlap.FirstDifference, overlap.HeldOffset, overlap.HeldOffset + overlap.HeldLength - 1);
            Assert.InRange(overlap.FirstDifference, overlap.NewOffset, overlap.NewOffset + overlap.NewLength - 1);
        }

        Assert.Equal(1, d.Log.Ends);
        Assert.Equal(TcpStreamEnd.Fin, d.Log.End);   // the FIN was sent; Close skipped any hole before it
        Assert.Equal(length, d.Log.EndOffset);
        Assert.Equal(0, d.State.Segments);
        return d;
    }

    [Fact]
    public void EveryOrderOfOverlappingSegmentsDeliversTheStream()
    {
        Seg[] segments = [Slice(0, 8), Slice(5, 12), Slice(12, 20), Slice(10, 22), Slice(20, 30), Slice(12, 20)];
        var reassembler = new TcpReassembler();
        int orders = 0;
        foreach (int[] order in Permutations(segments.Length))
        {
            Direction d = RunAndCheck(segments, order, Text.Length, reassembler: reassembler);
            Assert.Equal(Text, d.Log.Text);
            Assert.Empty(d.Log.Overlaps);
            orders++;
        }

        Assert.Equal(720, orders);
        Assert.Equal(0, reassembler.Pool.BytesInUse);
    }

    [Fact]
    public void EveryOrderOfDifferingVersionsKeepsTheFirstArrivalAndReportsTheLaterOnes()
    {
        Seg[] segments =
        [
            Slice(0, 10),
            S(5, "FGHIJklmno"),       // differs from the text on [5, 10)
            Slice(10, 20),
            S(15, "PQRSTuvwxy"),      // differs on [15, 20)
            Slice(20, 30),
            S(8, "!!"),               // differs wherever it lands
        ];
        var reassembler = new TcpReassembler();
        int orders = 0;
        foreach (int[] order in Permutations(segments.Length))
        {
            Direction d = RunAndCheck(segments, order, Text.Length, reassembler: reassembler);
            Assert.NotEmpty(d.Log.Overlaps);
            orders++;
        }

        Assert.Equal(720, orders);
    }

    [Fact]
    public void EveryOrderAroundTheSequenceWrapGivesTheSameStream()
    {
        Seg[] segments = [Slice(0, 7), Slice(7, 15), Slice(13, 22), Slice(22, 30), S(15, "p"), Slice(3, 9)];
        foreach (uint isn in new uint[] { 0xFFFF_FFFF, 0xFFFF_FFF0, 0xFFFF_FFE8, 0x7FFF_FFF0 })
        {
            foreach (int[] order in Permutations(segments.Length))
                Assert.Equal(Text, RunAndCheck(segments, order, Text.Length, isn).Log.Text);
        }
    }

    [Fact]
    public void EveryOrderWithAHoleSkipsExactlyTheHole()
    {
        Seg[] segments = [Slice(0, 10), Slice(15, 25), Slice(20, 30), Slice(2, 6)];
        foreach (int[] order in Permutations(segments.Length))
        {
            Direction d = RunAndCheck(segments, order, Text.Length);
            Assert.Equal([(10L, 5L)], d.Log.Gaps);
        }
    }

    [Fact]
    public void EveryOrderOfOneByteSegmentsDeliversTheStream()
    {
        Seg[] segments = [.. Enumerable.Range(0, 7).Select(i => Slice(i, i + 1))];
        var reassembler = new TcpReassembler();
        int orders = 0;
        foreach (int[] order in Permutations(segments.Length))
        {
            Assert.Equal(Text[..7], RunAndCheck(segments, order, 7, reassembler: reassembler).Log.Text);
            orders++;
        }

        Assert.Equal(5040, orders);
    }

    [Fact]
    public void EveryOrderWithTheFinOnTheLastSegmentEndsOnceWithTheWholeStream()
    {
        Seg[] segments = [Slice(0, 8), Slice(8, 16), Slice(16, 24), Slice(24, 30), Slice(4, 12)];
        foreach (int[] order in Permutations(segments.Length))
        {
            var d = new Direction().Syn();
            foreach (int k in order)
                d.At(segments[k].Offset, segments[k].Data, segments[k].Offset + segments[k].Data.Length == 30 ? TcpFlags.Ack | TcpFlags.Fin : TcpFlags.Ack);
            Assert.Equal(Text, d.Log.Text);
            Assert.Equal((1, TcpStreamEnd.Fin, 30L), (d.Log.Ends, d.Log.End, d.Log.EndOffset));
        }
    }

    public static TheoryData<int> Seeds() => [.. Enumerable.Range(1, 16)];

    /// <summary>
    /// Random streams cut into random segments, with duplicates, overlaps (same or different bytes), losses, shuffles and
    /// sequence numbers near the wrap; default limits, so the oracle must match exactly.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomSegmentationsMatchTheFirstWinsOracle(int seed)
    {
        var random = new Random(seed);
        var reassembler = new TcpReassembler();
        for (int run = 0; run < 150; run++)
        {
            int length = random.Next(1, 4000);
            Seg[] segments = RandomSegments(random, length, differing: run % 2 == 1, lossy: run % 3 == 2);
            int[] order = Shuffle(random, segments.Length, local: run % 4 == 0);
            uint isn = run % 5 == 0 ? (uint)random.Next() : uint.MaxValue - (uint)random.Next(0, length + 2);
            RunAndCheck(segments, order, length, isn, reassembler);
        }

        Assert.Equal(0, reassembler.Pool.BytesInUse);
    }

    /// <summary>
    /// The same with tiny caps (forced gaps, freed retention), acknowledgments as a receiver would send them, and a shared
    /// budget: what the oracle can still promise holds — each byte delivered is the first version that arrived, every
    /// offset is covered once, the stream ends once, and all pool memory comes back.
    /// </summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void RandomSegmentationsUnderTightCapsKeepTheInvariants(int seed)
    {
        var random = new Random(seed);
        var pool = new SegmentPool();
        for (int run = 0; run < 100; run++)
        {
            var options = new TcpReassemblerOptions
            {
                MaxBufferedBytesPerDirection = random.Next(0, 600),
                MaxSegmentsPerDirection = random.Next(1, 12),
                RetainBytes = random.Next(0, 3) == 0 ? 0 : random.Next(1, 200),
                ParseDepth = random.Next(0, 4) == 0 ? random.Next(0, 3000) : TcpReassembler.DefaultParseDepth,
            };
            var reassembler = new TcpReassembler(options, pool);
            int length = random.Next(1, 3000);
            Seg[] segments = RandomSegments(random, length, differing: run % 2 == 0, lossy: run % 3 == 0);
            int[] order = Shuffle(random, segments.Length, local: run % 2 == 1);
            bool acks = run % 4 < 2;

            var d = new Direction(reassembler).Syn(uint.MaxValue - (uint)random.Next(0, 5000));
            var oracle = new Oracle(length);
            bool[] received = new bool[length];
            int contiguous = 0;
            foreach (int k in order)
            {
                d.At(segments[k].Offset, segments[k].Data);
                oracle.Add(segments[k]);
                if (acks)
                {
                    // a receiver acknowledges its contiguous prefix, never past a hole
                    for (int i = 0; i < segments[k].Data.Length; i++)
                        received[segments[k].Offset + i] = true;
                    while (contiguous < length && received[contiguous])
                        contiguous++;
                    d.AckAt(contiguous);
                }
            }

            d.Segment(d.SequenceAt(length), TcpFlags.Fin | TcpFlags.Ack, []);
            d.Close();

            Assert.Equal(1, d.Log.Ends);
            byte[] delivered = d.Log.ToArray();
            foreach ((long offset, int count) in d.Log.Chunks)
            {
                for (long p = offset; p < offset + count; p++)
                    Assert.Equal(oracle.Values[p], (int)delivered[p]);
            }

            if (d.Log.End != TcpStreamEnd.DepthReached)
                Assert.Equal(length, d.Log.EndOffset);
            if (!acks && options.RetainBytes >= length && options.MaxSegmentsPerDirection > 10)
                Assert.True(d.Log.Overlaps.Count <= oracle.Flagged.Count);
        }

        Assert.Equal(0, pool.BytesInUse);
        Assert.Equal(0, pool.NodesInUse);
    }

    /// <summary>Arbitrary sequence numbers, flags and lengths never throw, and the sink contract holds (checked by <see cref="StreamLog"/>).</summary>
    [Theory]
    [MemberData(nameof(Seeds))]
    public void ArbitrarySegmentsNeverThrow(int seed)
    {
        var random = new Random(seed);
        var pool = new SegmentPool(budget: 64 * 1024);
        var reassembler = new TcpReassembler(new TcpReassemblerOptions { ParseDepth = 5000, CarveLimit = 20_000, MaxSegmentsPerDirection = 50 }, pool);
        byte[] payload = new byte[3000];
        random.NextBytes(payload);
        for (int run = 0; run < 200; run++)
        {
            var d = new Direction(reassembler);
            var peer = new Direction(reassembler);
            uint anchor = (uint)random.Next();
            int packets = random.Next(1, 60);
            for (int i = 0; i < packets; i++)
            {
                uint seq = random.Next(0, 4) switch
                {
                    0 => (uint)random.Next(),
                    1 => anchor + (uint)random.Next(-100, 100),
                    _ => anchor + (uint)random.Next(0, 20_000),
                };
                var flags = (TcpFlags)random.Next(0, 256);
                if (random.Next(0, 3) != 0)
                    flags &= ~(TcpFlags.Rst | TcpFlags.Syn | TcpFlags.Fin);
                int start = random.Next(0, payload.Length);
                int count = random.Next(0, payload.Length - start);
                d.Segment(seq, flags, payload.AsSpan(start, count));
                if (random.Next(0, 3) == 0)
                    d.Ack(anchor + (uint)random.Next(-1000, 30_000));
                if (random.Next(0, 4) == 0)
                    peer.Segment(anchor + (uint)random.Next(), flags, payload.AsSpan(0, random.Next(0, 100)));
            }

            d.Close();
            peer.Close();
            Assert.Equal(1, d.Log.Ends);
            Assert.Equal(1, peer.Log.Ends);
        }

        Assert.Equal(0, pool.BytesInUse);
    }

    private static Seg[] RandomSegments(Random random, int length, bool differing, bool lossy)
    {
        byte[] stream = new byte[length];
        random.NextBytes(stream);
        var segments = new List<Seg>();
        for (int offset = 0; offset < length;)
        {
            int n = Math.Min(length - offset, random.Next(0, 4) == 0 ? 1 : random.Next(1, 300));
            if (!lossy || random.Next(0, 8) != 0)
                segments.Add(new Seg(offset, stream.AsSpan(offset, n).ToArray()));
            offset += n;
        }

        int extras = random.Next(0, segments.Count + 2);
        for (int i = 0; i < extras; i++)
        {
            int offset = random.Next(0, length);
            int n = random.Next(1, Math.Min(length - offset, 400) + 1);
            byte[] data = stream.AsSpan(offset, n).ToArray();
            if (differing && n > 1 && random.Next(0, 2) == 0)   // one byte behind the delivery point would be a keep-alive
                data[random.Next(0, n)] ^= (byte)random.Next(1, 256);
            segments.Add(new Seg(offset, data));
        }

        return [.. segments];
    }

    private static int[] Shuffle(Random random, int n, bool local)
    {
        int[] order = Enumerable.Range(0, n).ToArray();
        if (!local)
        {
            random.Shuffle(order);
            return order;
        }

        // mostly in order, with short-range reordering (what a lossy link looks like)
        for (int i = 0; i < n - 1; i++)
        {
            if (random.Next(0, 3) == 0)
            {
                int j = Math.Min(n - 1, i + random.Next(1, 4));
                (order[i], order[j]) = (order[j], order[i]);
            }
        }

        return order;
    }
}
