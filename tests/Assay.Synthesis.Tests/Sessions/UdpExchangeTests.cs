using System.Net;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Sessions;
using Assay.Synthesis.Tests.Support;

namespace Assay.Synthesis.Tests.Sessions;

public class UdpExchangeTests
{
    private static readonly Host s_client = new("client", IPAddress.Parse("192.168.1.10"), MacAddress.Local(10));
    private static readonly Host s_server = new("dns", IPAddress.Parse("192.168.1.1"), MacAddress.Local(1));

    [Fact]
    public void RequestAndResponseAreOneServerRoundTripApart()
    {
        var u = new UdpExchange(s_client, 40000, s_server, 53, 1_000_000_000, new UdpExchangeOptions { ServerRtt = TimeSpan.FromMilliseconds(5) })
            .Request("query"u8, "answer"u8);
        Assert.Equal(2, u.Packets.Count);
        Assert.Equal(5_000_000, u.Packets[1].TimestampNanos - u.Packets[0].TimestampNanos);
        ParsedFrame q = ParsedFrame.Ethernet(u.Packets[0].Data);
        ParsedFrame a = ParsedFrame.Ethernet(u.Packets[1].Data);
        Assert.Equal((40000, 53), (q.SourcePort, q.DestinationPort));
        Assert.Equal((53, 40000), (a.SourcePort, a.DestinationPort));
        Assert.True(q.TransportChecksumValid && a.TransportChecksumValid);
        Assert.Equal("answer"u8.ToArray(), a.Payload);
    }

    [Fact]
    public void FragmentedDatagramIsFramedAndReassembles()
    {
        byte[] payload = new SeededRandom(3).NextBytes(4000);
        var u = new UdpExchange(s_client, 40000, s_server, 53, 0, new UdpExchangeOptions { Framing = Framing.Vlan(20) })
            .SendFragmented(fromClient: false, payload, 1500);
        Assert.Equal(3, u.Packets.Count);
        var whole = new byte[8 + payload.Length];
        ParsedFrame? first = null;
        foreach (SyntheticPacket packet in u.Packets)
        {
            ParsedFrame p = ParsedFrame.Ethernet(packet.Data);
            Assert.Equal([20], p.VlanIds);
            Assert.True(p.IsFragment);
            Assert.True(p.IPv4ChecksumValid);
            p.IpPayload.CopyTo(whole, p.FragmentOffset);
            if (p.FragmentOffset == 0)
                first = p;
        }

        first!.ParseTransport(s_server.Address.GetAddressBytes(), s_client.Address.GetAddressBytes(), whole);
        Assert.True(first.TransportChecksumValid);
        Assert.Equal(payload, first.Payload);
    }

    [Fact]
    public void PingAnswersEveryRequest()
    {
        List<SyntheticPacket> packets = Exchanges.Ping(s_client, s_server, 0, 3, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(1));
        Assert.Equal(6, packets.Count);
        ParsedFrame request = ParsedFrame.Ethernet(packets[0].Data);
        ParsedFrame reply = ParsedFrame.Ethernet(packets[1].Data);
        Assert.Equal(8, request.IcmpType);
        Assert.Equal(0, reply.IcmpType);
        Assert.Equal(request.Payload, reply.Payload);
        Assert.True(request.TransportChecksumValid && reply.TransportChecksumValid);
    }

    [Fact]
    public void ArpResolveIsBroadcastRequestThenUnicastReply()
    {
        List<SyntheticPacket> packets = Exchanges.ArpResolve(s_client, s_server, 0, TimeSpan.FromMilliseconds(1));
        Assert.Equal(MacAddress.Broadcast.ToArray(), packets[0].Data[..6]);
        Assert.Equal(s_client.Mac.ToArray(), packets[1].Data[..6]);
        Assert.Equal(2, packets[1].Data[21]); // oper = reply
        Assert.Equal(60, packets[0].Data.Length);
    }
}
