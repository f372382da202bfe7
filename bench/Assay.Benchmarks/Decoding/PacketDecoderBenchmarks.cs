using Assay.Decoding;
using BenchmarkDotNet.Attributes;

namespace Assay.Benchmarks.Decoding;

[MemoryDiagnoser]
public class PacketDecoderBenchmarks
{
    private byte[][] _frames = [];
    private int _linkType;

    [GlobalSetup]
    public void Setup()
    {
        _frames = BenchData.Frames;
        _linkType = BenchData.LinkType;
    }

    /// <summary>Decodes every frame of the mix once; reported per packet.</summary>
    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public int DecodeMix()
    {
        DecodedPacket packet = default;
        AnomalySet anomalies = default;
        int ok = 0;
        foreach (byte[] frame in _frames)
        {
            anomalies.Clear();
            if (PacketDecoder.TryDecode(_linkType, frame, ref packet, ref anomalies))
                ok++;
        }

        return ok;
    }
}
