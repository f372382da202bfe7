using Assay.Decoding.Link;
using Assay.Decoding.Network;
using Assay.Decoding.Tests.TestSupport;
using Fragment = Assay.Decoding.Tests.TestSupport.Fragments.Fragment;

namespace Assay.Decoding.Tests.Network;

[Collection(AllocationCollection.Name)]
public class DefragmenterTests
{
    private const long Second = 1_000_000_000;

    private static DefragStatus Add(Defragmenter defragmenter, Fragment fragment, long time, out byte[] datagram, out AnomalySet anomalies)
    {
        anomalies = default;
        DefragStatus status = defragmenter.Add(fragment.Packet, fragment.Frame, time, ref anomalies, out ReadOnlySpan<byte> span);
        datagram = span.ToArray();
        return status;
    }

    /// <summary>Feeds fragments in the given order; returns the datagram the last one completed (asserting the others were held).</summary>
    private static byte[] Reassemble(Defragmenter defragmenter, IReadOnlyList<Fragment> fragments, params int[] order)
    {
        if (order.Length == 0)
            order = [.. Enumerable.Range(0, fragments.Count)];
        byte[] datagram = [];
        for (int i = 0; i < order.Length; i++)
        {
            DefragStatus status = Add(defragmenter, fragments[order[i]], i, out datagram, out AnomalySet anomalies);
            Assert.Equal(0, anomalies.Count);
            Assert.Equal(i == order.Length - 1 ? DefragStatus.Complete : DefragStatus.Held, status);
        }

        return datagram;
    }

    private static byte[] UdpDatagram(int payloadLength, int seed = 0) => Frames.Udp(5000, 6000, Fragments.Pattern(payloadLength, seed));

    [Fact]
    public void IPv4InOrderReassemblesToAValidDatagram()
    {
        using var defragmenter = new Defragmenter();
        byte[] udp = UdpDatagram(3000);
        var fragments = Fragments.IPv4(17, udp, 1480);
        Assert.Equal(3, fragments.Count);

        byte[] datagram = Reassemble(defragmenter, fragments);

        Assert.Equal(Frames.IPv4(17, udp, id: 0x4242), datagram);       // same bytes as never fragmented, checksum included
        var decoded = Decoded.Of(LinkTypes.Raw, datagram);
        Assert.True(decoded.Ok);
        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.False(decoded.Packet.IsFragment);
        Assert.True(decoded.Has(PacketLayers.Udp));
        Assert.Equal(3000, decoded.Packet.PayloadLength);
        Assert.Equal(1, defragmenter.DatagramsReassembled);
        Assert.Equal(3, defragmenter.FragmentsReceived);
        Assert.Equal(0, defragmenter.PendingDatagrams);
        Assert.Equal(0, defragmenter.BufferedBytes);
    }

