using Assay.Decoding;

namespace Assay.Flows.Tests;

public class FlowTableTests
{
    private const long Second = 1_000_000_000L;
    private static readonly UInt128 s_client = Packets.V4(10, 0, 0, 1);
    private static readonly UInt128 s_server = Packets.V4(10, 0, 0, 2);

    [Fact]
    public void BothDirectionsShareOneFlowAndCountPerSide()
    {
        var table = new FlowTable();
        var sink = new ListSink();
        var syn = Packets.Tcp(s_client, 40000, s_server, 80, TcpFlags.Syn);
        var synAck = Packets.Tcp(s_server, 80, s_client, 40000, TcpFlags.Syn | TcpFlags.Ack);
        var ack = Packets.Tcp(s_client, 40000, s_server, 80, TcpFlags.Ack, payload: 100);
        FlowLookup first = table.Track(in syn, 60, 1 * Second, 1, ref sink);
        FlowLookup second = table.Track(in synAck, 60, 1 * Second, 2, ref sink);
        FlowLookup third = table.Track(in ack, 154, 1 * Second, 3, ref sink);

        Assert.True(first.IsNew);
        Assert.False(second.IsNew);
        Assert.Equal(first.Index, second.Index);
        Assert.True(first.ToServer);
        Assert.False(second.ToServer);
        Assert.True(third.ToServer);
        ref FlowRecord flow = ref table[first.Index];
        Assert.Equal(2UL, flow.PacketsToServer);
        Assert.Equal(1UL, flow.PacketsToClient);
        Assert.Equal(214UL, flow.BytesToServer);
        Assert.Equal(60UL, flow.BytesToClient);
        Assert.Equal(100UL, flow.PayloadBytesToServer);
        Assert.Equal(TcpConnectionState.Established, flow.TcpState);
        Assert.Equal(s_client, flow.ClientAddress);
        Assert.Equal((ushort)80, flow.ServerPort);
    }

    [Fact]
    public void SynAckSeenFirstMakesItsReceiverTheClient()
    {
        var table = new FlowTable();
        var sink = new ListSink();
        var synAck = Packets.Tcp(s_server, 80, s_client, 40000, TcpFlags.Syn | TcpFlags.Ack);
        FlowLookup lookup = table.Track(in synAck, 60, Second, 1, ref sink);
        Assert.False(lookup.ToServer);
        Assert.Equal(s_client, table[lookup.Index].ClientAddress);
        Assert.Equal((ushort)40000, table[lookup.Index].ClientPort);
    }

    [Fact]
    public void FinFromBothSidesEndsAsFinAndRstAsRst()
    {
        var table = new FlowTable();
        var sink = new ListSink();
        table.Track(Packets.Tcp(s_client, 1, s_server, 2, TcpFlags.Syn), 60, Second, 1, ref sink);
        table.Track(Packets.Tcp(s_server, 2, s_client, 1, TcpFlags.Syn | TcpFlags.Ack), 60, Second, 2, ref sink);
        table.Track(Packets.Tcp(s_client, 1, s_server, 2, TcpFlags.Fin | TcpFlags.Ack), 60, Second, 3, ref sink);
        table.Track(Packets.Tcp(s_server, 2, s_client, 1, TcpFlags.Fin | TcpFlags.Ack), 60, Second, 4, ref sink);
        table.Track(Packets.Tcp(s_client, 1, s_server, 2, TcpFlags.Ack), 60, Second, 5, ref sink);
        table.Track(Packets.Tcp(s_client, 3, s_server, 2, TcpFlags.Syn), 60, Second, 6, ref sink);
        table.Track(Packets.Tcp(s_server, 2, s_client, 3, TcpFlags.Rst), 60, Second, 7, ref sink);
        table.Flush(2 * Second, ref sink);

        Assert.Equal(2, sink.Ended.Count);
        FlowRecord fin = sink.Ended.Single(f => f.ClientPort == 1);
        FlowRecord rst = sink.Ended.Single(f => f.ClientPort == 3);
        Assert.Equal(FlowEndReason.Fin, fin.EndReason);
        Assert.Equal(TcpConnectionState.Closed, fin.TcpState);
        Assert.Equal(FlowEndReason.Rst, rst.EndReason);
    }

    [Fact]
    public void IdleFlowTimesOutAndNextPacketStartsANewFlow()
    {
        var table = new FlowTable(new FlowTimeouts { UdpNew = 30 });
        var sink = new ListSink();
        var query = Packets.Udp(s_client, 5000, s_server, 53);
        long first = table.Track(in query, 80, 0, 1, ref sink).Index;
        FlowLookup later = table.Track(in query, 80, 31 * Second, 2, ref sink);

        Assert.True(later.IsNew);
        Assert.Single(sink.Ended);
        Assert.Equal(FlowEndReason.Timeout, sink.Ended[0].EndReason);
        Assert.Equal(1UL, sink.Ended[0].PacketsToServer);
        Assert.NotEqual(sink.Ended[0].FlowId, table[later.Index].FlowId);
        _ = first;
    }

