using System.Text;
using System.Text.Json;
using Assay.Decoding;
using Assay.Flows;
using Assay.Output;

namespace Assay.Tests.Output;

public class EveFormatterTests
{
    private static UInt128 V4(byte a, byte b, byte c, byte d) => ((UInt128)0xFFFF << 32) | ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    private static List<JsonElement> Write(Action<EveFormatter> write)
    {
        var stream = new MemoryStream();
        using (var sink = new EveSink(stream, leaveOpen: true))
        {
            using (var eve = new EveFormatter(sink))
                write(eve);
            sink.Complete();
        }

        return Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    [Fact]
    public void AFlowEventCarriesSuricatasFields()
    {
        var flow = new FlowRecord
        {
            FlowId = 42,
            ClientAddress = V4(128, 232, 110, 120),
            ServerAddress = V4(66, 35, 250, 204),
            ClientPort = 34855,
            ServerPort = 80,
            Protocol = 6,
            IPVersion = 4,
            FirstTimestamp = 1_000_000_000L,
            LastTimestamp = 3_500_000_000L,
            PacketsToServer = 5,
            PacketsToClient = 4,
            BytesToServer = 500,
            BytesToClient = 4000,
            TcpFlagsToServer = TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Fin,
            TcpFlagsToClient = TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Psh | TcpFlags.Fin,
            TcpState = TcpConnectionState.Closed,
            EndReason = FlowEndReason.Fin,
        };
        JsonElement e = Assert.Single(Write(eve => eve.WriteFlow(in flow)));
        Assert.Equal("flow", e.GetProperty("event_type").GetString());
        Assert.Equal(42, e.GetProperty("flow_id").GetInt64());
        Assert.Equal("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", e.GetProperty("community_id").GetString());
        Assert.Equal("128.232.110.120", e.GetProperty("src_ip").GetString());
        Assert.Equal(80, e.GetProperty("dest_port").GetInt32());
        Assert.Equal("TCP", e.GetProperty("proto").GetString());
        JsonElement f = e.GetProperty("flow");
        Assert.Equal(5, f.GetProperty("pkts_toserver").GetInt32());
        Assert.Equal(4000, f.GetProperty("bytes_toclient").GetInt32());
        Assert.Equal("1970-01-01T00:00:01.000000+0000", f.GetProperty("start").GetString());
        Assert.Equal(2, f.GetProperty("age").GetInt32());
        Assert.Equal("closed", f.GetProperty("state").GetString());
        Assert.Equal("fin", f.GetProperty("reason").GetString());
        JsonElement tcp = e.GetProperty("tcp");
        Assert.Equal("1b", tcp.GetProperty("tcp_flags").GetString());
        Assert.Equal("13", tcp.GetProperty("tcp_flags_ts").GetString());
        Assert.True(tcp.GetProperty("psh").GetBoolean());
        Assert.Equal("closed", tcp.GetProperty("state").GetString());
    }

    [Fact]
    public void AnAnomalyEventNamesTheAnomalyAndThePacket()
    {
        var packet = new DecodedPacket
        {
            Layers = PacketLayers.IPv4 | PacketLayers.Tcp,
            IPVersion = 4,
            Source = V4(10, 0, 0, 1),
            Destination = V4(10, 0, 0, 2),
            Protocol = 6,
            SourcePort = 1234,
            DestinationPort = 80,
        };
        JsonElement e = Assert.Single(Write(eve => eve.WriteAnomaly(7, 99, in packet, 5, Anomaly.TcpHeaderLengthTooSmall, "decode"u8)));
        Assert.Equal(99, e.GetProperty("pcap_cnt").GetInt32());
        Assert.Equal("tcp.hlen_too_small", e.GetProperty("anomaly").GetProperty("event").GetString());
        Assert.Equal("tcp", e.GetProperty("anomaly").GetProperty("layer").GetString());
        Assert.Equal(1234, e.GetProperty("src_port").GetInt32());
    }

    [Fact]
    public void ManyEventsCrossChunksWithoutSplittingALine()
    {
        var flow = new FlowRecord { FlowId = 1, Protocol = 17, IPVersion = 6, ClientAddress = UInt128.MaxValue, ServerAddress = 1, FirstTimestamp = 1, LastTimestamp = 2 };
        var events = Write(eve =>
        {
            for (int i = 0; i < 20_000; i++)
                eve.WriteFlow(in flow);
        });
        Assert.Equal(20_000, events.Count);
        Assert.All(events, e => Assert.Equal("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", e.GetProperty("src_ip").GetString()));
    }
}
