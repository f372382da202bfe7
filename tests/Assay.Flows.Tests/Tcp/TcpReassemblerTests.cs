using Assay.Decoding;
using Assay.Flows.Tcp;

namespace Assay.Flows.Tests.Tcp;

public class TcpReassemblerTests
{
    private const TcpFlags Data = TcpFlags.Ack | TcpFlags.Psh;

    private static TcpReassemblerOptions NoRetain => new() { RetainBytes = 0 };

    // ---- in order ----

    [Fact]
    public void InOrderSegmentsAreDeliveredStraightFromThePayload()
    {
        var d = new Direction(NoRetain).Syn();
        d.At(0, "GET / HTTP/1.1\r\n");
        d.At(16, "Host: x\r\n\r\n");

        Assert.Equal("GET / HTTP/1.1\r\nHost: x\r\n\r\n", d.Log.Text);
        Assert.Equal([(0L, 16), (16L, 11)], d.Log.Chunks);
        Assert.Equal(27, d.Reassembler.BytesDeliveredZeroCopy);
        Assert.Equal(2, d.Reassembler.InOrderSegments);
        Assert.Equal(0, d.Reassembler.Pool.NodesInUse);   // nothing copied at all
        Assert.Equal(27, d.State.Position);
    }

    [Fact]
    public void SynAnchorsOffsetZeroAtTheInitialSequenceNumberPlusOne()
    {
        var d = new Direction().Syn(5000);
        Assert.True(d.State.IsInitialized);
        Assert.True(d.State.SawSyn);
        Assert.Equal(5001u, d.State.BaseSequence);
        d.Segment(5001, Data, "ab"u8);
        Assert.Equal("ab", d.Log.Text);
    }

    [Fact]
    public void SynPayloadIsTheFirstStreamBytes()
    {
        var d = new Direction();
        d.Segment(Direction.Isn, TcpFlags.Syn, "GET "u8);   // TCP Fast Open: data in the SYN follows the ISN
        d.At(4, "/ HTTP/1.1");
        Assert.Equal("GET / HTTP/1.1", d.Log.Text);
    }

    [Fact]
    public void InOrderDataIsRetainedUntilAcknowledged()
    {
        var d = new Direction().Syn();
        d.At(0, "hello ");
        d.At(6, "world");
        Assert.Equal(11, d.State.RetainedBytes);
        Assert.Equal(1, d.State.Segments);           // packed into one block
        d.AckAt(6);
        Assert.Equal(5, d.State.RetainedBytes);
        d.AckAt(11);
        Assert.Equal(0, d.State.RetainedBytes);
        Assert.Equal(0, d.Reassembler.Pool.BytesInUse);
    }

    [Fact]
    public void RetainedBytesAreCappedPerDirection()
    {
        var d = new Direction(new TcpReassemblerOptions { RetainBytes = 1000 }).Syn();
        byte[] chunk = new byte[700];
        for (int i = 0; i < 10; i++)
            d.At(i * 700, chunk);
        Assert.Equal(1000, d.State.RetainedBytes);
    }

    // ---- out of order ----

    [Fact]
    public void OutOfOrderSegmentsAreHeldUntilTheHoleFills()
    {
        var d = new Direction().Syn();
        d.At(5, "fghij");
        Assert.Equal("", d.Log.Text);
        Assert.Equal(5, d.State.BufferedBytes);

        d.At(0, "abcde");
        Assert.Equal("abcdefghij", d.Log.Text);
        Assert.Equal([(0L, 5), (5L, 5)], d.Log.Chunks);
        Assert.Equal(0, d.State.BufferedBytes);
        Assert.Equal(1, d.Reassembler.OutOfOrderSegments);
        Assert.Equal(5, d.Reassembler.BytesDeliveredZeroCopy);
    }

