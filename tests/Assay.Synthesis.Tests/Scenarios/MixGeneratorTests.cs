using System.Diagnostics;
using Assay.Synthesis.Scenarios;
using Assay.Synthesis.Tests.Support;

namespace Assay.Synthesis.Tests.Scenarios;

public class MixGeneratorTests
{
    private static (MixSummary Summary, List<(long TimestampNanos, byte[] Data)> Packets) Generate(int packets, int seed, int flows = MixGenerator.DefaultConcurrentFlows)
    {
        using var stream = new MemoryStream();
        MixSummary summary = MixGenerator.Write(stream, packets, seed, flows);
        (_, bool nanos, List<(long, byte[])> read) = PcapFileReader.Read(stream.ToArray());
        Assert.True(nanos);
        return (summary, read);
    }

    [Fact]
    public void PacketsParseWithValidChecksumsAndConsistentSequences()
    {
        (MixSummary summary, List<(long TimestampNanos, byte[] Data)> packets) = Generate(100_000, 1, 256);
        Assert.Equal(100_000, packets.Count);
        Assert.Equal(100_000, summary.PacketCount);
        Assert.True(summary.TcpFlows > 1000 && summary.UdpFlows > 300);

        // Per direction, the next TCP segment must start where the previous one ended (nothing is lost in the mix).
        var next = new Dictionary<(string, ushort, string, ushort), uint>();
        int v6 = 0;
        long previous = 0;
        foreach ((long time, byte[] data) in packets)
        {
            Assert.True(time >= previous);
            previous = time;
            ParsedFrame f = ParsedFrame.Ethernet(data);
            Assert.True(f.IPv4ChecksumValid);
            Assert.True(f.TransportChecksumValid);
            v6 += f.IpVersion == 6 ? 1 : 0;
            if (f.Protocol != ParsedFrame.ProtoTcp)
                continue;
            var key = (f.Source!.ToString(), f.SourcePort, f.Destination!.ToString(), f.DestinationPort);
            if ((f.TcpFlags & 0x02) != 0)
                Assert.False(next.ContainsKey(key), "one SYN per direction");
            else
                Assert.Equal(next[key], f.Sequence);
            next[key] = f.Sequence + (uint)f.Payload.Length + ((f.TcpFlags & 0x03) != 0 ? 1u : 0u);
        }

        Assert.InRange(v6, 1000, 10_000);
    }

    [Fact]
    public void SameSeedSameBytes()
    {
        static byte[] Run(int seed)
        {
            using var stream = new MemoryStream();
            MixGenerator.Write(stream, 20_000, seed);
            return stream.ToArray();
        }

        Assert.Equal(Run(3), Run(3));
        Assert.NotEqual(Run(3), Run(4));
    }

    [Fact]
    public void AllocationDoesNotGrowWithPacketCount()
    {
        static long Allocated(int packets)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            MixGenerator.Write(Stream.Null, packets, 1);
            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Allocated(1000); // warm up JIT and statics
        long small = Allocated(10_000);
        long large = Allocated(200_000);
        Assert.True(large - small < 4096, $"10k packets: {small} B, 200k packets: {large} B");
    }

    [Fact]
    public void OneMillionPacketsInAFewSeconds()
    {
        MixGenerator.Write(Stream.Null, 10_000, 1);
        var clock = Stopwatch.StartNew();
        MixSummary summary = MixGenerator.Write(Stream.Null, 1_000_000, 7);
        clock.Stop();
        Assert.Equal(1_000_000, summary.PacketCount);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }
}
