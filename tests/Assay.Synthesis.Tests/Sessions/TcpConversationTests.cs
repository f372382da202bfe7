using System.Net;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Sessions;
using Assay.Synthesis.Tests.Support;

namespace Assay.Synthesis.Tests.Sessions;

public class TcpConversationTests
{
    private const byte Fin = 0x01;
    private const byte Syn = 0x02;
    private const byte Rst = 0x04;
    private const byte Ack = 0x10;

    private static readonly Host s_client = new("client", IPAddress.Parse("192.168.1.10"), MacAddress.Local(10));
    private static readonly Host s_server = new("server", IPAddress.Parse("198.51.100.7"), MacAddress.Local(1), 52);
    private static readonly long s_start = SynthTime.ToUnixNanos(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));

    private static byte[] Data(int length, int seed)
    {
        byte[] data = new byte[length];
        new SeededRandom(seed).NextBytes(data);
        return data;
    }

    /// <summary>Everything a sensor could check about a direction: checksums, sequence continuity, ACKs, and the reassembled bytes.</summary>
    private static (byte[] ClientBytes, byte[] ServerBytes, List<ParsedFrame> Frames) Verify(TcpConversation conversation)
    {
        var frames = new List<ParsedFrame>();
        long previous = long.MinValue;
        foreach (SyntheticPacket packet in conversation.Packets)
        {
            Assert.True(packet.TimestampNanos >= previous, "packets are in time order");
            previous = packet.TimestampNanos;
            ParsedFrame p = ParsedFrame.Ethernet(packet.Data);
            Assert.Equal(ParsedFrame.ProtoTcp, p.Protocol);
            Assert.True(p.IpVersion != 4 || p.IPv4ChecksumValid);
            Assert.True(p.TransportChecksumValid);
            frames.Add(p);
        }

        uint clientIsn = conversation.ClientInitialSequence;
        uint serverIsn = conversation.ServerInitialSequence;
        byte[] clientBytes = Collect(frames, fromClient: true, clientIsn, conversation.ClientPort);
        byte[] serverBytes = Collect(frames, fromClient: false, serverIsn, conversation.ClientPort);

        // ACKs from each side never acknowledge bytes the other side has not sent, and never go backwards.
        foreach (bool fromClient in (bool[])[true, false])
        {
            uint peerIsn = fromClient ? serverIsn : clientIsn;
            uint limit = (uint)(fromClient ? serverBytes.Length : clientBytes.Length) + 2; // SYN and FIN each take one
            uint last = 0;
            foreach (ParsedFrame p in frames)
            {
                if ((p.SourcePort == conversation.ClientPort) != fromClient || !p.HasFlag(Ack))
                    continue;
                uint relative = p.Acknowledgment - peerIsn;
                Assert.True(relative <= limit, $"ack {relative} beyond {limit}");
                Assert.True(relative >= last, "acks are monotonic");
                last = relative;
            }
        }

        return (clientBytes, serverBytes, frames);
    }

    private static byte[] Collect(List<ParsedFrame> frames, bool fromClient, uint isn, ushort clientPort)
    {
        var bytes = new SortedDictionary<uint, byte[]>();
        foreach (ParsedFrame p in frames)
        {
            if ((p.SourcePort == clientPort) != fromClient || p.Payload.Length == 0)
                continue;
            uint relative = p.Sequence - isn - 1;
            if (bytes.TryGetValue(relative, out byte[]? existing))
                Assert.Equal(existing, p.Payload); // a retransmission carries the same bytes
            bytes[relative] = p.Payload;
        }

        var stream = new List<byte>();
        foreach ((uint offset, byte[] payload) in bytes)
        {
            Assert.Equal((uint)stream.Count, offset);
            stream.AddRange(payload);
        }

        return [.. stream];
    }

    [Fact]
    public void HandshakeCarriesLinuxOptionsAndConsistentNumbers()
    {
        var c = new TcpConversation(s_client, 51000, s_server, 443, s_start).Handshake();
        (_, _, List<ParsedFrame> f) = Verify(c);
        Assert.Equal(3, f.Count);
        Assert.Equal(Syn, f[0].TcpFlags);
        Assert.Equal(Syn | Ack, f[1].TcpFlags);
        Assert.Equal(Ack, f[2].TcpFlags);
        Assert.Equal(f[0].Sequence + 1, f[1].Acknowledgment);
        Assert.Equal(f[1].Sequence + 1, f[2].Acknowledgment);
        Assert.Equal(f[0].Sequence + 1, f[2].Sequence);
        Assert.Equal([2, 4, 5, 180, 4, 2, 8, 10], f[0].TcpOptions[..8]); // MSS 1460, SACK-permitted, timestamps…
        Assert.Equal([1, 3, 3, 7], f[0].TcpOptions[^4..]);               // …NOP, window scale 7
        Assert.Equal(52, f[1].Ttl);
        Assert.Equal(SynthTime.ToNanos(TimeSpan.FromMilliseconds(30)), c.Packets[1].TimestampNanos - c.Packets[0].TimestampNanos);
    }

    [Fact]
    public void DataIsSplitAtTheMssAndReassemblesInBothDirections()
    {
        byte[] request = Data(700, 1);
        byte[] response = Data(100_000, 2);
        var c = new TcpConversation(s_client, 51000, s_server, 443, s_start).Handshake().Exchange(request, response).Close();
        (byte[] up, byte[] down, List<ParsedFrame> f) = Verify(c);
        Assert.Equal(request, up);
        Assert.Equal(response, down);
        Assert.All(f, p => Assert.True(p.Payload.Length <= 1448, "MSS 1460 minus 12 bytes of timestamps"));
        Assert.Contains(f, p => p.Payload.Length == 1448);
        Assert.Equal(Fin | Ack, f[^3].TcpFlags);
        Assert.Equal(Fin | Ack, f[^2].TcpFlags);
        Assert.Equal(Ack, f[^1].TcpFlags);
        Assert.True(c.IsClosed);
    }

    [Fact]
    public void WindowsStackHasNoTimestampsAndFullSizedSegments()
    {
        var options = new TcpConversationOptions { ClientStack = TcpStack.Windows };
        var c = new TcpConversation(s_client with { Ttl = 128 }, 51000, s_server, 80, s_start, options).Handshake().ServerSends(Data(5000, 3)).Close();
        (_, byte[] down, List<ParsedFrame> f) = Verify(c);
        Assert.Equal(5000, down.Length);
        Assert.Equal([2, 4, 5, 180, 1, 3, 3, 7, 1, 1, 4, 2], f[0].TcpOptions);
        Assert.DoesNotContain(f[1].TcpOptions.AsSpan().ToArray(), b => b == 8);
        Assert.Contains(f, p => p.Payload.Length == 1460);
    }

    [Fact]
    public void DelayedAcksHalveThePureAcks()
    {
        int PureAcks(bool delayed)
        {
            var c = new TcpConversation(s_client, 51000, s_server, 443, s_start, new TcpConversationOptions { DelayedAck = delayed })
                .Handshake().ServerSends(Data(40 * 1448, 4)).Wait(TimeSpan.FromSeconds(1));
            (_, _, List<ParsedFrame> f) = Verify(c);
            return f.Count(p => p.TcpFlags == Ack && p.Payload.Length == 0 && p.SourcePort == 51000) - 1; // minus the handshake ACK
        }

        Assert.Equal(40, PureAcks(false));
        Assert.Equal(20, PureAcks(true));
    }

    [Theory]
    [InlineData(0.1, 0, 0)]
    [InlineData(0, 0.1, 0)]
    [InlineData(0, 0, 0.2)]
    [InlineData(0.05, 0.05, 0.1)]
    public void LossRetransmissionAndReorderingStillReassemble(double loss, double retransmission, double reorder)
    {
        var options = new TcpConversationOptions { LossRate = loss, RetransmissionRate = retransmission, ReorderRate = reorder, Seed = 42 };
        byte[] response = Data(300_000, 5);
        var c = new TcpConversation(s_client, 51000, s_server, 443, s_start, options).Handshake().Exchange(Data(300, 6), response).Close();
        (_, byte[] down, List<ParsedFrame> f) = Verify(c);
        Assert.Equal(response, down);

        int dataSegments = f.Count(p => p.SourcePort == 443 && p.Payload.Length > 0);
        int needed = (response.Length + 1447) / 1448;
        if (retransmission > 0)
            Assert.True(dataSegments > needed, "retransmissions are seen twice");
        if (loss > 0 && retransmission == 0)
            Assert.Equal(needed, dataSegments);
        if (reorder > 0)
        {
            bool outOfOrder = false;
            uint highest = 0;
            foreach (ParsedFrame p in f)
            {
                if (p.SourcePort != 443 || p.Payload.Length == 0)
                    continue;
                uint rel = p.Sequence - c.ServerInitialSequence;
                outOfOrder |= rel < highest;
                highest = Math.Max(highest, rel);
            }

            Assert.True(outOfOrder);
        }
    }

    [Fact]
    public void ResetEndsTheConnectionWithRstAck()
    {
        var c = new TcpConversation(s_client, 51000, s_server, 443, s_start).Handshake().ClientSends(Data(10, 7)).Reset(fromClient: false);
        (_, _, List<ParsedFrame> f) = Verify(c);
        Assert.Equal(Rst | Ack, f[^1].TcpFlags);
        Assert.Equal(443, f[^1].SourcePort);
        Assert.Throws<InvalidOperationException>(() => c.ClientSends(Data(1, 1)));
    }

    [Fact]
    public void RefusedIsSynThenRstAck()
    {
        var c = new TcpConversation(s_client, 51000, s_server, 23, s_start).Refused();
        (_, _, List<ParsedFrame> f) = Verify(c);
        Assert.Equal(2, f.Count);
        Assert.Equal(Rst | Ack, f[1].TcpFlags);
        Assert.Equal(f[0].Sequence + 1, f[1].Acknowledgment);
    }

    [Fact]
    public void IPv6ConversationsWork()
    {
        var client = new Host("c6", IPAddress.Parse("2001:db8:10::104"), MacAddress.Local(104));
        var server = new Host("s6", IPAddress.Parse("2001:db8:ffff::10"), MacAddress.Local(1), 55);
        var c = new TcpConversation(client, 40000, server, 443, s_start).Handshake().Exchange(Data(500, 8), Data(9000, 9)).Close();
        (_, byte[] down, List<ParsedFrame> f) = Verify(c);
        Assert.Equal(9000, down.Length);
        Assert.All(f, p => Assert.Equal(6, p.IpVersion));
    }

    [Fact]
    public void LeftOpenConversationsEndWithoutFinOrRst()
    {
        var c = new TcpConversation(s_client, 51000, s_server, 3333, s_start).Handshake();
        for (int i = 0; i < 5; i++)
            c.ServerSends(Data(200, i)).ClientSends(Data(100, i + 10)).Wait(TimeSpan.FromSeconds(30));
        (byte[] up, byte[] down, List<ParsedFrame> f) = Verify(c);
        Assert.Equal(500, up.Length);
        Assert.Equal(1000, down.Length);
        Assert.All(f, p => Assert.Equal(0, p.TcpFlags & (Fin | Rst)));
        Assert.True(c.Now - s_start >= SynthTime.ToNanos(TimeSpan.FromSeconds(150)));
    }

    [Fact]
    public void SameSeedGivesTheSamePackets()
    {
        byte[] Run() => [.. new TcpConversation(s_client, 1, s_server, 2, s_start, new TcpConversationOptions { Seed = 9, LossRate = 0.1 })
            .Handshake().ServerSends(Data(50_000, 1)).Close().Packets.SelectMany(p => p.Data)];
        Assert.Equal(Run(), Run());
    }
}
