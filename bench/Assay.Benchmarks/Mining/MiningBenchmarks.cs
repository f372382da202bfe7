using System.Text;
using Assay.Decoding;
using Assay.Protocols.Mining;
using Assay.Protocols.Mining.Shape;
using BenchmarkDotNet.Attributes;

namespace Assay.Benchmarks.Mining;

/// <summary>The mining hot paths: one JSON text through a session (a share submit and its answer, the steady state of a
/// mining flow; a benign JSON-RPC text), and one packet into the traffic-shape accumulator.</summary>
[MemoryDiagnoser]
public class MiningBenchmarks
{
    private const int Shapes = 1024;

    private readonly byte[] _submit = Encoding.UTF8.GetBytes(
        "{\"id\":7,\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":{\"id\":\"a1b2c3\",\"job_id\":\"8d2f\",\"nonce\":\"a100005a\",\"result\":\"" + new string('e', 64) + "\",\"algo\":\"rx/0\"}}");
    private readonly byte[] _accepted = Encoding.UTF8.GetBytes("{\"id\":7,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":\"OK\"}}");
    private readonly byte[] _benign = Encoding.UTF8.GetBytes(
        "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didChange\",\"params\":{\"textDocument\":{\"uri\":\"file:///src/main.c\",\"version\":12},\"contentChanges\":[{\"text\":\"int main() { return 0; }\"}]}}");
    private readonly MiningSession _session = new();
    private readonly MiningSession _benignSession = new();
    private readonly FlowShape[] _shapes = new FlowShape[Shapes];
    private long _now = 1_700_000_000_000_000_000;

    [GlobalSetup]
    public void Setup()
    {
        AnomalySet anomalies = default;
        byte[] login = Encoding.UTF8.GetBytes("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4ANE6dnmoBgL8o\",\"pass\":\"x\",\"agent\":\"XMRig/6.16.0\",\"algo\":[\"rx/0\"]}}");
        byte[] result = Encoding.UTF8.GetBytes("{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"id\":\"a1b2c3\",\"job\":{\"blob\":\"" + new string('0', 152) + "\",\"job_id\":\"8d2f\",\"target\":\"1be8b401\",\"algo\":\"rx/0\",\"height\":3327845,\"seed_hash\":\"" + new string('1', 64) + "\"},\"status\":\"OK\"}}");
        _session.OnMessage(login, true, _now, 1, ref anomalies);
        _session.OnMessage(result, false, _now, 2, ref anomalies);
    }

    /// <summary>A share submit and the pool's answer (two texts).</summary>
    [Benchmark]
    public bool SubmitAndAccept()
    {
        AnomalySet anomalies = default;
        _now += 1_000_000;
        _session.OnMessage(_submit, true, _now, 3, ref anomalies);
        return _session.OnMessage(_accepted, false, _now, 4, ref anomalies);
    }

    /// <summary>A language-server notification: not mining (what most JSON-RPC on a network is).</summary>
    [Benchmark]
    public bool BenignText()
    {
        AnomalySet anomalies = default;
        return _benignSession.OnMessage(_benign, true, _now, 5, ref anomalies);
    }

    /// <summary>One payload packet into a flow's shape accumulator (per packet of every TLS and unknown flow).</summary>
    [Benchmark(OperationsPerInvoke = Shapes)]
    public int ShapeObserve()
    {
        _now += 37_000_000;
        for (int i = 0; i < _shapes.Length; i++)
            _shapes[i].Observe((i & 1) == 0, 200 + (i & 63), _now + i * 1_000_000L);
        return _shapes[0].ClientMessages;
    }
}