    [Fact]
    public void SegmentsAfterAHolePackIntoOneBlock()
    {
        var d = new Direction().Syn();
        for (int i = 1; i <= 8; i++)
            d.At(i * 1448, new byte[1448]);
        Assert.Equal(8 * 1448, d.State.BufferedBytes);
        Assert.True(d.State.Segments <= 2, $"{d.State.Segments} nodes");
        d.At(0, new byte[1448]);
        Assert.Equal(9 * 1448, d.Log.Position);
    }

    // ---- retransmissions and overlaps ----

    [Fact]
    public void ExactRetransmissionOfDeliveredBytesIsDroppedAndCounted()
    {
        var d = new Direction().Syn();
        d.At(0, "abcde");
        d.At(0, "abcde");
        Assert.Equal("abcde", d.Log.Text);
        Assert.Equal(1, d.Reassembler.Retransmissions);
        Assert.Empty(d.Log.Overlaps);
    }

    [Fact]
    public void ExactRetransmissionOfHeldBytesIsDroppedAndCounted()
    {
        var d = new Direction().Syn();
        d.At(5, "fghij");
        d.At(5, "fghij");
        Assert.Equal(5, d.State.BufferedBytes);
        Assert.Equal(1, d.Reassembler.Retransmissions);
        Assert.Equal(1, d.Reassembler.OutOfOrderSegments);
        d.At(0, "abcde");
        Assert.Equal("abcdefghij", d.Log.Text);
    }

    [Fact]
    public void PartialOverlapWithSameDataDeliversEachByteOnce()
    {
        var d = new Direction().Syn();
        d.At(0, "abcdef");
        d.At(3, "defghi");
        d.At(10, "klm");
        d.At(8, "ijk");
        Assert.Equal("abcdefghijklm", d.Log.Text);
        Assert.Equal(2, d.Reassembler.Overlaps);
        Assert.Empty(d.Log.Overlaps);
    }

    [Fact]
    public void CompleteOverlapFillsOnlyTheHolesBetweenHeldRuns()
    {
        var d = new Direction().Syn();
        d.At(2, "cd");
        d.At(6, "gh");
        d.At(0, "abcdefghij");
        Assert.Equal("abcdefghij", d.Log.Text);
        // holes straight from the packet, held runs from their blocks
        Assert.Equal([(0L, 2), (2L, 2), (4L, 2), (6L, 2), (8L, 2)], d.Log.Chunks);
        Assert.Equal(6, d.Reassembler.BytesDeliveredZeroCopy);
        Assert.Equal(1, d.Reassembler.Overlaps);
    }

    [Fact]
    public void OverlapWithDifferentHeldBytesKeepsTheFirstAndReportsBothPositions()
    {
        var d = new Direction().Syn();
        d.At(10, "XXXXXXXXXX", Data);                           // [10, 20), first
        d.Segment(d.SequenceAt(5), Data, Direction.Latin1("fghijklmnopqrstu"), timestamp: 42);   // [5, 21), differs on [10, 20)
        d.At(0, "abcde");

        Assert.Equal("abcdefghijXXXXXXXXXXu", d.Log.Text);
        TcpOverlap overlap = Assert.Single(d.Log.Overlaps);
        Assert.Equal(new TcpOverlap(HeldOffset: 10, HeldLength: 10, NewOffset: 5, NewLength: 16, FirstDifference: 10, Timestamp: 42), overlap);
        Assert.Equal(1, d.Reassembler.OverlapsWithDifferentData);
    }

    [Fact]
    public void OverlapWithDifferentDeliveredBytesIsReported()
    {
        var d = new Direction().Syn();
        d.At(0, "hello world");
        d.At(6, "wORLD!");
        Assert.Equal("hello world!", d.Log.Text);
        TcpOverlap overlap = Assert.Single(d.Log.Overlaps);
        Assert.Equal(6, overlap.HeldOffset);
        Assert.Equal(5, overlap.HeldLength);
        Assert.Equal(6, overlap.NewOffset);
        Assert.Equal(6, overlap.NewLength);
        Assert.Equal(7, overlap.FirstDifference);
        Assert.Equal(1, d.Reassembler.Overlaps);
    }

