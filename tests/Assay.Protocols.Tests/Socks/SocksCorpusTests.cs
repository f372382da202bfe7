using System.Text;
using Assay.Decoding.Network;
using Assay.Protocols.Socks;
using Assay.Protocols.Tests.TestSupport;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Socks;

/// <summary>Real SOCKS captures: the lab's XMRig through a SOCKS5 proxy (lab/MANIFEST.md), then Zeek's, Arkime's and nDPI's SOCKS pcaps.</summary>
public class SocksCorpusTests(ITestOutputHelper output)
{
    private sealed record Session(string Name, SocksRun Run, byte[] Client, byte[] Server);

    /// <summary>Every connection whose client stream <see cref="SocksHandshake.LooksLikeSocks"/> (its first 1,500 bytes, about a segment).</summary>
    private static List<Session> Run(string path, out int connections)
    {
        var sessions = new List<Session>();
        connections = 0;
        Dictionary<string, TcpStreams.Connection>? all = TcpStreams.Read(path);
        if (all is null)
            return sessions;
        foreach ((string key, TcpStreams.Connection connection) in all)
        {
            connections++;
            TcpStreams.Direction client = connection.Second.SentSyn && !connection.First.SentSyn ? connection.Second : connection.First;
            TcpStreams.Direction server = client == connection.First ? connection.Second : connection.First;
            byte[] clientStream = client.Stream(), serverStream = server.Stream();
            if (!SocksHandshake.LooksLikeSocks(clientStream.AsSpan(0, Math.Min(clientStream.Length, 1500))))
                continue;
            sessions.Add(new Session(key, SocksRun.Streams(clientStream, serverStream), clientStream, serverStream));
        }

        return sessions;
    }

    [Fact]
    public void XmrigThroughSocks5MatchesTheManifest()
    {
        if (Corpus.Root is null)
            return;
        Session session = Assert.Single(Run(Corpus.Path("lab/devlab-xmrig-socks5.pcap"), out _));
        SocksHandshake h = session.Run.Handshake;
        output.WriteLine($"{session.Name}: {session.Run.Describe()[..200]}");
        Assert.Equal(SocksState.Tunnel, h.State);
        Assert.Equal(5, h.Version);
        Assert.Equal(SocksHandshake.CommandConnect, h.Command);
        Assert.Equal("rx.devpool.test", h.TargetHost);
        Assert.Equal(10128, h.TargetPort);
        Assert.Equal(0, h.ReplyCode);
        Assert.Equal(IPv4Header.ToMapped(0x0A4D0309), h.BoundAddress);
        Assert.Equal(53216, h.BoundPort);
        Assert.False(h.UsedAuthentication);
        Assert.Empty(session.Run.Anomalies);

        // MANIFEST: 4286 bytes miner->pool, 2764 bytes pool->miner of stratum payload; 16 shares submitted, login first.
        string up = Encoding.UTF8.GetString([.. session.Run.ClientTunnel]);
        string down = Encoding.UTF8.GetString([.. session.Run.ServerTunnel]);
        output.WriteLine($"tunnel: {up.Length} bytes up, {down.Length} bytes down; handshake {session.Run.Consumed[0]}/{session.Run.Consumed[1]} bytes");
        Assert.Equal(4286, session.Run.ClientTunnel.Count);
        Assert.Equal(2764, session.Run.ServerTunnel.Count);
        Assert.StartsWith("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\"", up, StringComparison.Ordinal);
        Assert.Equal(16, up.Split("\"method\":\"submit\"").Length - 1);
        Assert.Contains("48TFz29GAKm2gw2K67n5CTiMLm8WqoPFq7hN3GcqpHzdc1xnkfCfE366c3AfzckMtAJ3TSQoR3efo3tzjDjgeW2j2r1wHua", up, StringComparison.Ordinal);

        // The first 200 bytes of each direction at every split position, and one byte per segment.
        string reference = session.Run.Describe();
        for (int cut = 0; cut <= 200; cut++)
        {
            var run = new SocksRun();
            run.Segment(true, session.Client.AsSpan(0, Math.Min(cut, 3)));
            run.Segment(true, session.Client.AsSpan(Math.Min(cut, 3), 3 - Math.Min(cut, 3)));
            run.Segment(false, session.Server.AsSpan(0, Math.Min(cut, 2)));
            run.Segment(false, session.Server.AsSpan(Math.Min(cut, 2), 2 - Math.Min(cut, 2)));
            int c = Math.Clamp(cut, 3, session.Client.Length);
            run.Segment(true, session.Client.AsSpan(3, c - 3));
            run.Segment(true, session.Client.AsSpan(c));
            run.Segment(false, session.Server.AsSpan(2));
            Assert.Equal(reference, run.Describe());
        }

        var oneByte = new SocksRun();
        foreach (byte b in session.Client.AsSpan(0, 25))
            oneByte.Segment(true, [b]);
        foreach (byte b in session.Server)
            oneByte.Segment(false, [b]);
        oneByte.Segment(true, session.Client.AsSpan(25));
        Assert.Equal(reference, oneByte.Describe());
    }

