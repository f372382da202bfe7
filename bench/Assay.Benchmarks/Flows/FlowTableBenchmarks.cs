using Assay.Decoding;
using Assay.Flows;
using BenchmarkDotNet.Attributes;

namespace Assay.Benchmarks.Flows;

[MemoryDiagnoser]
public class FlowTableBenchmarks
{
    private DecodedPacket[] _packets = [];
    private long[] _timestamps = [];
    private byte[][] _frames = [];

    [GlobalSetup]
    public void Setup()
    {
        _packets = BenchData.Decoded();
        _timestamps = BenchData.Timestamps;
        _frames = BenchData.Frames;
    }

    /// <summary>Tracks every packet of the mix in a fresh table (flows created, updated, ended); reported per packet.</summary>
    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public int TrackMix()
    {
        var table = new FlowTable();
        var sink = new CountingSink();
        for (int i = 0; i < _packets.Length; i++)
        {
            if (_packets[i].IsIP)
                table.Track(in _packets[i], _frames[i].Length, _timestamps[i], i + 1, ref sink);
        }

        table.Flush(_timestamps[^1], ref sink);
        return sink.Ended;
    }

    private struct CountingSink : IFlowSink
    {
        public int Ended;

        public void OnFlowEnd(ref FlowRecord flow) => Ended++;
    }
}