    [Theory]
    [InlineData(new[] { 2, 1, 0 })]
    [InlineData(new[] { 1, 2, 0 })]
    [InlineData(new[] { 0, 2, 1 })]
    [InlineData(new[] { 3, 0, 4, 2, 1 })]
    public void IPv4OutOfOrderReassembles(int[] order)
    {
        using var defragmenter = new Defragmenter();
        byte[] udp = UdpDatagram((order.Length * 800) - 100);
        var fragments = Fragments.IPv4(17, udp, 800);
        Assert.Equal(order.Length, fragments.Count);

        byte[] datagram = Reassemble(defragmenter, fragments, order);

        Assert.Equal(Frames.IPv4(17, udp, id: 0x4242), datagram);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(6)]
    public void TimeoutAndFragmentCapApplyToBothVersions(int version)
    {
        using var defragmenter = new Defragmenter(new DefragmenterOptions { MaxFragmentsPerDatagram = 3 });
        var first = Train(version, UdpDatagram(200), 16, id: 1);
        var second = Train(version, UdpDatagram(200), 16, id: 2);
        for (int i = 0; i < 3; i++)
            Assert.Equal(DefragStatus.Held, Add(defragmenter, first[i], 0, out _, out _));
        Assert.Equal(DefragStatus.Held, Add(defragmenter, second[0], 10 * Second, out _, out _));

        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, first[3], 0, out _, out AnomalySet anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentDatagramCapReached));
        anomalies = default;
        Assert.Equal(1, defragmenter.Expire(40 * Second, ref anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentTimeout));
        Assert.Equal(0, defragmenter.PendingDatagrams);
        Assert.Equal(0, defragmenter.BufferedBytes);
    }

    [Fact]
    public void IPv6InOrderReassembles()
    {
        using var defragmenter = new Defragmenter();
        byte[] udp = UdpDatagram(5000);
        var fragments = Fragments.IPv6(17, udp, 1232);

        Assert.Equal(Frames.IPv6(17, udp), Reassemble(defragmenter, fragments));
    }

    private static List<Fragment> Train(int version, byte[] payload, int size, ushort id) =>
        version == 4 ? Fragments.IPv4(17, payload, size, id: id) : Fragments.IPv6(17, payload, size, id: id);

    [Fact]
    public void IPv4OptionsOfTheFirstFragmentAreKept()
    {
        using var defragmenter = new Defragmenter();
        byte[] options = [0x94, 4, 0, 0];
        var fragments = Fragments.IPv4(17, UdpDatagram(100), 64, options: options);

        byte[] datagram = Reassemble(defragmenter, fragments, 1, 0);

        Assert.Equal(0x46, datagram[0]);
        Assert.Equal(options, datagram[20..24]);
        var decoded = Decoded.Of(LinkTypes.Raw, datagram);
        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.Equal(100, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void LargestIPv4DatagramReassembles()
    {
        using var defragmenter = new Defragmenter();
        byte[] udp = UdpDatagram(65535 - 20 - 8);
        var fragments = Fragments.IPv4(17, udp, 1480);

        byte[] datagram = Reassemble(defragmenter, fragments);

        Assert.Equal(65535, datagram.Length);
        Assert.Equal(65535 - 28, Decoded.Of(LinkTypes.Raw, datagram).Packet.PayloadLength);
    }

    [Fact]
    public void DuplicateFragmentIsAnOverlapWithTheSameData()
    {
        using var defragmenter = new Defragmenter();
        var fragments = Fragments.IPv4(17, UdpDatagram(2000), 800);

        Assert.Equal(DefragStatus.Held, Add(defragmenter, fragments[1], 0, out _, out _));
        Assert.Equal(DefragStatus.Held, Add(defragmenter, fragments[1], 1, out _, out AnomalySet anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentOverlap));
        Assert.False(anomalies.Contains(Anomaly.FragmentOverlapDifferentData));
        Assert.Equal(DefragStatus.Held, Add(defragmenter, fragments[0], 2, out _, out _));
        Assert.Equal(DefragStatus.Complete, Add(defragmenter, fragments[2], 3, out byte[] datagram, out _));

        Assert.Equal(2000, Decoded.Of(LinkTypes.Raw, datagram).Packet.PayloadLength);
        Assert.Equal(1, defragmenter.Overlaps);
        Assert.Equal(0, defragmenter.OverlapsWithDifferentData);
    }

    [Fact]
    public void OverlapWithDifferentDataKeepsTheFirstBytes()
    {
        using var defragmenter = new Defragmenter();
        byte[] first = Fragments.Pattern(24, seed: 1);
        byte[] rewrite = Fragments.Pattern(24, seed: 99);
        var a = Fragments.Decode(Frames.IPv4(253, first[..16], id: 9, moreFragments: true));
        var b = Fragments.Decode(Frames.IPv4(253, rewrite[8..24], id: 9, fragmentOffset: 8));

        Assert.Equal(DefragStatus.Held, Add(defragmenter, a, 0, out _, out _));
        Assert.Equal(DefragStatus.Complete, Add(defragmenter, b, 1, out byte[] datagram, out AnomalySet anomalies));

        Assert.True(anomalies.Contains(Anomaly.FragmentOverlap));
        Assert.True(anomalies.Contains(Anomaly.FragmentOverlapDifferentData));
        Assert.Equal(Frames.Concat(first[..16], rewrite[16..24]), datagram[20..]);
        Assert.Equal(1, defragmenter.OverlapsWithDifferentData);
    }

    [Fact]
    public void LaterFragmentFillsOnlyTheHolesAroundHeldData()
    {
        using var defragmenter = new Defragmenter();
        byte[] original = Fragments.Pattern(48, seed: 3);
        byte[] attacker = Fragments.Pattern(48, seed: 200);
        var middle = Fragments.Decode(Frames.IPv4(253, original[16..24], id: 2, moreFragments: true, fragmentOffset: 16));
        var spanning = Fragments.Decode(Frames.IPv4(253, attacker[..40], id: 2, moreFragments: true));
        var last = Fragments.Decode(Frames.IPv4(253, original[40..48], id: 2, fragmentOffset: 40));

        Assert.Equal(DefragStatus.Held, Add(defragmenter, middle, 0, out _, out _));
        Assert.Equal(DefragStatus.Held, Add(defragmenter, spanning, 1, out _, out AnomalySet anomalies));
        Assert.Equal(DefragStatus.Complete, Add(defragmenter, last, 2, out byte[] datagram, out _));

        Assert.True(anomalies.Contains(Anomaly.FragmentOverlapDifferentData));
        Assert.Equal(Frames.Concat(attacker[..16], original[16..24], attacker[24..40], original[40..48]), datagram[20..]);
    }

    [Fact]
    public void ExpireDropsDatagramsAfterTheTimeout()
    {
        using var defragmenter = new Defragmenter();
        var fragments = Fragments.IPv4(17, UdpDatagram(2000), 800);
        Add(defragmenter, fragments[0], 0, out _, out _);
        AnomalySet anomalies = default;

        Assert.Equal(0, defragmenter.Expire((30 * Second) - 1, ref anomalies));
        Assert.Equal(1, defragmenter.PendingDatagrams);
        Assert.Equal(1, defragmenter.Expire(30 * Second, ref anomalies));

        Assert.True(anomalies.Contains(Anomaly.FragmentTimeout));
        Assert.Equal(0, defragmenter.PendingDatagrams);
        Assert.Equal(0, defragmenter.BufferedBytes);
        Assert.Equal(1, defragmenter.Timeouts);
    }

    [Fact]
    public void TimeoutIsConfigurable()
    {
        using var defragmenter = new Defragmenter(new DefragmenterOptions { TimeoutNanos = 5 * Second });
        Add(defragmenter, Fragments.IPv4(17, UdpDatagram(2000), 800)[0], 0, out _, out _);
        AnomalySet anomalies = default;

        Assert.Equal(1, defragmenter.Expire(5 * Second, ref anomalies));
    }

    [Fact]
    public void ExpiredDatagramIsNotCompletedByALateFragment()
    {
        using var defragmenter = new Defragmenter();
        var fragments = Fragments.IPv4(17, UdpDatagram(1000), 800);
        Add(defragmenter, fragments[0], 0, out _, out _);

        DefragStatus status = Add(defragmenter, fragments[1], 31 * Second, out _, out AnomalySet anomalies);

        Assert.Equal(DefragStatus.Held, status);
        Assert.True(anomalies.Contains(Anomaly.FragmentTimeout));
        Assert.Equal(1, defragmenter.PendingDatagrams);
    }

    [Fact]
    public void ExpireDropsOldestFirstAndStopsAtTheFirstYoungOne()
    {
        using var defragmenter = new Defragmenter();
        for (int i = 0; i < 5; i++)
            Add(defragmenter, Fragments.IPv4(17, UdpDatagram(2000), 800, id: (ushort)i)[0], i * Second, out _, out _);
        AnomalySet anomalies = default;

        Assert.Equal(3, defragmenter.Expire(32 * Second, ref anomalies));
        Assert.Equal(2, defragmenter.PendingDatagrams);
    }

    [Fact]
    public void TooManyFragmentsDropsTheDatagram()
    {
        using var defragmenter = new Defragmenter(new DefragmenterOptions { MaxFragmentsPerDatagram = 4 });
        var fragments = Fragments.IPv4(17, UdpDatagram(100), 8);
        for (int i = 0; i < 4; i++)
            Assert.Equal(DefragStatus.Held, Add(defragmenter, fragments[i], 0, out _, out _));

        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, fragments[4], 0, out _, out AnomalySet anomalies));

        Assert.True(anomalies.Contains(Anomaly.FragmentDatagramCapReached));
        Assert.Equal(0, defragmenter.PendingDatagrams);
        Assert.Equal(1, defragmenter.FragmentCapHits);
        Assert.Equal(0, defragmenter.BufferedBytes);
    }

    [Fact]
    public void PendingCapRefusesNewDatagramsUntilOldOnesExpire()
    {
        using var defragmenter = new Defragmenter(new DefragmenterOptions { MaxPendingDatagrams = 2 });
        for (int i = 0; i < 2; i++)
            Assert.Equal(DefragStatus.Held, Add(defragmenter, Fragments.IPv4(17, UdpDatagram(2000), 800, id: (ushort)i)[0], 0, out _, out _));
        var third = Fragments.IPv4(17, UdpDatagram(2000), 800, id: 3);

        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, third[0], Second, out _, out AnomalySet anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentGlobalCapReached));
        Assert.Equal(1, defragmenter.PendingCapHits);

        // Once the others are stale, a new datagram evicts them instead of being refused.
        Assert.Equal(DefragStatus.Held, Add(defragmenter, third[0], 40 * Second, out _, out anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentTimeout));
        Assert.Equal(1, defragmenter.PendingDatagrams);
    }

    [Fact]
    public void MemoryCapRefusesFragments()
    {
        using var defragmenter = new Defragmenter(new DefragmenterOptions { MaxBufferedBytes = 4096 });

        Assert.Equal(DefragStatus.Held, Add(defragmenter, Fragments.IPv4(17, UdpDatagram(2000), 800, id: 1)[0], 0, out _, out _));
        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, Fragments.IPv4(17, UdpDatagram(2000), 800, id: 2)[0], 0, out _, out AnomalySet anomalies));

        Assert.True(anomalies.Contains(Anomaly.FragmentGlobalCapReached));
        Assert.Equal(1, defragmenter.MemoryCapHits);
        Assert.Equal(1, defragmenter.PendingDatagrams);
        Assert.True(defragmenter.BufferedBytes <= 4096);
    }

    [Fact]
    public void FragmentBeyondTheIPLengthLimitDropsTheDatagram()
    {
        using var defragmenter = new Defragmenter();
        Add(defragmenter, Fragments.Decode(Frames.IPv4(17, new byte[16], id: 5, moreFragments: true)), 0, out _, out _);
        var tail = Fragments.Decode(Frames.IPv4(17, new byte[16], id: 5, fragmentOffset: 65528 - 8));

        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, tail, 0, out _, out AnomalySet anomalies));

        Assert.True(anomalies.Contains(Anomaly.FragmentTooLarge));
        Assert.Equal(0, defragmenter.PendingDatagrams);
        Assert.Equal(1, defragmenter.TooLarge);
    }

    [Fact]
    public void IPv4NonLastFragmentIsTrimmedToAMultipleOfEight()
    {
        using var defragmenter = new Defragmenter();
        byte[] data = Fragments.Pattern(24);
        var odd = Fragments.Decode(Frames.IPv4(253, data[..12], moreFragments: true));       // 4 bytes too many
        var tail = Fragments.Decode(Frames.IPv4(253, data[8..24], fragmentOffset: 8));

        Assert.Equal(DefragStatus.Held, Add(defragmenter, odd, 0, out _, out AnomalySet anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentInvalidLength));
        Assert.Equal(DefragStatus.Complete, Add(defragmenter, tail, 0, out byte[] datagram, out anomalies));

        Assert.Equal(0, anomalies.Count);                  // the trimmed bytes never entered, so no overlap
        Assert.Equal(data, datagram[20..]);
    }

    [Fact]
    public void IPv4NonLastFragmentShorterThanEightIsRefused()
    {
        using var defragmenter = new Defragmenter();

        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, Fragments.Decode(Frames.IPv4(17, new byte[5], moreFragments: true)), 0, out _, out AnomalySet anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentInvalidLength));
        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, Fragments.Decode(Frames.IPv4(17, [], moreFragments: true)), 0, out _, out anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentInvalidLength));
        Assert.Equal(0, defragmenter.PendingDatagrams);
    }

    [Fact]
    public void IPv6NonLastFragmentWithLengthNotAMultipleOfEightIsRefused()
    {
        using var defragmenter = new Defragmenter();
        var odd = Fragments.Decode(Frames.IPv6(44, Frames.Concat(Frames.FragmentHeader(17, 0, true, 1), new byte[12])));

        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, odd, 0, out _, out AnomalySet anomalies));

        Assert.True(anomalies.Contains(Anomaly.FragmentInvalidLength));
        Assert.Equal(0, defragmenter.PendingDatagrams);
    }

    [Fact]
    public void SecondDifferentEndIsRefused()
    {
        using var defragmenter = new Defragmenter();
        Add(defragmenter, Fragments.Decode(Frames.IPv4(17, new byte[8], id: 1, fragmentOffset: 64)), 0, out _, out _);

        var otherEnd = Fragments.Decode(Frames.IPv4(17, new byte[8], id: 1, fragmentOffset: 80));
        var pastEnd = Fragments.Decode(Frames.IPv4(17, new byte[16], id: 1, moreFragments: true, fragmentOffset: 64));

        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, otherEnd, 0, out _, out AnomalySet anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentInvalidLength));
        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, pastEnd, 0, out _, out anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentInvalidLength));
        Assert.Equal(2, defragmenter.InvalidFragments);
        Assert.Equal(1, defragmenter.PendingDatagrams);
    }

    [Fact]
    public void FragmentCutByTheSnapLengthIsRefused()
    {
        using var defragmenter = new Defragmenter();
        byte[] frame = Frames.IPv4(17, new byte[800], moreFragments: true);
        var cut = Fragments.Decode(frame[..200]);

        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, cut, 0, out _, out AnomalySet anomalies));

        Assert.True(anomalies.Contains(Anomaly.PacketTruncatedBySnapLength));
        Assert.Equal(1, defragmenter.TruncatedFragments);
    }

    [Fact]
    public void DatagramsAreKeyedByProtocolAndAddresses()
    {
        using var defragmenter = new Defragmenter();
        var udp = Fragments.IPv4(17, UdpDatagram(1000), 800, id: 7);
        var other = Fragments.IPv4(253, Fragments.Pattern(1000), 800, id: 7);
        var otherHost = Fragments.IPv4(17, UdpDatagram(1000), 800, id: 7, source: 0x0A000063);

        Assert.Equal(DefragStatus.Held, Add(defragmenter, udp[0], 0, out _, out _));
        Assert.Equal(DefragStatus.Held, Add(defragmenter, other[1], 0, out _, out _));
        Assert.Equal(DefragStatus.Held, Add(defragmenter, otherHost[1], 0, out _, out _));
        Assert.Equal(3, defragmenter.PendingDatagrams);
        Assert.Equal(DefragStatus.Complete, Add(defragmenter, udp[1], 0, out _, out _));
    }

    [Fact]
    public void IPv6ReassemblyRemovesTheFragmentHeader()
    {
        using var defragmenter = new Defragmenter();
        byte[] udp = UdpDatagram(3000);
        var fragments = Fragments.IPv6(17, udp, 1232);

        byte[] datagram = Reassemble(defragmenter, fragments, 2, 0, 1);

        Assert.Equal(Frames.IPv6(17, udp), datagram);
        var decoded = Decoded.Of(LinkTypes.Raw, datagram);
        Assert.Equal(0, decoded.Anomalies.Count);
        Assert.True(decoded.Has(PacketLayers.IPv6 | PacketLayers.Udp));
        Assert.Equal(3000, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void IPv6ReassemblyKeepsUnfragmentableHeadersAndPatchesTheirNextHeader()
    {
        using var defragmenter = new Defragmenter();
        byte[] tcp = Frames.Tcp(443, 50000, payload: Fragments.Pattern(2500));
        byte[] unfragmentable = Frames.Concat(Frames.Extension(43), Frames.Routing(44, type: 2));
        var fragments = Fragments.IPv6(6, tcp, 1024, firstHeader: 0, unfragmentable: unfragmentable);
        Assert.Equal(72, fragments[0].Packet.UnfragmentableLength);

        byte[] datagram = Reassemble(defragmenter, fragments, 1, 2, 0);

        Assert.Equal(Frames.IPv6(0, Frames.Concat(Frames.Extension(43), Frames.Routing(6, type: 2), tcp)), datagram);
        var decoded = Decoded.Of(LinkTypes.Raw, datagram);
        Assert.True(decoded.Has(PacketLayers.Tcp), decoded.AnomalyList);
        Assert.Equal(72, decoded.Packet.TransportOffset);
        Assert.Equal(2500, decoded.Packet.PayloadLength);
    }

    [Fact]
    public void IPv6NextHeaderComesFromTheOffsetZeroFragment()
    {
        using var defragmenter = new Defragmenter();
        byte[] udp = UdpDatagram(100);
        var head = Fragments.Decode(Frames.IPv6(44, Frames.Concat(Frames.FragmentHeader(17, 0, true, 1), udp[..64])));
        var tail = Fragments.Decode(Frames.IPv6(44, Frames.Concat(Frames.FragmentHeader(59, 64, false, 1), udp[64..])));

        Assert.Equal(DefragStatus.Held, Add(defragmenter, tail, 0, out _, out _));
        Assert.Equal(DefragStatus.Complete, Add(defragmenter, head, 0, out byte[] datagram, out _));

        Assert.Equal(17, datagram[6]);
    }

    [Fact]
    public void IPv6FragmentBeyondTheLimitIsTooLarge()
    {
        using var defragmenter = new Defragmenter();
        var tail = Fragments.Decode(Frames.IPv6(44, Frames.Concat(Frames.FragmentHeader(17, 65528, false, 1), new byte[16])));

        Assert.Equal(DefragStatus.Dropped, Add(defragmenter, tail, 0, out _, out AnomalySet anomalies));
        Assert.True(anomalies.Contains(Anomaly.FragmentTooLarge));
    }

    [Fact]
    public void IPv6OverlapIsReported()
    {
        using var defragmenter = new Defragmenter();
        var fragments = Fragments.IPv6(17, UdpDatagram(100), 64);
        Add(defragmenter, fragments[0], 0, out _, out _);

        Add(defragmenter, fragments[0], 0, out _, out AnomalySet anomalies);

        Assert.True(anomalies.Contains(Anomaly.FragmentOverlap));
    }

    [Fact]
    public void AddRejectsPacketsThatAreNotFragments()
    {
        using var defragmenter = new Defragmenter();
        byte[] frame = Frames.IPv4(17, UdpDatagram(10));
        var decoded = Decoded.Of(LinkTypes.Raw, frame);

        Assert.Throws<ArgumentException>(() =>
        {
            AnomalySet anomalies = default;
            defragmenter.Add(decoded.Packet, frame, 0, ref anomalies, out _);
        });
    }

    [Fact]
    public void DisposeReturnsEveryBuffer()
    {
        var defragmenter = new Defragmenter();
        for (int i = 0; i < 10; i++)
            Add(defragmenter, Fragments.IPv4(17, UdpDatagram(2000), 800, id: (ushort)i)[1], 0, out _, out _);
        Assert.True(defragmenter.BufferedBytes > 0);

        defragmenter.Dispose();

        Assert.Equal(0, defragmenter.BufferedBytes);
        Assert.Equal(0, defragmenter.PendingDatagrams);
    }

    [Fact]
    public void SteadyStateReassemblyAllocatesNothing()
    {
        using var defragmenter = new Defragmenter();
        var trains = new List<List<Fragment>>();
        for (int i = 0; i < 32; i++)
        {
            trains.Add(i % 2 == 0
                ? Fragments.IPv4(17, UdpDatagram(3000 + i), 1480, id: (ushort)i)
                : Fragments.IPv6(17, UdpDatagram(3000 + i), 1232, id: (uint)i));
        }

        int complete = Run(defragmenter, trains, 0);                 // warm-up: trackers, pool buckets, output buffer
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 1; round <= 20; round++)
            complete += Run(defragmenter, trains, round * 100 * Second);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(0, allocated);
        Assert.Equal(21 * 32, complete);
    }

    private static int Run(Defragmenter defragmenter, List<List<Fragment>> trains, long time)
    {
        int complete = 0;
        AnomalySet anomalies = default;
        // Interleave: the last fragment of every datagram arrives first, then the rest in order.
        foreach (var train in trains)
            defragmenter.Add(train[^1].Packet, train[^1].Frame, time, ref anomalies, out _);
        for (int i = 0; i < 2; i++)
        {
            foreach (var train in trains)
            {
                if (i < train.Count - 1 && defragmenter.Add(train[i].Packet, train[i].Frame, time, ref anomalies, out _) == DefragStatus.Complete)
                    complete++;
            }
        }

        return complete + (anomalies.Count == 0 ? 0 : -1000);
    }
}
