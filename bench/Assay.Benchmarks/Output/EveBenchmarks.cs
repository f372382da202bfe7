using System.Net;
using Assay.Decoding;
using Assay.Flows;
using Assay.Output;
using Assay.Output.Dns;
using Assay.Protocols.Dns;
using Assay.Synthesis.Payloads;
using BenchmarkDotNet.Attributes;

namespace Assay.Benchmarks.Output;

/// <summary>EVE serialization, the part of the output path measured apart from the packet path: <c>flow</c> events for
/// every flow of the mix, and a DNS response event.</summary>
[MemoryDiagnoser]
public class EveBenchmarks : IDisposable
{
    private FlowRecord[] _flows = [];
    private byte[] _response = [];
    private DnsMessageReader _dns;
    private EveSink? _sink;
    private EveFormatter? _eve;
    private readonly DnsEveWriter _dnsWriter = new();

    [GlobalSetup]
    public void Setup()
    {
        var table = new FlowTable();
        var sink = new CollectingSink { Flows = [] };
        DecodedPacket[] packets = BenchData.Decoded();
        for (int i = 0; i < packets.Length; i++)
        {
            if (packets[i].IsIP)
                table.Track(in packets[i], BenchData.Frames[i].Length, BenchData.Timestamps[i], i + 1, ref sink);
        }

        table.Flush(BenchData.Timestamps[^1], ref sink);
        _flows = [.. sink.Flows];
        _response = DnsMessageBuilder.Response(0x1234, "pool.example.com", DnsType.A,
            [Assay.Synthesis.Payloads.DnsRecord.A("pool.example.com", IPAddress.Parse("192.0.2.10")), Assay.Synthesis.Payloads.DnsRecord.A("pool.example.com", IPAddress.Parse("192.0.2.11"))]);
        AnomalySet anomalies = default;
        if (!DnsParser.TryParse(_response, ref _dns, ref anomalies))
            throw new InvalidOperationException("the benchmark's DNS response does not parse");
        _sink = new EveSink(Stream.Null);
        _eve = new EveFormatter(_sink);
    }

    [GlobalCleanup]
    public void Dispose()
    {
        _eve?.Dispose();
        _sink?.Complete();
        _sink?.Dispose();
        GC.SuppressFinalize(this);
    }

    /// <summary>One <c>flow</c> event per flow of the mix; reported per event.</summary>
    [Benchmark(OperationsPerInvoke = 1024)]
    public long FlowEvents()
    {
        for (int i = 0; i < 1024; i++)
            _eve!.WriteFlow(in _flows[i % _flows.Length]);
        return _eve!.EventsWritten;
    }

    /// <summary>A DNS response with two answers, on a flow whose Community ID is already known.</summary>
    [Benchmark(OperationsPerInvoke = 1024)]
    public long DnsResponseEvents()
    {
        for (int i = 0; i < 1024; i++)
            _dnsWriter.Write(_eve!, in _flows[0], BenchData.Timestamps[0], i + 1, toServer: false, i, in _dns, _response);
        return _eve!.EventsWritten;
    }

    private struct CollectingSink : IFlowSink
    {
        public List<FlowRecord> Flows;

        public void OnFlowEnd(ref FlowRecord flow) => Flows.Add(flow);
    }
}
