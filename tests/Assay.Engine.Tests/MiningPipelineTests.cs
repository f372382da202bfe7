using System.Net;
using System.Text;
using System.Text.Json;
using Assay.Capture;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Payloads;
using Assay.Synthesis.Sessions;
using Xunit.Abstractions;

namespace Assay.Tests.Engine;

/// <summary>
/// Mining streams through the whole pipeline with hostile bytes around a real session: an overlong line, invalid JSON,
/// a JSON bomb, binary garbage — each a named anomaly, none an exception, and the session after them is still read.
/// Also: the JSON split one byte per TCP segment gives the same session.
/// </summary>
public sealed class MiningPipelineTests(ITestOutputHelper output) : IDisposable
{
    private static readonly Host s_miner = new("miner", IPAddress.Parse("10.1.2.3"), MacAddress.Local(3));
    private static readonly Host s_pool = new("pool", IPAddress.Parse("198.51.100.99"), MacAddress.Local(9), 50);
    private static readonly long s_start = new DateTimeOffset(2026, 11, 27, 8, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;
    private static readonly string[] s_algorithms = ["rx/0", "cn/r"];
    private const string Wallet = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A";

    private readonly string _dir = Directory.CreateTempSubdirectory("assay-mining-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static TcpConversation Session(ushort port, int maxSegment, params byte[][] clientLines)
    {
        var c = new TcpConversation(s_miner, 40000, s_pool, port, s_start,
            new TcpConversationOptions { ClientMss = (ushort)maxSegment, ServerMss = (ushort)maxSegment }).Handshake();
        foreach (byte[] line in clientLines)
            c.ClientSends(line, TimeSpan.FromMilliseconds(5));
        var job = new XmrigJob("0707aa", new string('0', 152), "b88d0600", "rx/0", 3_000_000, new string('1', 64));
        c.ClientSends(XmrigMessages.Login(1, Wallet, "x", "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/9.4.0", s_algorithms))
            .ServerSends(XmrigMessages.LoginResult(1, "m1", job), TimeSpan.FromMilliseconds(3));
        for (int id = 2; id < 5; id++)
        {
            c.Wait(TimeSpan.FromSeconds(10)).ClientSends(XmrigMessages.Submit(id, "m1", "0707aa", "0000abcd", new string('2', 64)))
                .ServerSends(XmrigMessages.Status(id), TimeSpan.FromMilliseconds(2));
        }

        return c.Close();
    }

    private EngineHarness.Run Run(TcpConversation conversation)
    {
        string path = Path.Combine(_dir, $"s{conversation.ServerPort}-{Guid.NewGuid():N}.pcap");
        using (var writer = PcapWriter.Create(path, 1, nanoseconds: true))
        {
            foreach (SyntheticPacket packet in conversation.Packets)
                writer.Write(packet.TimestampNanos, packet.Data);
        }

        return EngineHarness.Analyze(path);
    }

    private static string[] Anomalies(EngineHarness.Run run) =>
        [.. run.OfType("anomaly").Select(e => e.GetProperty("anomaly").GetProperty("event").GetString()!)];

    [Fact]
    public void HostileLinesAreNamedAnomaliesAndTheSessionAfterThemIsStillRead()
    {
        byte[] overlong = Encoding.ASCII.GetBytes("{\"id\":9,\"method\":\"x\",\"params\":[\"" + new string('a', 70_000) + "\"]}\n");
        byte[] invalid = "{\"id\":10,\"method\":\"login\",\"params\":{\"login\":\n"u8.ToArray();
        byte[] bomb = Encoding.ASCII.GetBytes("{\"a\":" + new string('[', 50_000) + "\n");
        var run = Run(Session(3333, 1460, overlong, invalid, bomb));
        string[] anomalies = Anomalies(run);
        output.WriteLine(string.Join(", ", anomalies.Distinct()));
        Assert.Contains("mining.line_too_long", anomalies);
        Assert.Contains("mining.invalid_json", anomalies);
        Assert.Contains("mining.json_too_deep", anomalies);
        JsonElement miner = Assert.Single(run.OfType("miner")).GetProperty("miner");
        Assert.Equal(Wallet, miner.GetProperty("login").GetString());
        Assert.Equal(3, miner.GetProperty("shares").GetProperty("accepted").GetInt32());
    }

    [Fact]
    public void BinaryGarbageOnAStratumPortIsNotAMiner()
    {
        var random = new Random(5);
        byte[] garbage = new byte[20_000];
        random.NextBytes(garbage);
        garbage[0] = 0x00;   // not '{', not TLS, not HTTP: an unknown protocol
        var c = new TcpConversation(s_miner, 40001, s_pool, 3333, s_start).Handshake().ClientSends(garbage).ServerSends(garbage.AsSpan(0, 500)).Close();
        var run = Run(c);
        Assert.Empty(run.OfType("miner"));
        Assert.Empty(run.OfType("alert"));
        Assert.Equal("failed", Assert.Single(run.OfType("flow")).GetProperty("app_proto").GetString());
    }

    [Fact]
    public void OneBytePerSegmentGivesTheSameSession()
    {
        JsonElement whole = Assert.Single(Run(Session(4444, 1460)).OfType("miner")).GetProperty("miner");
        // MSS 13 less the 12-byte timestamp option: one payload byte per segment.
        TcpConversation tiny = Session(4444, 13);
        Assert.True(tiny.Packets.Count > 1000, $"{tiny.Packets.Count} packets");
        JsonElement bytewise = Assert.Single(Run(tiny).OfType("miner")).GetProperty("miner");
        foreach (string field in new[] { "confidence", "dialect", "login", "password", "agent", "algorithm", "difficulty", "shares", "jobs" })   // not the hashrate: 1-byte segments take longer to send
            Assert.Equal(whole.GetProperty(field).ToString(), bytewise.GetProperty(field).ToString());
    }
}