    [Fact]
    public void InOrderSegmentOverlappingADifferentHeldRunKeepsTheHeldRun()
    {
        var d = new Direction().Syn();
        d.At(3, "DEF");
        d.At(0, "abcdefgh");
        Assert.Equal("abcDEFgh", d.Log.Text);
        TcpOverlap overlap = Assert.Single(d.Log.Overlaps);
        Assert.Equal((3L, 3L, 0L, 8L, 3L), (overlap.HeldOffset, overlap.HeldLength, overlap.NewOffset, overlap.NewLength, overlap.FirstDifference));
    }

    [Fact]
    public void RetransmissionOfAcknowledgedBytesIsNotCompared()
    {
        var d = new Direction().Syn();
        d.At(0, "hello world");
        d.AckAt(11);
        d.At(6, "WORLD");
        Assert.Empty(d.Log.Overlaps);
        Assert.Equal(5, d.Reassembler.UncheckedBytes);
        Assert.Equal(1, d.Reassembler.Retransmissions);
    }

    [Fact]
    public void KeepAliveRepeatingTheLastByteIsIgnored()
    {
        var d = new Direction().Syn();
        d.At(0, "hello");
        d.At(4, "\0");                                 // Windows sends one garbage byte at SND.NXT - 1
        Assert.Empty(d.Log.Overlaps);
        Assert.Equal(1, d.Reassembler.KeepAlives);
        d.At(5, "!");
        Assert.Equal("hello!", d.Log.Text);
    }

    // ---- gaps ----

    [Fact]
    public void HoleIsSkippedWhenThePeerAcknowledgesPastIt()
    {
        var d = new Direction().Syn();
        d.At(0, "abc");
        d.At(6, "ghi");
        d.AckAt(9);
        Assert.Equal([(3L, 3L)], d.Log.Gaps);
        Assert.Equal("abc\0\0\0ghi", d.Log.Text);
        Assert.Equal(3, d.State.MissedBytes);
        Assert.Equal(1, d.Reassembler.Gaps);
        Assert.Equal(3, d.Reassembler.GapBytes);
        Assert.Equal([(Anomaly.StreamGap, 3L)], d.Log.Anomalies);
    }

    [Fact]
    public void AckPartWayIntoAHoleSkipsOnlyTheAcknowledgedPart()
    {
        var d = new Direction().Syn();
        d.At(0, "abc");
        d.At(10, "k");
        d.AckAt(6);
        Assert.Equal([(3L, 3L)], d.Log.Gaps);
        Assert.Equal(6, d.State.Position);
        d.At(6, "ghij");
        Assert.Equal("abc\0\0\0ghijk", d.Log.Text);
    }

    [Fact]
    public void AckBeyondEverythingSeenSkipsNothingUnseen()
    {
        var d = new Direction().Syn();
        d.At(0, "abc");
        d.AckAt(1000);                 // nobody sent those bytes (yet): a forged or early ACK must not blind us
        Assert.Empty(d.Log.Gaps);
        d.At(3, "def");
        Assert.Equal("abcdef", d.Log.Text);
    }

    [Fact]
    public void FinDoesNotSkipAHoleARetransmissionCanStillFill()
    {
        var d = new Direction().Syn();
        d.At(0, "abc");
        d.At(6, "ghi", Data | TcpFlags.Fin);
        Assert.Equal(0, d.Log.Ends);
        d.At(3, "def");
        Assert.Equal("abcdefghi", d.Log.Text);
        Assert.Equal((1, TcpStreamEnd.Fin, 9L), (d.Log.Ends, d.Log.End, d.Log.EndOffset));
        Assert.Empty(d.Log.Gaps);
    }

    [Fact]
    public void AcknowledgedFinSkipsTheHolesBeforeIt()
    {
        var d = new Direction().Syn();
        d.At(0, "abc");
        d.At(6, "ghi", Data | TcpFlags.Fin);
        d.AckAt(10);                   // the FIN's sequence number + 1
        Assert.Equal([(3L, 3L)], d.Log.Gaps);
        Assert.Equal((TcpStreamEnd.Fin, 9L), (d.Log.End, d.Log.EndOffset));
    }

