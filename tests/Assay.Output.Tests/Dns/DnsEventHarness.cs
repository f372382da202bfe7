using System.Text;
using System.Text.Json;
using Assay.Decoding;
using Assay.Flows;
using Assay.Output;
using Assay.Output.Dns;
using Assay.Protocols.Dns;

namespace Assay.Tests.Output.Dns;

/// <summary>Writes DNS events through a real <see cref="EveFormatter"/> and reads them back as JSON.</summary>
internal static class DnsEventHarness
{
    public static UInt128 V4(byte a, byte b, byte c, byte d) => ((UInt128)0xFFFF << 32) | ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    public static FlowRecord UdpFlow() => new()
    {
        FlowId = 77,
        ClientAddress = V4(10, 16, 1, 11),
        ServerAddress = V4(8, 8, 8, 8),
        ClientPort = 54888,
        ServerPort = 53,
        Protocol = 17,
        IPVersion = 4,
    };

    public static List<JsonElement> WriteEvents(Action<EveFormatter, DnsEveWriter> write)
    {
        var stream = new MemoryStream();
        using (var sink = new EveSink(stream, leaveOpen: true))
        {
            using (var eve = new EveFormatter(sink))
                write(eve, new DnsEveWriter());
            sink.Complete();
        }

        var events = new List<JsonElement>();
        foreach (string line in Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries))
            events.Add(JsonDocument.Parse(line).RootElement.Clone());
        return events;
    }

    /// <summary>Parses <paramref name="message"/> and writes its event; returns the event.</summary>
    public static JsonElement Event(byte[] message, bool toServer = true, long txId = 0, long packetNumber = 1)
    {
        var reader = new DnsMessageReader();
        AnomalySet anomalies = default;
        Assert.True(DnsParser.TryParse(message, ref reader, ref anomalies));
        FlowRecord flow = UdpFlow();
        return Assert.Single(WriteEvents((eve, dns) => dns.Write(eve, in flow, 1_500_000_000_000_000_000L, packetNumber, toServer, txId, in reader, message)));
    }
}
