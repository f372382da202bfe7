using Assay.Capture;
using BenchmarkDotNet.Attributes;

namespace Assay.Benchmarks.Capture;

[MemoryDiagnoser]
public class PcapReaderBenchmarks
{
    private string _path = "";

    [GlobalSetup]
    public void Setup() => _path = BenchData.MixPath;

    /// <summary>Reads every packet of the mix from the page cache; reported per packet.</summary>
    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public long ReadMix()
    {
        long bytes = 0;
        using IPacketSource source = CaptureFile.Open(_path);
        while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data) == ReadStatus.Packet)
            bytes += data.Length;
        return bytes;
    }
}
