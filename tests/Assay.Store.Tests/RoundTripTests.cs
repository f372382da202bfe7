using Assay.Flows;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Store.Tests;

public sealed class RoundTripTests(ITestOutputHelper output)
{
    public static TheoryData<string> Captures => new()
    {
        "lab/devlab-incident-phpunit.pcap",
        "zeek/Traces/wikipedia.pcap",
        "zeek/Traces/smtp.pcap",
        "zeek/Traces/var-services-std-ports.pcap",
    };

    [Theory]
    [MemberData(nameof(Captures))]
    public void FlowQueryMatchesTcpdumpByteForByte(string capture)
    {
        if (Corpus.Root is null || Tcpdump.Path is null)
            return;
        string input = Corpus.Path(capture);
        List<TestPacket> packets = TestPackets.Read(input);
        using var dir = new TempDir();
        using (PacketStore store = PacketStore.Open(dir.Path, new PacketStoreOptions { MaxSegmentBytes = 2 << 20 }))
            TestPackets.AppendAll(store, packets);

        var flows = new Dictionary<FlowKey, int>();
        foreach (TestPacket p in packets)
        {
            if (p.HasKey && p.Key.VlanId == 0 && p.Key.Protocol is 6 or 17)
                flows[p.Key] = flows.GetValueOrDefault(p.Key) + 1;
        }

        var chosen = flows.OrderByDescending(f => f.Value).ThenBy(f => f.Key.ShardHash()).Take(120).ToList();
        using PacketStoreReader reader = PacketStoreReader.Open(dir.Path);
        int comparedPackets = 0;
        string selected = Path.Combine(dir.Path, "tcpdump.pcap");
        foreach ((FlowKey key, int _) in chosen)
        {
            (int exit, string message) = Tcpdump.Run("--time-stamp-precision=nano", "-r", input, "-w", selected, Tcpdump.Filter(key));
            Assert.True(exit == 0, message);
            List<TestPacket> expected = TestPackets.Read(selected);
            List<StoredPacket> actual = reader.Query(new PacketQuery { Flow = key }).ToList();
            Assert.True(expected.Count == actual.Count, $"{Tcpdump.Filter(key)}: tcpdump selects {expected.Count} packets, the store {actual.Count}");
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Timestamp, actual[i].TimestampNanos);
                Assert.Equal(expected[i].OriginalLength, actual[i].OriginalLength);
                Assert.True(expected[i].Data.AsSpan().SequenceEqual(actual[i].Data.Span), $"{Tcpdump.Filter(key)}: packet {i} differs");
            }

            comparedPackets += expected.Count;
        }

        Assert.Empty(reader.Problems);
        output.WriteLine($"{capture}: {packets.Count} packets, {reader.Segments.Count} segments, {flows.Count} TCP/UDP flows; " +
                         $"{chosen.Count} flows ({comparedPackets} packets) byte-identical to tcpdump's selection");
    }

    [Fact]
    public void HostPortProtocolAndTimeQueriesMatchAFilterOverTheOriginal()
    {
        if (Corpus.Root is null)
            return;
        List<TestPacket> packets = TestPackets.Read(Corpus.Path("lab/devlab-incident-phpunit.pcap"));
        using var dir = new TempDir();
        using (PacketStore store = PacketStore.Open(dir.Path, new PacketStoreOptions { MaxSegmentBytes = 1 << 20 }))
            TestPackets.AppendAll(store, packets);

        using PacketStoreReader reader = PacketStoreReader.Open(dir.Path);
        Assert.True(reader.Segments.Count > 5, $"{reader.Segments.Count} segments");
        TestPacket someTcp = packets.First(p => p.HasKey && p.Key.Protocol == 6);
        long t0 = packets[0].Timestamp;
        long t1 = packets[^1].Timestamp;
        long middle = t0 + ((t1 - t0) / 3);
        long late = t0 + ((t1 - t0) * 2 / 3);
        var queries = new List<PacketQuery>
        {
            new(),
            new() { Host = someTcp.Key.LowAddress },
            new() { Host = someTcp.Key.HighAddress, Port = someTcp.Key.HighPort },
            new() { Port = 80 },
            new() { Port = someTcp.Key.LowPort },
            new() { Protocol = 17 },
            new() { Protocol = 6, SinceNanos = middle },
            new() { SinceNanos = middle, UntilNanos = late },
            new() { UntilNanos = middle },
            new() { Host = someTcp.Key.LowAddress, Protocol = 6, SinceNanos = middle, UntilNanos = late },
            new() { Flow = someTcp.Key, SinceNanos = middle },
        };
        foreach (PacketQuery q in queries)
        {
            List<TestPacket> expected = packets.Where(p => PacketFilter.TimeMatches(q, p.Timestamp) && Matches(q, p)).ToList();
            List<StoredPacket> actual = reader.Query(q).ToList();
            Assert.Equal(expected.Count, actual.Count);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.Equal(expected[i].Timestamp, actual[i].TimestampNanos);
                Assert.True(expected[i].Data.AsSpan().SequenceEqual(actual[i].Data.Span));
            }

            output.WriteLine($"{q}: {actual.Count} packets, identical");
        }

        Assert.Empty(reader.Problems);
    }

    [Fact]
    public void PacketsWithoutAFlowAreFoundByTimeOnly()
    {
        using var dir = new TempDir();
        byte[] arp = new byte[42];
        arp[12] = 0x08;
        arp[13] = 0x06;
        using (PacketStore store = PacketStore.Open(dir.Path, new PacketStoreOptions()))
        {
            TestPacket udp = TestPackets.Udp(1_000, 100, 1, 1000, 2, 53);
            store.Append(udp.Timestamp, udp.OriginalLength, 1, udp.Data, udp.Key, true);
            store.Append(2_000, 42, 1, arp, default, false);
            store.Append(3_000, 42, 1, arp, default, false);
        }

        using PacketStoreReader reader = PacketStoreReader.Open(dir.Path);
        Assert.Equal([2_000L, 3_000L], reader.Query(new PacketQuery { SinceNanos = 1_500 }).Select(p => p.TimestampNanos));
        Assert.Equal(3, reader.Query(new PacketQuery()).Count());
        Assert.Empty(reader.Query(new PacketQuery { Port = 0 }));
        Assert.Single(reader.Query(new PacketQuery { Protocol = 17 }));
        Assert.Equal(2, reader.Segments[0].Flows);
    }

    private static bool Matches(PacketQuery q, TestPacket p) => PacketFilter.KeyMatches(q, p.Key, p.HasKey);
}