    [Fact]
    public void CloseDeliversHeldBytesAndSkipsHoles()
    {
        var d = new Direction().Syn();
        d.At(0, "abc");
        d.At(6, "ghi");
        d.At(12, "mn");
        d.Close();
        Assert.Equal([(3L, 3L), (9L, 3L)], d.Log.Gaps);
        Assert.Equal("abc\0\0\0ghi\0\0\0mn", d.Log.Text);
        Assert.Equal((TcpStreamEnd.Closed, 14L), (d.Log.End, d.Log.EndOffset));
        Assert.Equal(0, d.Reassembler.Pool.BytesInUse);
        Assert.Equal(0, d.State.Segments);
    }

    // ---- FIN and RST ----

    [Fact]
    public void FinEndsTheStreamOnceAndDataAfterItIsCounted()
    {
        var d = new Direction().Syn();
        d.At(0, "abc", Data | TcpFlags.Fin);
        Assert.Equal((1, TcpStreamEnd.Fin, 3L), (d.Log.Ends, d.Log.End, d.Log.EndOffset));
        Assert.True(d.State.HasEnded);
        d.At(3, "def");
        d.At(0, "abc", Data | TcpFlags.Fin);
        d.Close();
        Assert.Equal(1, d.Log.Ends);
        Assert.Equal(3, d.Reassembler.BytesAfterFin);
        Assert.Equal(3, d.Reassembler.BytesAfterEnd);
        Assert.Equal("abc", d.Log.Text);
    }

    [Fact]
    public void DataPastAFinStillWaitingIsDroppedAndReported()
    {
        var d = new Direction().Syn();
        d.At(0, "ab");
        d.At(3, "de", Data | TcpFlags.Fin);
        d.At(5, "XYZ");
        d.At(2, "c");
        Assert.Equal("abcde", d.Log.Text);
        Assert.Equal(TcpStreamEnd.Fin, d.Log.End);
        Assert.Equal(3, d.Reassembler.BytesAfterFin);
        Assert.Equal([(Anomaly.StreamDataAfterFin, 5L)], d.Log.Anomalies);
    }

    [Fact]
    public void FinDropsHeldBytesBeyondIt()
    {
        var d = new Direction().Syn();
        d.At(10, "zzz");
        d.At(0, "abc", Data | TcpFlags.Fin);
        Assert.Equal((TcpStreamEnd.Fin, 3L), (d.Log.End, d.Log.EndOffset));
        Assert.Equal(3, d.Reassembler.BytesAfterFin);
        Assert.Equal(0, d.Reassembler.Pool.BytesInUse);
    }

    [Fact]
    public void CloseAfterAFinSkipsHolesOnlyUpToTheFin()
    {
        var d = new Direction().Syn();
        d.At(10, "zzz");
        d.At(1, "bc", Data | TcpFlags.Fin);
        d.Close();
        Assert.Equal([(0L, 1L)], d.Log.Gaps);
        Assert.Equal((TcpStreamEnd.Fin, 3L), (d.Log.End, d.Log.EndOffset));
        Assert.Equal("\0bc", d.Log.Text);
    }

    [Fact]
    public void FinBehindDeliveredBytesIsIgnored()
    {
        var d = new Direction().Syn();
        d.At(0, "abcdef");
        d.Segment(d.SequenceAt(2), TcpFlags.Fin | TcpFlags.Ack, []);
        Assert.False(d.State.HasEnded);
        d.At(6, "g", Data | TcpFlags.Fin);
        Assert.Equal((TcpStreamEnd.Fin, 7L), (d.Log.End, d.Log.EndOffset));
    }

