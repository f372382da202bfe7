using Assay.Capture;
using Assay.Engine;
using Assay.Output;
using BenchmarkDotNet.Attributes;

namespace Assay.Benchmarks.Engine;

/// <summary>The whole pipeline (read, decode, flows, EVE flow events to a null stream); reported per packet.</summary>
[MemoryDiagnoser]
public class AnalyzerBenchmarks
{
    private string _path = "";

    [Params(1, 2)]
    public int Workers { get; set; }

    [GlobalSetup]
    public void Setup() => _path = BenchData.MixPath;

    [Benchmark(OperationsPerInvoke = BenchData.Packets)]
    public long AnalyzeMix()
    {
        using var sink = new EveSink(Stream.Null);
        using var analyzer = new Analyzer(new AnalysisOptions { Workers = Workers }, sink);
        using IPacketSource source = CaptureFile.Open(_path);
        AnalysisResult result = analyzer.Run(source);
        sink.Complete();
        return result.Decode.Packets;
    }
}
