using Assay.Capture;
using Xunit.Abstractions;

namespace Assay.Store.Tests;

public sealed class StoreFilesTests(ITestOutputHelper output)
{
    private const long Second = 1_000_000_000;
    private const long T0 = 1_800_000_000 * Second;

    [Fact]
    public void ClosedSegmentsAreStandardPcapThatTcpdumpOpens()
    {
        using var dir = new TempDir();
        using (PacketStore store = PacketStore.Open(dir.Path, new PacketStoreOptions { MaxSegmentBytes = 256 << 10 }))
        {
            for (int i = 0; i < 2000; i++)
            {
                TestPacket p = TestPackets.Udp(T0 + (i * 1000L), 300, (byte)(i % 7), 5000, 9, 53);
                store.Append(p.Timestamp, p.OriginalLength, 1, p.Data, p.Key, true);
            }
        }

        string[] pcaps = Directory.GetFiles(dir.Packets, "*.pcap");
        Assert.True(pcaps.Length >= 2, $"{pcaps.Length} segments");
        Assert.Empty(Directory.GetFiles(dir.Packets, ".open-*"));
        long total = 0;
        foreach (string pcap in pcaps)
        {
            Assert.True(File.Exists(Path.ChangeExtension(pcap, ".idx")));
            using (IPacketSource source = CaptureFile.Open(pcap))
            {
                var reader = Assert.IsType<PcapReader>(source);
                Assert.True(reader.Nanoseconds);
                Assert.Equal(262144u, reader.SnapLength);
                while (source.TryReadPacket(out _, out _) == ReadStatus.Packet)
                    total++;
            }

            if (Tcpdump.Path is not null)
            {
                (int exit, string text) = Tcpdump.Run("-nn", "-r", pcap, "-c", "1");
                Assert.True(exit == 0, text);
                Assert.Contains("IP 10.0.0.", text, StringComparison.Ordinal);
            }
        }

        Assert.Equal(2000, total);
        output.WriteLine($"{pcaps.Length} segments, {total} packets, each opened by tcpdump");
    }

    [Fact]
    public void SegmentsRotateBySizeAgeAndLinkType()
    {
        using var dir = new TempDir();
        using (PacketStore store = PacketStore.Open(dir.Path, new PacketStoreOptions { MaxSegmentBytes = 128 << 10, MaxSegmentAge = TimeSpan.FromMinutes(1) }))
        {
            // 100 × 1 KiB: one segment of about 100 KiB.
            for (int i = 0; i < 100; i++)
                Append(store, T0 + i, 1000, 1);
            // 61 s later: a new segment by age.
            Append(store, T0 + (61 * Second), 1000, 1);
            // Raw IP link type: a new segment.
            TestPacket p = TestPackets.Udp(T0 + (62 * Second), 200, 1, 1, 2, 2);
            store.Append(p.Timestamp, 186, 101, p.Data.AsSpan(14), p.Key, true);
            // 200 more KiB: size rotation (128 KiB segments).
            for (int i = 0; i < 200; i++)
                Append(store, T0 + (63 * Second) + i, 1000, 1);
            Assert.True(store.Stats.SegmentsClosed >= 4);
        }

        using PacketStoreReader reader = PacketStoreReader.Open(dir.Path);
        IReadOnlyList<SegmentInfo> s = reader.Segments;
        Assert.Equal(5, s.Count);
        Assert.Equal([100L, 1, 1, 200 - s[4].Packets, s[4].Packets], s.Select(x => x.Packets));
        Assert.Equal([1, 1, 101, 1, 1], s.Select(x => x.LinkType));
        Assert.All(s, x => Assert.True(x.PcapBytes <= 128 << 10));
        Assert.Equal(302, reader.Query(new PacketQuery()).Count());
    }

    [Fact]
    public void RetentionEvictsOldestBySizeAndByAgeAndKeepsPinnedSegmentsLonger()
    {
        using var dir = new TempDir();
        TestPacket pinnedFlow = TestPackets.Udp(0, 500, 77, 7777, 9, 53);
        var options = new PacketStoreOptions { MaxSegmentAge = TimeSpan.FromMinutes(1), MaxAge = TimeSpan.FromMinutes(5), PinnedMaxAge = TimeSpan.FromMinutes(30) };
        using (PacketStore store = PacketStore.Open(dir.Path, options))
        {
            // One segment per minute for 20 minutes; minute 3 carries the flow that gets pinned.
            for (int minute = 0; minute < 20; minute++)
            {
                long t = T0 + (minute * 60 * Second);
                Append(store, t, 500, 1);
                if (minute == 3)
                {
                    store.Append(t + 1, 500, 1, pinnedFlow.Data, pinnedFlow.Key, true);
                    store.Flush();
                }

                if (minute == 4)
                {
                    store.Pin(pinnedFlow.Key, t - (60 * Second), t);
                    Thread.Sleep(500);   // the timer applies pins
                }
            }

            StoreStats stats = store.Stats;
            output.WriteLine(stats.ToString());
            Assert.Null(stats.LastError);   // age eviction is not an error
        }

        using PacketStoreReader reader = PacketStoreReader.Open(dir.Path);
        // Minutes 14-19 remain by age (the newest packet is at minute 19, 5 min limit), plus pinned minute 3.
        Assert.Equal([4L, 15, 16, 17, 18, 19, 20], reader.Segments.Select(s => s.Sequence));
        Assert.True(reader.Segments[0].Pinned);
        Assert.Single(reader.Query(new PacketQuery { Flow = pinnedFlow.Key }));

        // Size: the limit evicts oldest first, unpinned before pinned.
        var bySize = new PacketStoreOptions { MaxSegmentAge = TimeSpan.FromMinutes(1), MaxTotalBytes = 4000 << 10 };
        using (PacketStore store = PacketStore.Open(dir.Path, bySize))
        {
            for (int i = 0; i < 6000; i++)
                Append(store, T0 + (30 * 60 * Second) + (i * 1000L), 1000, 1);
            StoreStats stats = store.Stats;
            output.WriteLine(stats.ToString());
            Assert.True(stats.TotalBytes <= bySize.MaxTotalBytes);
            Assert.True(stats.SegmentsEvicted > 0);
            Assert.Equal(0, stats.PacketsDropped);
        }

        using PacketStoreReader after = PacketStoreReader.Open(dir.Path);
        long bytes = Directory.GetFiles(dir.Packets).Sum(f => new FileInfo(f).Length);
        Assert.True(bytes <= bySize.MaxTotalBytes, $"{bytes} bytes on disk");
        // Everything older went, except the pinned segment: unpinned segments go first, even newer ones.
        Assert.Equal(4, after.Segments[0].Sequence);
        Assert.True(after.Segments[1].Sequence > 20);
    }