    [Fact]
    public void RstDeliversHeldBytesSkipsHolesAndEnds()
    {
        var d = new Direction().Syn();
        d.At(0, "abc");
        d.At(6, "ghi");
        d.Segment(d.SequenceAt(9), TcpFlags.Rst | TcpFlags.Ack, "diagnostic"u8);
        Assert.Equal("abc\0\0\0ghi", d.Log.Text);
        Assert.Equal((TcpStreamEnd.Rst, 9L), (d.Log.End, d.Log.EndOffset));
        d.At(9, "more");
        Assert.Equal(14, d.Reassembler.BytesAfterEnd);
        Assert.Equal(1, d.Log.Ends);
        Assert.Equal(0, d.Reassembler.Pool.BytesInUse);
    }

    [Fact]
    public void RstBeforeAnyDataEndsAnEmptyStream()
    {
        var d = new Direction();
        d.Segment(77, TcpFlags.Rst, []);
        Assert.Equal((1, TcpStreamEnd.Rst, 0L), (d.Log.Ends, d.Log.End, d.Log.EndOffset));
    }

    // ---- sequence space ----

    [Fact]
    public void SequenceNumbersWrapAround()
    {
        var d = new Direction().Syn(0xFFFF_FFF0);
        string text = "0123456789abcdefghijklmnopqrstuvwxyzABCD";   // offset 15 is sequence 0
        d.At(20, text[20..30]);
        d.At(30, text[30..]);
        d.At(0, text[..12]);
        d.At(10, text[10..22]);
        Assert.Equal(text, d.Log.Text);
        Assert.Equal(0u, d.SequenceAt(15));
        Assert.Equal(15, d.State.OffsetOf(0));
        Assert.Equal(-1, d.State.OffsetOf(0xFFFF_FFF0));
    }

    [Fact]
    public void StreamsLongerThanFourGigabytesKeepCounting()
    {
        var reassembler = new TcpReassembler(NoRetain with { ParseDepth = long.MaxValue, CarveLimit = long.MaxValue });
        var state = default(TcpStreamState);
        var sink = new CountingSink();
        byte[] segment = new byte[65536];
        uint seq = 0xFFFF_0000;
        reassembler.Process(ref state, seq++, TcpFlags.Syn, [], 0, ref sink);
        const int Segments = 5 * 16384;                // 5 GiB
        for (int i = 0; i < Segments; i++)
        {
            reassembler.Process(ref state, seq, TcpFlags.Ack, segment, 0, ref sink);
            seq = unchecked(seq + (uint)segment.Length);
        }

        long fiveGiB = 5L << 30;
        Assert.Equal(fiveGiB, state.Position);
        Assert.Equal(fiveGiB + 10, state.OffsetOf(unchecked(seq + 10)));

        // out of order across the (fifth) wrap still lands at 64-bit offsets
        reassembler.Process(ref state, unchecked(seq + 100), TcpFlags.Ack, segment.AsSpan(0, 50), 0, ref sink);
        reassembler.Process(ref state, seq, TcpFlags.Ack, segment.AsSpan(0, 100), 0, ref sink);
        Assert.Equal(fiveGiB + 150, state.Position);
        Assert.Equal(fiveGiB + 150, sink.Bytes);
    }

    [Fact]
    public void MidStreamPickupAnchorsOnTheFirstDataSegment()
    {
        var d = new Direction();
        d.Segment(4000, TcpFlags.Ack, []);              // a pure ACK anchors nothing
        Assert.False(d.State.IsInitialized);
        d.Segment(5000, Data, "hello"u8);
        Assert.True(d.State.IsInitialized);
        Assert.False(d.State.SawSyn);
        d.Segment(4998, Data, "xxhe"u8);                // two bytes before the anchor, two retransmitted
        d.Segment(5005, Data, "!"u8);
        Assert.Equal("hello!", d.Log.Text);
        Assert.Equal(2, d.Reassembler.BytesBeforeStart);
        Assert.Equal(1, d.Reassembler.Retransmissions);
    }

    [Fact]
    public void MidStreamPickupDropsBytesBeforeTheFirstSegmentSeen()
    {
        var d = new Direction();
        d.Segment(5010, Data, "later"u8);
        d.Segment(5000, Data, "0123456789"u8);
        Assert.Equal("later", d.Log.Text);
        Assert.Equal(10, d.Reassembler.BytesBeforeStart);
    }

