using System.Text.RegularExpressions;
using Assay.Decoding.Tests.TestSupport;
using Assay.Tests;

namespace Assay.Decoding.Tests.Network;

/// <summary>Reassembly checked against other tools: Suricata's alerted packet bytes and Zeek's logged UDP lengths.</summary>
public partial class DefragmenterCorpusTests
{
    /// <summary>suricata-verify bug-6887: the reassembled packet Suricata alerts on is in test.yaml, base64, link header included.</summary>
    [Theory]
    [InlineData("suricata-verify/tests/defrag/bug-6887-defrag-ipv4-tcp-syn", "frag-ip-tcp-syn.pcap", 0)]
    [InlineData("suricata-verify/tests/defrag/bug-6887-defrag-ipv6-tcp", "frag-ip-tcp.pcap", 0)]
    [InlineData("suricata-verify/tests/defrag/bug-6887-defrag-eth-vlan-ipv4-tcp-syn", "frag-eth-vlan-ip-tcp-syn.pcap", 18)]
    [InlineData("suricata-verify/tests/defrag/bug-6887-defrag-eth-vlan-ipv6-tcp", "frag-eth-vlan-ipv6-tcp.pcap", 18)]
    public void ReassemblyMatchesSuricataByteForByte(string test, string pcap, int linkHeaderLength)
    {
        if (Corpus.Root is null)
            return;
        Match packet = PacketLine().Match(File.ReadAllText(Corpus.Path(Path.Combine(test, "test.yaml"))));
        byte[] expected = Convert.FromBase64String(packet.Groups[1].Value)[linkHeaderLength..];

        Replay replay = Replay.Of(Path.Combine(test, pcap))!;

        Replay.Item whole = Assert.Single(replay.Items, item => item.Reassembled);
        Assert.Equal(expected, whole.Bytes);
        Assert.True(whole.Ok);
        Assert.True((whole.Packet.Layers & PacketLayers.Tcp) != 0);
        Assert.Empty(whole.Anomalies);
    }

    /// <summary>Zeek core.ipv6-frag: five DNS datagrams, the last one (3,238 bytes of UDP) in fragments.</summary>
    [Fact]
    public void IPv6FragmentedDnsMatchesZeek()
    {
        if (Corpus.Root is null)
            return;
        Replay replay = Replay.Of("zeek/Traces/ipv6-fragmented-dns.pcap")!;

        var udpLengths = new List<int>();
        foreach (Replay.Item item in replay.Whole)
        {
            if ((item.Packet.Layers & PacketLayers.Udp) != 0)
                udpLengths.Add(item.Packet.PayloadLength + 8);
        }

        Assert.Equal([81, 331, 82, 82, 3238], udpLengths);
        Assert.Equal(1, replay.Defragmenter.DatagramsReassembled);
    }

    /// <summary>Zeek core.reassembly traces: overlapping, inconsistent and DF-flagged fragments; never thrown, overlaps named.</summary>
    [Fact]
    public void ZeekFragmentTracesAreHandled()
    {
        if (Corpus.Root is null)
            return;
        Replay two = Replay.Of("zeek/Traces/ipv4/fragmented-2.pcap")!;
        Replay three = Replay.Of("zeek/Traces/ipv4/fragmented-3.pcap")!;
        Replay syn = Replay.Of("zeek/Traces/ipv4/fragmented-syn.pcap")!;

        Assert.True(two.AnomalyCounts.ContainsKey(Anomaly.FragmentOverlap));    // Zeek: fragment_overlap
        Assert.Equal(5, three.Defragmenter.FragmentsReceived);                   // Zeek: five fragment_with_DF ...
        Assert.Equal(0, three.Defragmenter.DatagramsReassembled);                // ... all with MF set: never complete
        Assert.Contains(syn.Whole, item => item.Reassembled && (item.Packet.TcpFlags & TcpFlags.Syn) != 0);
    }

    [GeneratedRegex("packet: \"([A-Za-z0-9+/=]+)\"")]
    private static partial Regex PacketLine();
}
