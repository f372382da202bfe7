using Assay.Decoding.Link;
using Assay.Decoding.Tests.TestSupport;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Decoding.Tests;

/// <summary>Real captures from ../shared/corpus: link types, encapsulations and extension headers other tools wrote.</summary>
public class PacketDecoderCorpusTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("zeek/Traces/http-vlan-0.pcap", LinkTypes.Ethernet, PacketLayers.Vlan | PacketLayers.IPv4 | PacketLayers.Tcp, 1)]
    [InlineData("zeek/Traces/http-qinq-0.pcap", LinkTypes.Ethernet, PacketLayers.Vlan | PacketLayers.IPv4 | PacketLayers.Tcp, 2)]
    [InlineData("zeek/Traces/vlan-qinqinq.pcap", LinkTypes.Ethernet, PacketLayers.Vlan | PacketLayers.IPv4 | PacketLayers.Tcp, 3)]
    [InlineData("zeek/Traces/mpls-in-vlan.pcap", LinkTypes.Ethernet, PacketLayers.Vlan | PacketLayers.IPv4 | PacketLayers.Tcp, 1)]
    [InlineData("zeek/Traces/linux_dlt_sll2.pcap", LinkTypes.LinuxSll2, PacketLayers.None, 0)]
    [InlineData("suricata-verify/tests/decode-sll2-01/input.pcap", LinkTypes.LinuxSll2, PacketLayers.None, 0)]
    [InlineData("zeek/Traces/dns-svcb.pcap", LinkTypes.Null, PacketLayers.Udp, 0)]
    [InlineData("zeek/Traces/dns/ech.pcap", LinkTypes.Raw, PacketLayers.Udp, 0)]
    [InlineData("zeek/Traces/dns/dns_extended_rcode.pcap", LinkTypes.IPv4, PacketLayers.IPv4 | PacketLayers.Udp, 0)]
    [InlineData("zeek/Traces/icmp/icmp6-mldv2.pcap", LinkTypes.IPv6, PacketLayers.IPv6 | PacketLayers.IcmpV6, 0)]
    [InlineData("zeek/Traces/ip6_esp.pcap", LinkTypes.Ethernet, PacketLayers.IPv6, 0)]
    [InlineData("suricata-verify/tests/tcp-empty-sack/tcp-opt.pcap", LinkTypes.Raw, PacketLayers.Tcp, 0)]
    public void EveryPacketDecodesWithTheExpectedLayers(string trace, int linkType, PacketLayers layers, int vlanCount)
    {
        if (Corpus.Root is null)
            return;
        Replay replay = Replay.Of(trace) ?? throw new InvalidOperationException($"{trace} is not classic pcap");

        Assert.Equal(linkType, replay.LinkType);
        Assert.NotEmpty(replay.Items);
        foreach (Replay.Item item in replay.Items)
        {
            Assert.True(item.Ok, $"{trace} #{item.Index}: {Names(item.Anomalies)}");
            Assert.True((item.Packet.Layers & layers) == layers, $"{trace} #{item.Index}: {item.Packet.Layers}");
            Assert.Equal(vlanCount, item.Packet.VlanCount);
        }
    }

    [Fact]
    public void QinQinQKeepsTheOuterTwoIds()
    {
        if (Corpus.Root is null)
            return;
        Replay replay = Replay.Of("zeek/Traces/vlan-qinqinq.pcap")!;

        DecodedPacket first = replay.Items[0].Packet;
        output.WriteLine($"vlan {first.VlanId} / {first.VlanId2}, {first.VlanCount} tags");
        Assert.NotEqual(0, first.VlanId);
        Assert.NotEqual(0, first.VlanId2);
    }

    [Fact]
    public void MixedVlanAndMplsTraceDecodesEveryPacket()
    {
        if (Corpus.Root is null)
            return;
        Replay replay = Replay.Of("zeek/Traces/mixed-vlan-mpls.pcap")!;
        Replay inVlan = Replay.Of("zeek/Traces/mpls-in-vlan.pcap")!;
        Assert.Equal(2, inVlan.Items.Count(item => (item.Packet.Layers & (PacketLayers.Vlan | PacketLayers.Mpls)) == (PacketLayers.Vlan | PacketLayers.Mpls)));

        int mpls = 0, vlan = 0;
        foreach (Replay.Item item in replay.Items)
        {
            Assert.True(item.Ok, Names(item.Anomalies));
            mpls += item.Packet.MplsLabelCount > 0 ? 1 : 0;
            vlan += item.Packet.VlanCount > 0 ? 1 : 0;
        }

        Assert.Equal(11, mpls);                          // EtherType 0x8847 frames in the trace
        Assert.Equal(14, vlan);
    }

    [Fact]
    public void ArpOverLinuxSllIsDecoded()
    {
        if (Corpus.Root is null)
            return;
        Replay replay = Replay.Of("zeek/Traces/linuxsll-arp.pcap")!;

        int arp = 0;
        foreach (Replay.Item item in replay.Items)
        {
            if ((item.Packet.Layers & PacketLayers.Arp) != 0)
            {
                arp++;
                Assert.NotEqual(UInt128.Zero, item.Packet.Source);
            }
        }

        Assert.True(arp > 0);
    }

    [Fact]
    public void RoutingHeaderTypeZeroIsFlagged()
    {
        if (Corpus.Root is null)
            return;
        Replay replay = Replay.Of("zeek/Traces/ipv6-hbh-routing0.pcap")!;

        Replay.Item item = Assert.Single(replay.Items);
        Assert.Contains(Anomaly.IPv6RoutingType0, item.Anomalies);
    }

    [Fact]
    public void ZeroLengthAuthenticationHeaderIsWalked()
    {
        if (Corpus.Root is null)
            return;
        Replay replay = Replay.Of("zeek/Traces/ipv6_zero_len_ah.pcap")!;

        foreach (Replay.Item item in replay.Items)
            Assert.True(item.Ok, Names(item.Anomalies));
    }

    [Fact]
    public void TruncatedTracesAreFlaggedNotThrown()
    {
        if (Corpus.Root is null)
            return;
        foreach (string trace in Directory.GetFiles(Corpus.Path("zeek/Traces/trunc"), "*.pcap"))
        {
            // Its truncation is inside IPv6-in-IPv6 tunnels, which this decoder reports as OtherTransport without entering.
            if (trace.EndsWith("mpls-6in6-6in6-4in6-trunc.pcap", StringComparison.Ordinal))
                continue;
            Replay? replay = Replay.Of(trace);
            if (replay is null)
                continue;
            int flagged = 0;
            foreach (Replay.Item item in replay.Items)
                flagged += item.Anomalies.Length > 0 ? 1 : 0;
            output.WriteLine($"{Path.GetFileName(trace)}: {flagged}/{replay.Items.Count} flagged");
            Assert.True(flagged > 0, trace);
        }
    }

    /// <summary>
    /// Every classic pcap in the corpus (≈2,900 files: 40-odd link types, fuzzed and crafted captures included) through
    /// decoder and defragmenter: nothing throws and no offset points outside its frame (checked inside <see cref="Replay"/>).
    /// </summary>
    [Fact]
    public void WholeCorpusDecodesWithoutThrowing()
    {
        if (Corpus.Root is null)
            return;
        int files = 0, frames = 0, decoded = 0, reassembled = 0;
        var perLinkType = new Dictionary<int, (int Frames, int Decoded)>();
        foreach (string path in Directory.EnumerateFiles(Corpus.Root, "*.pcap", SearchOption.AllDirectories))
        {
            Replay? replay = Replay.Of(path);
            if (replay is null)
                continue;
            files++;
            foreach (Replay.Item item in replay.Items)
            {
                if (item.Reassembled)
                {
                    reassembled++;
                    continue;
                }

                frames++;
                decoded += item.Ok ? 1 : 0;
                (int f, int d) = perLinkType.GetValueOrDefault(replay.LinkType);
                perLinkType[replay.LinkType] = (f + 1, d + (item.Ok ? 1 : 0));
            }
        }

        output.WriteLine($"{files} files, {frames} frames, {decoded} decoded, {reassembled} datagrams reassembled");
        foreach ((int linkType, (int f, int d)) in perLinkType)
            output.WriteLine($"  link type {linkType}: {d}/{f}");
        Assert.True(files > 1000);
        (int ethernetFrames, int ethernetDecoded) = perLinkType[LinkTypes.Ethernet];
        Assert.True(ethernetDecoded > ethernetFrames * 0.95, $"{ethernetDecoded}/{ethernetFrames} Ethernet frames decoded");
    }

    private static string Names(Anomaly[] anomalies)
    {
        var names = new List<string>();
        foreach (Anomaly anomaly in anomalies)
            names.Add(AnomalyNames.Get(anomaly));
        return string.Join(",", names);
    }
}