    [Fact]
    public void ExpireSweepsOnlyFlowsPastTheirTimeout()
    {
        var table = new FlowTable(new FlowTimeouts { UdpNew = 30, TcpNew = 60 });
        var sink = new ListSink();
        table.Track(Packets.Udp(s_client, 1, s_server, 53), 80, 0, 1, ref sink);
        table.Track(Packets.Tcp(s_client, 2, s_server, 80, TcpFlags.Syn), 60, 0, 2, ref sink);
        table.Track(Packets.Udp(s_client, 3, s_server, 53), 80, 20 * Second, 3, ref sink);

        Assert.Equal(1, table.Expire(45 * Second, ref sink));
        Assert.Equal((ushort)1, sink.Ended[0].ClientPort);
        Assert.Equal(0, table.Expire(49 * Second, ref sink));
        Assert.Equal(2, table.Expire(61 * Second, ref sink));
        Assert.Equal(0, table.Count);
    }

    [Fact]
    public void FullTableEvictsTheLeastRecentlySeenFlow()
    {
        var table = new FlowTable(maxFlows: 2);
        var sink = new ListSink();
        table.Track(Packets.Udp(s_client, 1, s_server, 53), 80, 1, 1, ref sink);
        table.Track(Packets.Udp(s_client, 2, s_server, 53), 80, 2, 2, ref sink);
        table.Track(Packets.Udp(s_client, 1, s_server, 53), 80, 3, 3, ref sink);
        table.Track(Packets.Udp(s_client, 3, s_server, 53), 80, 4, 4, ref sink);

        Assert.Single(sink.Ended);
        Assert.Equal((ushort)2, sink.Ended[0].ClientPort);
        Assert.Equal(FlowEndReason.Evicted, sink.Ended[0].EndReason);
        Assert.Equal(1, table.FlowsEvicted);
        Assert.Equal(2, table.Count);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(5_000)]
    [InlineData(10_000_000)]
    public void AnExpectedFlowCountSizesTheTableButNeverItsLimits(int expectedFlows)
    {
        // The cap still holds when more flows were expected than allowed, and the table still grows past the estimate.
        var capped = new FlowTable(maxFlows: 2, expectedFlows: expectedFlows);
        var sink = new ListSink();
        for (ushort port = 1; port <= 3; port++)
            capped.Track(Packets.Udp(s_client, port, s_server, 53), 80, port, port, ref sink);
        Assert.Equal(2, capped.Count);
        Assert.Equal(1, capped.FlowsEvicted);

        var table = new FlowTable(expectedFlows: expectedFlows);
        for (int i = 1; i <= 3_000; i++)
            table.Track(Packets.Udp(s_client, (ushort)i, s_server, 53), 80, i, i, ref sink);
        Assert.Equal(3_000, table.Count);
        table.Flush(4_000, ref sink);
        Assert.Equal(1 + 3_000, sink.Ended.Count);
    }

    [Fact]
    public void ClosedFlowReusedBySynStartsANewFlow()
    {
        var table = new FlowTable();
        var sink = new ListSink();
        table.Track(Packets.Tcp(s_client, 1, s_server, 2, TcpFlags.Syn), 60, Second, 1, ref sink);
        table.Track(Packets.Tcp(s_server, 2, s_client, 1, TcpFlags.Rst | TcpFlags.Ack), 60, Second, 2, ref sink);
        FlowLookup again = table.Track(Packets.Tcp(s_client, 1, s_server, 2, TcpFlags.Syn), 60, 2 * Second, 3, ref sink);
        Assert.True(again.IsNew);
        Assert.Single(sink.Ended);
        Assert.Equal(FlowEndReason.Rst, sink.Ended[0].EndReason);
    }

    [Fact]
    public void IcmpEchoRequestAndReplyShareAFlow()
    {
        var table = new FlowTable();
        var sink = new ListSink();
        FlowLookup request = table.Track(Packets.Icmp(s_client, s_server, 8), 98, Second, 1, ref sink);
        FlowLookup reply = table.Track(Packets.Icmp(s_server, s_client, 0), 98, Second, 2, ref sink);
        Assert.Equal(request.Index, reply.Index);
        Assert.False(reply.ToServer);
        Assert.Equal((byte)8, table[request.Index].IcmpType);
    }

    [Fact]
    public void TrackingAllocatesNothingInSteadyState()
    {
        var table = new FlowTable();
        var sink = new ListSink();
        var packets = new DecodedPacket[1000];
        for (int i = 0; i < packets.Length; i++)
            packets[i] = Packets.Tcp(Packets.V4(10, 0, (byte)(i >> 8), (byte)i), (ushort)(1024 + i), s_server, 443, TcpFlags.Ack, 100);
        for (int i = 0; i < packets.Length; i++)
            table.Track(in packets[i], 154, Second, i, ref sink);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int round = 0; round < 100; round++)
        {
            for (int i = 0; i < packets.Length; i++)
                table.Track(in packets[i], 154, Second + round, i, ref sink);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
