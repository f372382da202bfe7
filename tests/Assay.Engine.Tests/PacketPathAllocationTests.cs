using Assay.Capture;
using Assay.Decoding;
using Assay.Flows;
using Assay.Synthesis.Scenarios;
using Xunit.Abstractions;

namespace Assay.Tests.Engine;

/// <summary>
/// Classes with zero-allocation assertions run alone, after the others, and collect before measuring: a GC in the
/// measured loop, set off by garbage of tests running beside, once made the steady state below count 7,656 bytes in CI
/// (the unused rest of the thread's allocation context, retired by that GC).
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation";
}

[Collection(AllocationCollection.Name)]
public sealed class PacketPathAllocationTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("assay-alloc-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void DecodingAndFlowTrackingAllocateNothingPerPacketInSteadyState()
    {
        string path = Path.Combine(_dir, "mix.pcap");
        MixGenerator.Write(path, 300_000, seed: 1);
        var table = new FlowTable();
        var sink = new NullSink();
        DecodedPacket packet = default;
        AnomalySet anomalies = default;
        long packets = 0;

        long before = 0;
        void Pass(bool measure)
        {
            using IPacketSource source = CaptureFile.Open(path);
            while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> frame) == ReadStatus.Packet)
            {
                anomalies.Clear();
                if (PacketDecoder.TryDecode(header.LinkType, frame, ref packet, ref anomalies) && packet.IsIP && !packet.IsFragment)
                    table.Track(in packet, frame.Length, header.TimestampNanos, ++packets, ref sink);
                if (measure && before == 0)
                    before = GC.GetAllocatedBytesForCurrentThread();   // the file is open and its buffer filled: from here on, per packet only
            }
        }

        Pass(measure: false);   // warm-up: JIT, table and dictionary growth
        Allocations.Settle();
        long countBefore = packets;
        Pass(measure: true);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        long measured = packets - countBefore;
        output.WriteLine($"{measured:N0} packets read, decoded and tracked: {allocated:N0} bytes allocated ({(double)allocated / measured:F4} B/packet)");
        Assert.Equal(0, allocated);
    }

    private struct NullSink : IFlowSink
    {
        public readonly void OnFlowEnd(ref FlowRecord flow)
        {
        }
    }
}
