using System.Diagnostics;
using Assay.Capture;
using Assay.Live;
using Xunit.Abstractions;

namespace Assay.Tests.Live;

/// <summary><see cref="BpfFilter"/> selects exactly the packets tcpdump selects with the same expression, on real captures.</summary>
public sealed class BpfFilterTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("assay-bpf-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly string[] s_captures =
    [
        "lab/devlab-incident-phpunit.pcap",
        "lab/devlab-benign-jsonlines.pcap",
        "tcpdump/tests/afs.pcap",
        "tcpdump/tests/pim-packet-assortment.pcap",
    ];

    private static readonly string[] s_filters =
    [
        "tcp",
        "udp",
        "icmp or icmp6",
        "ip6",
        "port 53",
        "tcp port 80 or tcp port 443",
        "not tcp",
        "net 10.0.0.0/8 or net 172.16.0.0/12",
        "net 192.168.0.0/16 and not port 22",
        "(tcp and (port 80 or port 8080)) or (udp and not port 53)",
        "greater 200",
        "less 100 and ip",
        "tcp[tcpflags] & tcp-syn != 0",
        "ip proto 17 and not (src net 10.0.0.0/8)",
        "host HOST",
        "src HOST and not dst port 80",
    ];

    [Fact]
    public void SelectsTheSamePacketsAsTcpdump()
    {
        if (Corpus.Root is null || !File.Exists("/usr/bin/tcpdump") && !File.Exists("/usr/sbin/tcpdump"))
        {
            output.WriteLine("skipped: no corpus or no tcpdump");
            return;
        }

        int comparisons = 0;
        long packetsChecked = 0, selected = 0;
        foreach (string relative in s_captures)
        {
            string path = Corpus.Path(relative);
            List<(PacketHeader Header, byte[] Data)> packets = Read(path);
            string host = FirstIPv4Source(packets) ?? "10.0.0.1";
            foreach (string template in s_filters)
            {
                string expression = template.Replace("HOST", host, StringComparison.Ordinal);
                string selectedFile = Path.Combine(_dir, "selected.pcap");
                Tcpdump(path, selectedFile, expression);
                List<(PacketHeader Header, byte[] Data)> expected = Read(selectedFile);

                using var filter = BpfFilter.Compile(expression, packets.Count == 0 ? 1 : packets[0].Header.LinkType);
                var actual = new List<(PacketHeader Header, byte[] Data)>();
                foreach ((PacketHeader header, byte[] data) in packets)
                {
                    if (filter.Matches(data, header.OriginalLength))
                        actual.Add((header, data));
                }

                Assert.True(expected.Count == actual.Count, $"{relative} '{expression}': tcpdump selected {expected.Count}, BpfFilter {actual.Count}");
                for (int i = 0; i < expected.Count; i++)
                {
                    Assert.Equal(expected[i].Header.TimestampNanos, actual[i].Header.TimestampNanos);
                    Assert.Equal(expected[i].Header.OriginalLength, actual[i].Header.OriginalLength);
                    // tcpdump may write a huge (GSO) packet cut to 64 KiB: compare what it kept.
                    Assert.True(actual[i].Data.AsSpan().StartsWith(expected[i].Data), $"{relative} '{expression}': packet {i} differs");
                }

                comparisons++;
                packetsChecked += packets.Count;
                selected += actual.Count;
            }
        }

        output.WriteLine($"{comparisons} capture × filter pairs, {packetsChecked:N0} packet decisions, {selected:N0} selected: identical to tcpdump");
        Assert.True(selected > 0);
    }

    [Theory]
    [InlineData("port and")]
    [InlineData("host 999.1.1.1")]
    [InlineData("(tcp")]
    [InlineData("frobnicate")]
    public void ABadExpressionIsOneClearException(string expression)
    {
        var e = Assert.Throws<BpfFilterException>(() => BpfFilter.Compile(expression, (int)LinkType.Ethernet));
        Assert.Contains(expression, e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', e.Message);
        output.WriteLine(e.Message);
    }

    [Fact]
    public void RawIPLinkTypeCompilesAndMatches()
    {
        // LINKTYPE_RAW (101) is DLT_RAW (12) to libpcap: an IPv4 UDP packet to port 53, no link-layer header.
        byte[] packet =
        [
            0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
            0x30, 0x39, 0, 53, 0, 8, 0, 0,
        ];
        using var dns = BpfFilter.Compile("udp dst port 53 and src host 10.0.0.1", (int)LinkType.Raw);
        using var tcp = BpfFilter.Compile("tcp", (int)LinkType.Raw);
        Assert.True(dns.Matches(packet, packet.Length));
        Assert.False(tcp.Matches(packet, packet.Length));
        using var big = BpfFilter.Compile("greater 1000", (int)LinkType.Raw);
        Assert.False(big.Matches(packet, packet.Length));
        Assert.True(big.Matches(packet, 1500));   // the wire length, not the captured bytes
    }

    private static List<(PacketHeader Header, byte[] Data)> Read(string path)
    {
        var list = new List<(PacketHeader, byte[])>();
        using IPacketSource source = CaptureFile.Open(path);
        while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data) == ReadStatus.Packet)
            list.Add((header, data.ToArray()));
        return list;
    }

    private static string? FirstIPv4Source(List<(PacketHeader Header, byte[] Data)> packets)
    {
        foreach ((PacketHeader header, byte[] data) in packets)
        {
            if (header.LinkType == (int)LinkType.Ethernet && data.Length >= 34 && data[12] == 0x08 && data[13] == 0x00)
                return $"{data[26]}.{data[27]}.{data[28]}.{data[29]}";
        }

        return null;
    }

    private static void Tcpdump(string input, string selected, string expression)
    {
        var start = new ProcessStartInfo("tcpdump") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in (string[])["-r", input, "-w", selected, expression])
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"tcpdump '{expression}' failed: {stderr}");
    }
}