    [Theory]
    // Zeek's socks.log baselines: request 192.168.0.2:22, user bob, bound 192.168.0.1:55951.
    [InlineData("zeek/Traces/socks-auth.pcap", "state=Tunnel v=5 cmd=1 host=192.168.0.2 addr=ffffc0a80002 port=22 ", "user=bob bound=ffffc0a80001:55951 ")]
    [InlineData("zeek/Traces/socks-auth-10080.pcap", "state=Tunnel v=5 cmd=1 host=192.168.0.2 ", "user=bob bound=ffffc0a80001:55951 ")]
    [InlineData("zeek/Traces/tunnels/socks.pcap", "state=Tunnel", "port=80 ")]
    [InlineData("zeek/Traces/socks-with-ssl.pcap", "state=Tunnel", "")]
    // Arkime's .test expectations: host www.example.com / ip 93.184.216.119, port 80 or 443, user testuser.
    [InlineData("arkime/tests/pcap/socks-http-example.pcap", "state=Tunnel v=4 cmd=1 host=www.example.com ", "port=80 ")]
    [InlineData("arkime/tests/pcap/socks-http-pass.pcap", "host=93.184.216.119 addr=ffff5db8d877 port=80 ", "auth=True authFailed=False user=testuser ")]
    [InlineData("arkime/tests/pcap/socks-https-example.pcap", "state=Tunnel v=5 cmd=1 host=93.184.216.119 ", "port=443 ")]
    [InlineData("arkime/tests/pcap/socks4-https.pcap", "state=Tunnel v=4 ", "port=443 ")]
    [InlineData("arkime/tests/pcap/socks5-http-302.pcap", "state=Tunnel v=5 ", "port=80 ")]
    // The request travels in IP fragments, which the test-side TcpStreams helper drops: the stream stops after the greeting.
    [InlineData("arkime/tests/pcap/socks5-http-302-frag.pcap", "state=Handshake v=5 ", "")]
    [InlineData("arkime/tests/pcap/socks5-rdp.pcap", "v=5 ", "")]
    [InlineData("arkime/tests/pcap/socks5-reverse.pcap", "", "")]
    [InlineData("arkime/tests/pcap/socks5-smtp-503.pcap", "state=Tunnel v=5 ", "")]
    [InlineData("ndpi/default/pcap/socks.pcap", "state=Tunnel v=4 cmd=1 host=www.example.com ", "port=80 ")]

    // shadowsocks' local side (sslocal) takes SOCKS5 from the application on 127.0.0.1:1080.
    [InlineData("ndpi/default/pcap/shadowsocks.pcap", "state=Tunnel v=5 ", "")]
    public void OtherSocksCapturesParseSensibly(string relative, string expectedAny, string alsoExpected)
    {
        if (Corpus.Root is null)
            return;
        List<Session> sessions = Run(Corpus.Path(relative), out int connections);
        int tunnels = 0, failed = 0, matching = 0;
        foreach (Session s in sessions)
        {
            string described = s.Run.Describe();
            output.WriteLine($"{s.Name}: {described[..Math.Min(described.Length, 260)]}");
            tunnels += s.Run.Handshake.State == SocksState.Tunnel ? 1 : 0;
            failed += s.Run.Handshake.State == SocksState.Failed ? 1 : 0;
            if (described.Contains(expectedAny, StringComparison.Ordinal) && described.Contains(alsoExpected, StringComparison.Ordinal))
                matching++;
        }

        output.WriteLine($"{relative}: {connections} TCP connections, {sessions.Count} look like SOCKS, {tunnels} tunnels, {failed} failed");
        if (expectedAny.Length > 0)
            Assert.True(matching > 0, $"no session with '{expectedAny}' and '{alsoExpected}'");
    }

    [Theory]
    [InlineData("lab/coinhive-proxy-ws8892-stratum3333.pcap")]
    [InlineData("lab/xmrig-plain-3333.pcap")]
    [InlineData("lab/devlab-xmrig-tls-nosni-8443.pcap")]
    [InlineData("lab/devlab-benign-jsonlines.pcap")]
    [InlineData("lab/devlab-monerod-getblocktemplate.pcap")]
    [InlineData("zeek/Traces/websocket/wstunnel-ssh.pcap")]
    public void LooksLikeSocksIsFalseOnCapturesWithoutSocks(string relative)
    {
        if (Corpus.Root is null)
            return;
        List<Session> sessions = Run(Corpus.Path(relative), out int connections);
        output.WriteLine($"{relative}: {connections} TCP connections, {sessions.Count} look like SOCKS");
        Assert.Empty(sessions);
    }
}