    [Fact]
    public void FullStoreNeverThrowsEvictsAndSaysSo()
    {
        using var dir = new TempDir();
        var options = new PacketStoreOptions { MaxTotalBytes = 256 << 10 };
        using PacketStore store = PacketStore.Open(dir.Path, options);
        for (int i = 0; i < 5000; i++)
            Append(store, T0 + i, 1400, 1);
        StoreStats stats = store.Stats;
        output.WriteLine(stats.ToString());
        Assert.Equal(5000, stats.Packets);
        Assert.Equal(0, stats.PacketsDropped);
        Assert.True(stats.SegmentsEvicted > 5);
        Assert.Contains("evicted segment", stats.LastError, StringComparison.Ordinal);
        Assert.True(stats.TotalBytes <= options.MaxTotalBytes);
        long onDisk = Directory.GetFiles(dir.Packets).Sum(f => new FileInfo(f).Length);
        Assert.True(onDisk <= options.MaxTotalBytes, $"{onDisk} bytes on disk");

        // A record that can never fit is dropped and counted, not thrown.
        var huge = new byte[262144];
        for (int i = 0; i < 3; i++)
            store.Append(T0 + 10_000 + i, huge.Length, 1, huge, default, false);
        store.Append(T0 + 20_000, 300, 1, new byte[300], default, false);
        StoreStats after = store.Stats;
        Assert.Equal(3, after.PacketsDropped);
        Assert.Equal(5001, after.Packets);
    }

    [Fact]
    public void AppendAllocatesNothingInSteadyState()
    {
        using var dir = new TempDir();
        using PacketStore store = PacketStore.Open(dir.Path, new PacketStoreOptions { MaxSegmentBytes = 16 << 20 });
        var flows = new TestPacket[64];
        for (int i = 0; i < flows.Length; i++)
            flows[i] = TestPackets.Udp(0, 100 + (i * 20), (byte)i, (ushort)(1000 + i), 200, 53);

        // Warm-up: two whole segments, so the index arrays have grown to a segment's size and are reused.
        int n = 0;
        for (; store.SegmentsClosedCount < 2; n++)
        {
            TestPacket p = flows[n % flows.Length];
            store.Append(T0 + n, p.OriginalLength, 1, p.Data, p.Key, true);
        }

        // 15000 packets (about 11 MB: two full-buffer writes, no rotation) into the third segment.
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int end = n + 15_000; n < end; n++)
        {
            TestPacket p = flows[n % flows.Length];
            store.Append(T0 + n, p.OriginalLength, 1, p.Data, p.Key, true);
        }

        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(2, store.SegmentsClosedCount);
        output.WriteLine($"15000 appends in steady state (two 4 MiB writes): {allocated} bytes allocated");
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void SecondWriterAndBadDirectoriesGetAClearStoreException()
    {
        using var dir = new TempDir();
        using (PacketStore.Open(dir.Path, new PacketStoreOptions()))
        {
            var e = Assert.Throws<StoreException>(() => PacketStore.Open(dir.Path, new PacketStoreOptions()));
            Assert.Contains("in use by another writer", e.Message, StringComparison.Ordinal);
        }

        string file = Path.Combine(dir.Path, "a-file");
        File.WriteAllText(file, "x");
        Assert.Contains("is a file", Assert.Throws<StoreException>(() => PacketStore.Open(file, new PacketStoreOptions())).Message, StringComparison.Ordinal);
        Assert.Throws<StoreException>(() => PacketStore.Open(Path.Combine(file, "sub"), new PacketStoreOptions()));
        Assert.Throws<StoreException>(() => PacketStoreReader.Open(Path.Combine(dir.Path, "none")));
    }

    private static void Append(PacketStore store, long timestamp, int length, int linkType)
    {
        TestPacket p = TestPackets.Udp(timestamp, length, 1, 1234, 2, 80);
        store.Append(timestamp, p.OriginalLength, linkType, p.Data, p.Key, true);
    }
}