    // ---- depth and carving ----

    [Fact]
    public void DepthStopsDeliveryAndEndsTheStream()
    {
        var d = new Direction(new TcpReassemblerOptions { ParseDepth = 10 }).Syn();
        d.At(0, "0123456");
        d.At(7, "789ABCDEF");
        Assert.Equal("0123456789", d.Log.Text);
        Assert.Equal((TcpStreamEnd.DepthReached, 10L), (d.Log.End, d.Log.EndOffset));
        Assert.Equal(6, d.Reassembler.BytesBeyondDepth);
        Assert.Equal(1, d.Reassembler.DepthReached);
        Assert.Equal([(Anomaly.StreamDepthReached, 10L)], d.Log.Anomalies);
        d.At(16, "x");
        Assert.Equal(7, d.Reassembler.BytesBeyondDepth);
        Assert.Equal(0, d.Reassembler.Pool.BytesInUse);
    }

    [Fact]
    public void ReachingTheDepthExactlyDoesNotEndTheStream()
    {
        var d = new Direction(new TcpReassemblerOptions { ParseDepth = 10 }).Syn();
        d.At(0, "0123456789");
        Assert.False(d.State.HasEnded);
        d.Reassembler.RequestDelivery(ref d.State, 12);
        d.At(10, "ABC");
        Assert.Equal("0123456789AB", d.Log.Text);
        Assert.Equal(TcpStreamEnd.DepthReached, d.Log.End);
    }

    [Fact]
    public void ConsumerCanAskToKeepReceivingUpToTheCarveLimit()
    {
        var options = new TcpReassemblerOptions { ParseDepth = 10, CarveLimit = 30 };
        var d = new Direction(options).Syn();
        d.Log.Want = 25;
        string text = new('x', 40);
        d.At(0, text);
        Assert.Equal(25, d.Log.Text.Length);
        Assert.Equal([(0L, 10), (10L, 15)], d.Log.Chunks);   // the request takes effect within the same segment

        var greedy = new Direction(options).Syn();
        greedy.Log.Want = long.MaxValue;
        greedy.At(0, text);
        Assert.Equal(30, greedy.Log.Text.Length);             // clamped to the carve limit
        Assert.Equal(30, greedy.State.DeliveryLimit);
    }

    [Fact]
    public void OutOfOrderBytesPastTheDepthAreHeldForALaterCarveRequest()
    {
        var d = new Direction(new TcpReassemblerOptions { ParseDepth = 10, CarveLimit = 100 }).Syn();
        d.At(20, "KLMNO");
        d.At(150, "beyond the carve limit");
        Assert.Equal(5, d.State.BufferedBytes);
        Assert.Equal(22, d.Reassembler.BytesBeyondDepth);
        d.Log.Want = 100;
        d.At(0, "0123456789abcdefghij");
        Assert.Equal("0123456789abcdefghijKLMNO", d.Log.Text);
    }

    // ---- caps ----

    [Fact]
    public void BufferedBytesCapForcesTheFirstHoleToBeSkipped()
    {
        var d = new Direction(new TcpReassemblerOptions { MaxBufferedBytesPerDirection = 10 }).Syn();
        d.At(0, "a");
        d.At(5, "fghij");
        d.At(12, "mnopqr");                            // 5 + 6 > 10: the hole [1, 5) is skipped
        Assert.Equal([(1L, 4L)], d.Log.Gaps);
        Assert.Equal(1, d.Reassembler.BufferLimitHits);
        Assert.Equal(6, d.State.BufferedBytes);
        d.At(10, "kl");
        Assert.Equal("a\0\0\0\0fghijklmnopqr", d.Log.Text);
        Assert.Equal([(Anomaly.StreamBufferLimit, 1L), (Anomaly.StreamGap, 1L)], d.Log.Anomalies);
    }

