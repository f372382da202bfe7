using System.Text;
using Assay.Decoding;
using Assay.Decoding.Network;
using Assay.Protocols.Socks;

namespace Assay.Protocols.Tests.Socks;

public class SocksHandshakeTests
{
    private static readonly byte[] s_login = Encoding.ASCII.GetBytes("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\"}\n");

    /// <summary>The lab capture's exchange (lab/MANIFEST.md, devlab-xmrig-socks5.pcap) followed by the first stratum line.</summary>
    internal static List<(bool FromClient, byte[] Data)> XmrigScript() =>
    [
        (true, Convert.FromHexString("050100")),
        (false, Convert.FromHexString("0500")),
        (true, Convert.FromHexString("050100030f72782e646576706f6f6c2e746573742790")),
        (false, Convert.FromHexString("050000010a4d0309cfe0")),
        (true, s_login),
        (false, Encoding.ASCII.GetBytes("{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null}\n")),
    ];

    private static byte[] Bytes(string hex) => Convert.FromHexString(hex.Replace(" ", "", StringComparison.Ordinal));

    [Fact]
    public void XmrigSocks5ConnectByNameReachesTheTunnel()
    {
        SocksRun run = SocksRun.Script(XmrigScript());
        SocksHandshake h = run.Handshake;
        Assert.Equal(SocksState.Tunnel, h.State);
        Assert.Equal(5, h.Version);
        Assert.Equal(SocksHandshake.CommandConnect, h.Command);
        Assert.Equal("rx.devpool.test", h.TargetHost);
        Assert.Equal(UInt128.Zero, h.TargetAddress);
        Assert.Equal(10128, h.TargetPort);
        Assert.Equal(0, h.ReplyCode);
        Assert.Equal(SocksHandshake.MethodNoAuthentication, h.Method);
        Assert.False(h.UsedAuthentication);
        Assert.Equal(IPv4Header.ToMapped(0x0A4D0309), h.BoundAddress);
        Assert.Equal(53216, h.BoundPort);
        Assert.Equal([3 + 22, 2 + 10], run.Consumed);
        Assert.Equal(s_login, run.ClientTunnel.ToArray());
        Assert.StartsWith("{\"id\":1", Encoding.ASCII.GetString([.. run.ServerTunnel]), StringComparison.Ordinal);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void EverySplitPositionAndOneBytePerSegmentGiveTheSameResult()
    {
        List<(bool FromClient, byte[] Data)> script = XmrigScript();
        foreach (List<(bool, byte[])> baseScript in new[] { script, AuthScript(pipelined: false), AuthScript(pipelined: true), Socks4Script() })
        {
            string reference = SocksRun.Script(baseScript).Describe();
            int variants = 0;
            for (int segment = 0; segment < baseScript.Count; segment++)
            {
                (bool fromClient, byte[] data) = baseScript[segment];
                for (int cut = 0; cut <= data.Length; cut++)
                {
                    var split = new List<(bool, byte[])>(baseScript);
                    split[segment] = (fromClient, data[..cut]);
                    split.Insert(segment + 1, (fromClient, data[cut..]));
                    Assert.Equal(reference, SocksRun.Script(split).Describe());
                    variants++;
                }
            }

            var oneByte = new List<(bool, byte[])>();
            foreach ((bool fromClient, byte[] data) in baseScript)
            {
                foreach (byte b in data)
                    oneByte.Add((fromClient, [b]));
            }

            Assert.Equal(reference, SocksRun.Script(oneByte).Describe());
            Assert.True(variants > 20);
        }
    }

    [Fact]
    public void EveryPrefixOfAMessageConsumesNothing()
    {
        byte[][] clientMessages = [Bytes("05 02 00 02"), Bytes("01 04 75736572 04 70617373"), Bytes("05 01 00 04 20010db8000000000000000000000001 01bb"), Bytes("04 01 0050 00000001 757365 00 6578616d706c652e636f6d 00")];
        foreach (byte[] message in clientMessages)
        {
            for (int length = 0; length < message.Length; length++)
            {
                var h = new SocksHandshake();
                AnomalySet anomalies = default;
                if (message[0] == 0x01 || (message[0] == 0x05 && message[1] == 0x01))
                    Assert.Equal(4, h.Feed(true, Bytes("05 02 00 02"), ref anomalies));
                if (message[0] == 0x05 && message[1] == 0x01)
                    Assert.Equal(11, h.Feed(true, Bytes("01 04 75736572 04 70617373"), ref anomalies));
                Assert.Equal(0, h.Feed(true, message.AsSpan(0, length), ref anomalies));
                Assert.Equal(SocksState.Handshake, h.State);
                Assert.Equal(0, anomalies.Count);
                Assert.Equal(message.Length, h.Feed(true, message, ref anomalies));
            }
        }
    }

    internal static List<(bool, byte[])> AuthScript(bool pipelined)
    {
        byte[] greeting = Bytes("05 02 00 02");
        byte[] auth = Bytes("01 05 616c696365 06 736563726574");
        byte[] request = Bytes("05 01 00 01 c0a80001 0016");
        return pipelined
            ? [(true, [.. greeting, .. auth, .. request]), (false, Bytes("05 02 01 00 05 00 00 01 c0a80001 d9f1 5353482d")), (true, Bytes("5353482d322e30"))]
            : [(true, greeting), (false, Bytes("05 02")), (true, auth), (false, Bytes("01 00")), (true, request), (false, Bytes("05 00 00 01 c0a80001 d9f1")), (true, Bytes("5353482d322e30")), (false, Bytes("5353482d"))];
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void UsernamePasswordIsFollowedAndThePasswordNeverKept(bool pipelined)
    {
        SocksRun run = SocksRun.Script(AuthScript(pipelined));
        SocksHandshake h = run.Handshake;
        Assert.Equal(SocksState.Tunnel, h.State);
        Assert.True(h.UsedAuthentication);
        Assert.False(h.AuthenticationFailed);
        Assert.Equal("alice", h.UserName);
        Assert.Equal(SocksHandshake.MethodUsernamePassword, h.Method);
        Assert.Equal("192.168.0.1", h.TargetHost);
        Assert.Equal(IPv4Header.ToMapped(0xC0A80001), h.TargetAddress);
        Assert.Equal(22, h.TargetPort);
        Assert.Equal("SSH-2.0", Encoding.ASCII.GetString([.. run.ClientTunnel]));
        Assert.Equal("SSH-", Encoding.ASCII.GetString([.. run.ServerTunnel]));
        foreach (var property in typeof(SocksHandshake).GetProperties())
        {
            if (property.GetValue(h) is string text)
                Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        }

        foreach (var field in typeof(SocksHandshake).GetFields(System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance))
        {
            Assert.False(field.FieldType == typeof(byte[]), $"{field.Name} could hold the password");
            if (field.GetValue(h) is string text)
                Assert.DoesNotContain("secret", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void FailedAuthenticationEndsWithoutATunnel()
    {
        SocksRun run = SocksRun.Script([(true, Bytes("05 01 02")), (false, Bytes("05 02")), (true, Bytes("01 01 61 01 62")), (false, Bytes("01 01"))]);
        Assert.Equal(SocksState.Failed, run.Handshake.State);
        Assert.True(run.Handshake.AuthenticationFailed);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void NoAcceptableMethodAndRefusedRequestsEndWithoutATunnel()
    {
        SocksRun run = SocksRun.Script([(true, Bytes("05 01 00")), (false, Bytes("05 ff"))]);
        Assert.Equal(SocksState.Failed, run.Handshake.State);
        Assert.Equal(SocksHandshake.MethodNoneAcceptable, run.Handshake.Method);

        run = SocksRun.Script([(true, Bytes("05 01 00")), (false, Bytes("05 00")), (true, Bytes("05 01 00 03 03 613a62 0050")), (false, Bytes("05 05 00 01 00000000 0000"))]);
        Assert.Equal(SocksState.Failed, run.Handshake.State);
        Assert.Equal(5, run.Handshake.ReplyCode);
        Assert.Equal("a:b", run.Handshake.TargetHost);
        Assert.Empty(run.Anomalies);
    }

    [Fact]
    public void IPv6TargetsAreMappedAndFormatted()
    {
        SocksRun run = SocksRun.Script([(true, Bytes("05 01 00 05 01 00 04 20010db8000000000000000000000001 01bb")), (false, Bytes("05 00 05 00 00 04 00000000000000000000ffff0a000001 1234"))]);
        SocksHandshake h = run.Handshake;
        Assert.Equal(SocksState.Tunnel, h.State);
        Assert.Equal("2001:db8::1", h.TargetHost);
        Assert.Equal(new UInt128(0x20010DB800000000, 1), h.TargetAddress);
        Assert.Equal(443, h.TargetPort);
        Assert.Equal(IPv4Header.ToMapped(0x0A000001), h.BoundAddress);
    }

    internal static List<(bool, byte[])> Socks4Script() =>
    [
        (true, Bytes("04 01 2790 00000001 78 00 72782e646576706f6f6c2e74657374 00")),
        (false, Bytes("00 5a 0000 00000000")),
        (true, s_login),
    ];

    [Fact]
    public void Socks4aConnectByName()
    {
        SocksRun run = SocksRun.Script(Socks4Script());
        SocksHandshake h = run.Handshake;
        Assert.Equal(SocksState.Tunnel, h.State);
        Assert.Equal(4, h.Version);
        Assert.Equal("rx.devpool.test", h.TargetHost);
        Assert.Equal(10128, h.TargetPort);
        Assert.Equal("x", h.UserName);
        Assert.Equal(SocksHandshake.Socks4Granted, h.ReplyCode);
        Assert.Equal(s_login, run.ClientTunnel.ToArray());
    }

    [Fact]
    public void Socks4ConnectByAddressAndBindWithTwoReplies()
    {
        SocksRun run = SocksRun.Script([(true, Bytes("04 01 0050 5db8d877 00")), (false, Bytes("00 5a 0000 00000000 474554"))]);
        Assert.Equal(SocksState.Tunnel, run.Handshake.State);
        Assert.Equal("93.184.216.119", run.Handshake.TargetHost);
        Assert.Equal(IPv4Header.ToMapped(0x5DB8D877), run.Handshake.TargetAddress);
        Assert.Null(run.Handshake.UserName);
        Assert.Equal("GET", Encoding.ASCII.GetString([.. run.ServerTunnel]));

        run = SocksRun.Script([(true, Bytes("04 02 0015 0a000001 00")), (false, Bytes("00 5a 1f90 0a000002"))]);
        Assert.Equal(SocksState.Handshake, run.Handshake.State);
        Assert.Equal(SocksHandshake.CommandBind, run.Handshake.Command);
        run.Segment(false, Bytes("00 5a 1f90 0a000003"));
        Assert.Equal(SocksState.Tunnel, run.Handshake.State);
        Assert.Equal(IPv4Header.ToMapped(0x0A000003), run.Handshake.BoundAddress);

        run = SocksRun.Script([(true, Bytes("04 01 0050 5db8d877 00")), (false, Bytes("00 5b 0000 00000000"))]);
        Assert.Equal(SocksState.Failed, run.Handshake.State);
        Assert.Equal(91, run.Handshake.ReplyCode);
    }

    public static TheoryData<string, string, string> InvalidExchanges() => new()
    {
        { "unknown version", "06 01 00", "" },
        { "no methods", "05 00", "" },
        { "bad command", "05 01 00 05 07 00 01 01020304 0050", "05 00" },
        { "reserved byte", "05 01 00 05 01 01 01 01020304 0050", "05 00" },
        { "bad address type", "05 01 00 05 01 00 02 01020304 0050", "05 00" },
        { "empty domain", "05 01 00 05 01 00 03 00 0050", "05 00" },
        { "server not version 5", "05 01 00", "04 00" },
        { "bad reply version", "05 01 00 05 01 00 01 01020304 0050", "05 00 04 00 00 01 01020304 0050" },
        { "SOCKS4 bad command", "04 03 0050 01020304 00", "" },
        { "SOCKS4 bad reply code", "04 01 0050 01020304 00", "00 10 0000 00000000" },
        { "SOCKS4 user id without NUL", "04 01 0050 01020304 " + string.Concat(Enumerable.Repeat("41", 300)), "" },
        { "SOCKS4a name without NUL", "04 01 0050 00000001 00 " + string.Concat(Enumerable.Repeat("41", 300)), "" },
        { "RFC 1929 empty user", "05 01 02 01 00 00", "05 02" },
    };

    [Theory]
    [MemberData(nameof(InvalidExchanges))]
    public void InvalidBytesFailWithAnAnomaly(string name, string client, string server)
    {
        SocksRun run = SocksRun.Script([(true, Bytes(client)), (false, Bytes(server))]);
        Assert.True(run.Handshake.State == SocksState.Failed, name);
        Assert.Equal([Anomaly.SocksInvalidHandshake], run.Anomalies);
    }

    [Fact]
    public void ResetForgetsTheConnection()
    {
        SocksRun run = SocksRun.Script(XmrigScript());
        run.Handshake.Reset();
        Assert.Equal(SocksState.Handshake, run.Handshake.State);
        Assert.Null(run.Handshake.TargetHost);
        AnomalySet anomalies = default;
        Assert.Equal(3, run.Handshake.Feed(true, Bytes("050100"), ref anomalies));
    }

    [Theory]
    [InlineData("050100", true)]
    [InlineData("05020002", true)]
    [InlineData("050100050100030f72782e646576706f6f6c2e746573742790", true)]
    [InlineData("05010205", false)]
    [InlineData("0501020104", true)]
    [InlineData("0401279000000001780072782e646576706f6f6c2e7465737400", true)]
    [InlineData("040100505db8d87700", true)]
    [InlineData("0500", false)]
    [InlineData("050200", false)]
    [InlineData("0501ff", false)]
    [InlineData("05010000", false)]
    [InlineData("0501004142434445", false)]
    [InlineData("040300505db8d87700", false)]
    [InlineData("040100005db8d87700", false)]
    [InlineData("040100500000000000", false)]
    [InlineData("040100505db8d87741", false)]
    [InlineData("040100505db8d877010200", false)]
    [InlineData("04010050000000010000", false)]
    [InlineData("05", false)]
    [InlineData("", false)]
    public void LooksLikeSocksIsStrict(string hex, bool expected) =>
        Assert.Equal(expected, SocksHandshake.LooksLikeSocks(Convert.FromHexString(hex)));

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nHost: a\r\n\r\n")]
    [InlineData("CONNECT pool:3333 HTTP/1.1\r\n\r\n")]
    [InlineData("{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\"}\n")]
    [InlineData("SSH-2.0-OpenSSH_9.6\r\n")]
    [InlineData("\u0016\u0003\u0001\u0002\u0000\u0001\u0000\u0001\u00fc\u0003\u0003")]
    [InlineData("\u0016\u0003\u0003\u0000\u0005\u0001\u0000")]
    public void LooksLikeSocksIsFalseForOtherProtocols(string text) =>
        Assert.False(SocksHandshake.LooksLikeSocks(Encoding.Latin1.GetBytes(text)));

    [Fact]
    public void RandomAndMutatedInputNeverThrowsAndConsumesWithinBounds()
    {
        var random = new Random(17);
        List<(bool FromClient, byte[] Data)> script = XmrigScript();
        int tunnels = 0, failed = 0;
        for (int trial = 0; trial < 5000; trial++)
        {
            var mutated = new List<(bool, byte[])>();
            foreach ((bool fromClient, byte[] data) in trial % 2 == 0 ? script : AuthScript(pipelined: trial % 4 == 1))
            {
                byte[] copy = (byte[])data.Clone();
                if (random.Next(3) == 0 && copy.Length > 0)
                    copy[random.Next(copy.Length)] ^= (byte)(1 << random.Next(8));
                if (random.Next(8) == 0)
                    random.NextBytes(copy);
                mutated.Add((fromClient, random.Next(6) == 0 ? copy[..random.Next(copy.Length + 1)] : copy));
            }

            SocksRun run = SocksRun.Script(mutated);
            tunnels += run.Handshake.State == SocksState.Tunnel ? 1 : 0;
            failed += run.Handshake.State == SocksState.Failed ? 1 : 0;
            Assert.True(run.Handshake.TargetHost is null || run.Handshake.TargetHost.Length <= 255);
            SocksHandshake.LooksLikeSocks(mutated[0].Item2);
        }

        Assert.True(tunnels > 100 && failed > 100, $"{tunnels} tunnels, {failed} failed");
        for (int trial = 0; trial < 5000; trial++)
        {
            byte[] client = new byte[random.Next(0, 600)], server = new byte[random.Next(0, 600)];
            random.NextBytes(client);
            random.NextBytes(server);
            if (client.Length > 0)
                client[0] = (byte)(4 + (trial & 1));
            SocksRun run = SocksRun.Streams(client, server);
            Assert.InRange(run.Consumed[0], 0, client.Length);
            Assert.InRange(run.Consumed[1], 0, server.Length);
            SocksHandshake.LooksLikeSocks(client);
        }
    }

    [Fact]
    public void FeedsWithoutStringFieldsAllocateNothing()
    {
        byte[] greeting = Bytes("050100");
        byte[] choice = Bytes("0500");
        var h = new SocksHandshake();
        AnomalySet anomalies = default;
        var warmUp = System.Diagnostics.Stopwatch.StartNew();
        while (warmUp.ElapsedMilliseconds < 500)
        {
            // Warm-up, by time: tier-1 recompilation is queued after a delay, and what it does once must not land in the
            // measured loop (on a busy machine it did, after a short count-based warm-up).
            h.Reset();
            h.Feed(true, greeting, ref anomalies);
            h.Feed(false, choice, ref anomalies);
            SocksHandshake.LooksLikeSocks(greeting);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            h.Reset();
            h.Feed(true, greeting, ref anomalies);
            h.Feed(false, choice, ref anomalies);
            SocksHandshake.LooksLikeSocks(greeting);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