    [Fact]
    public void SegmentCapForcesAGapAndIsCounted()
    {
        var d = new Direction(NoRetain with { MaxSegmentsPerDirection = 3 }).Syn();
        d.At(0, "a");
        d.At(2, "c");
        d.At(4, "e");
        d.At(6, "g");
        d.At(8, "i");                                  // a fourth node: skip [1, 2), deliver "c"
        Assert.Equal(1, d.Reassembler.SegmentLimitHits);
        Assert.Equal([(1L, 1L)], d.Log.Gaps);
        Assert.Equal(3, d.State.Segments);
        d.Close();
        Assert.Equal("a\0c\0e\0g\0i", d.Log.Text);
        Assert.Contains((Anomaly.StreamSegmentLimit, 1L), d.Log.Anomalies);
    }

    [Fact]
    public void SegmentCapFreesRetainedBytesBeforeForcingAGap()
    {
        var d = new Direction(new TcpReassemblerOptions { MaxSegmentsPerDirection = 3 }).Syn();
        d.At(0, "a");                                  // retained: one node
        d.At(2, "c");
        d.At(4, "e");
        d.At(6, "g");
        Assert.Equal(0, d.Reassembler.SegmentLimitHits);
        Assert.Equal(0, d.State.RetainedBytes);
        Assert.Equal(3, d.State.BufferedBytes);
    }

    [Fact]
    public void SharedBudgetDropsSegmentsWhenSpent()
    {
        var pool = new SegmentPool(budget: 2 * SegmentPool.SmallBlock);
        var reassembler = new TcpReassembler(NoRetain, pool);
        var a = new Direction(reassembler).Syn();
        var b = new Direction(reassembler).Syn(9000);
        a.At(2, "c");
        b.At(2, "c");
        Assert.Equal(pool.Budget, pool.BytesInUse);
        a.At(4, "e");                                  // no room left in the worker's budget
        Assert.Equal(1, reassembler.MemcapHits);
        Assert.Equal(1, reassembler.MemcapDroppedBytes);
        Assert.Equal([(Anomaly.StreamMemcap, 4L)], a.Log.Anomalies);
        a.Close();
        Assert.Equal(SegmentPool.SmallBlock, pool.BytesInUse);
        b.Close();
        Assert.Equal(0, pool.BytesInUse);
        Assert.Equal(2 * SegmentPool.SmallBlock, pool.PeakBytesInUse);
    }

    [Fact]
    public void RetainedBytesUseAtMostHalfTheBudgetSoBufferingNeverStarves()
    {
        var pool = new SegmentPool(budget: 2 * SegmentPool.LargeBlock);
        var reassembler = new TcpReassembler(TcpReassemblerOptions.Default, pool);
        var oneSided = new Direction(reassembler).Syn();       // no ACKs ever: nothing frees its retained bytes
        for (int i = 0; i < 40; i++)
            oneSided.At(i * 1000, new byte[1000]);
        Assert.InRange(reassembler.RetainedBlockBytes, 1, pool.Budget / 2);
        Assert.True(reassembler.RetainSkippedBytes > 0);

        var lossy = new Direction(reassembler).Syn(7777);
        lossy.At(1000, new byte[10_000]);                       // out of order: needs the other half
        Assert.Equal(0, reassembler.MemcapHits);
        Assert.Equal(10_000, lossy.State.BufferedBytes);

        oneSided.Close();
        lossy.Close();
        Assert.Equal(0, reassembler.RetainedBlockBytes);
        Assert.Equal(0, pool.BytesInUse);
    }

    [Fact]
    public void EachAnomalyIsReportedOncePerDirection()
    {
        var d = new Direction().Syn();
        d.At(0, "a");
        d.At(2, "c");
        d.At(4, "e");
        d.AckAt(5);
        Assert.Equal(2, d.Reassembler.Gaps);
        Assert.Equal([(Anomaly.StreamGap, 1L)], d.Log.Anomalies);
    }

    // ---- small segments, memory ----

    [Fact]
    public void OneByteSegmentsInReverseOrderAreReassembled()
    {
        string text = string.Concat(Enumerable.Range(0, 300).Select(i => (char)('a' + (i % 26))));
        var d = new Direction().Syn();
        for (int i = text.Length - 1; i >= 0; i--)
            d.At(i, text[i..(i + 1)]);
        Assert.Equal(text, d.Log.Text);
        Assert.True(d.State.Segments < 10, $"{d.State.Segments} nodes retained");   // packed once delivered
        d.Close();
        Assert.Equal(0, d.Reassembler.Pool.NodesInUse);
    }

    [Fact]
    public void OneByteSegmentsInOrderAreDeliveredOneByOne()
    {
        string text = new('z', 500);
        var d = new Direction().Syn();
        for (int i = 0; i < text.Length; i++)
            d.At(i, "z");
        Assert.Equal(text, d.Log.Text);
        Assert.Equal(500, d.Log.Chunks.Count);
        Assert.Equal(500, d.Reassembler.BytesDeliveredZeroCopy);
    }

    [Fact]
    public void DiscardFreesEverythingWithoutDelivering()
    {
        var d = new Direction().Syn();
        d.At(0, "abc");
        d.At(5, "fgh");
        d.Reassembler.Discard(ref d.State);
        Assert.Equal(0, d.Reassembler.Pool.BytesInUse);
        Assert.True(d.State.HasEnded);
        Assert.Equal(0, d.Log.Ends);
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        var reassembler = new TcpReassembler();
        var sink = new CountingSink();
        byte[] payload = new byte[1448];
        new Random(7).NextBytes(payload);

        void Connection(uint isn)
        {
            var client = default(TcpStreamState);
            var server = default(TcpStreamState);
            reassembler.Process(ref server, isn, TcpFlags.Syn | TcpFlags.Ack, [], 0, ref sink);
            uint seq = isn + 1;
            for (int i = 0; i < 40; i++)
            {
                uint at = seq + (uint)(i * payload.Length);
                if (i % 10 is 3 or 8)
                    continue;                                                  // 3: sent after the next one; 8: never (a gap)
                reassembler.Process(ref server, at, TcpFlags.Ack, payload, 0, ref sink);
                if (i % 10 == 4)
                    reassembler.Process(ref server, at - (uint)payload.Length, TcpFlags.Ack, payload, 0, ref sink);
                if (i % 10 == 6)
                    reassembler.Process(ref server, at, TcpFlags.Ack, payload, 0, ref sink);          // duplicate
                reassembler.Acknowledge(ref server, at + (uint)payload.Length - 700, ref sink);
            }

            reassembler.Process(ref server, seq + (uint)(40 * payload.Length), TcpFlags.Fin | TcpFlags.Ack, [], 0, ref sink);
            reassembler.Close(ref server, TcpStreamEnd.Closed, ref sink);
            reassembler.Close(ref client, TcpStreamEnd.Closed, ref sink);
        }

        for (uint i = 0; i < 50; i++)
            Connection(i * 7919);                                               // warm-up: JIT, pool growth
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (uint i = 0; i < 500; i++)
            Connection(0xFFFF_0000 + (i * 7919));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(0, reassembler.Pool.BytesInUse);
        Assert.True(reassembler.OutOfOrderSegments >= 500 * 4);
        Assert.True(reassembler.Retransmissions >= 500 * 4);
        Assert.True(reassembler.Gaps >= 500 * 4);
    }

    /// <summary>Counts without allocating.</summary>
    private struct CountingSink : ITcpStreamSink
    {
        public long Bytes;
        public long GapBytes;
        public int Ends;

        public long OnData(ReadOnlySpan<byte> data, long streamOffset)
        {
            Bytes += data.Length;
            return 0;
        }

        public void OnGap(long streamOffset, long length) => GapBytes += length;

        public void OnEnd(TcpStreamEnd reason, long streamOffset) => Ends++;

        public readonly void OnOverlap(in TcpOverlap overlap)
        {
        }

        public readonly void OnAnomaly(Anomaly anomaly, long streamOffset)
        {
        }
    }
}
