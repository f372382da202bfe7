using System.Net;
using System.Text;
using System.Text.Json;
using Assay.Capture;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Sessions;

namespace Assay.Tests.Engine;

/// <summary>
/// HTTP inside a SOCKS5 tunnel starts after the SOCKS handshake: positions the HTTP parser reports (where a WebSocket
/// begins after an upgrade, how far a body reaches) count from there, not from the TCP stream's start.
/// </summary>
public sealed class WebSocketInSocksTests : IDisposable
{
    private const string SiteKey = "4ANE6dnmoBgL8ose";
    private static readonly Host s_browser = new("browser", IPAddress.Parse("10.4.0.7"), MacAddress.Local(7));
    private static readonly Host s_proxy = new("proxy", IPAddress.Parse("10.4.0.1"), MacAddress.Local(1));
    private static readonly long s_start = new DateTimeOffset(2026, 11, 27, 10, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;
    private static readonly byte[] s_mask = [0x37, 0xFA, 0x21, 0x3D];

    private readonly string _dir = Directory.CreateTempSubdirectory("assay-ws-socks-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>One unfragmented text frame (RFC 6455 §5.2), masked as a browser sends it.</summary>
    private static byte[] TextFrame(string text, bool masked)
    {
        byte[] payload = Encoding.UTF8.GetBytes(text);
        var frame = new List<byte> { 0x81 };
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        if (payload.Length < 126)
        {
            frame.Add((byte)(maskBit | payload.Length));
        }
        else
        {
            frame.Add((byte)(maskBit | 126));
            frame.Add((byte)(payload.Length >> 8));
            frame.Add((byte)payload.Length);
        }

        if (masked)
            frame.AddRange(s_mask);
        for (int i = 0; i < payload.Length; i++)
            frame.Add(masked ? (byte)(payload[i] ^ s_mask[i & 3]) : payload[i]);
        return [.. frame];
    }

    private EngineHarness.Run Analyze(TcpConversation conversation, string name)
    {
        string path = Path.Combine(_dir, name);
        using (var writer = PcapWriter.Create(path, 1, nanoseconds: true))
        {
            foreach (SyntheticPacket packet in conversation.Packets)
                writer.Write(packet.TimestampNanos, packet.Data);
        }

        return EngineHarness.Analyze(path);
    }

    [Fact]
    public void AFileLargerThanTheParseDepthDownloadedThroughTheTunnelIsWhole()
    {
        // The body's end is asked of reassembly as an HTTP stream offset; in the TCP stream it lies past the SOCKS replies.
        byte[] body = new byte[Assay.Flows.Tcp.TcpReassembler.DefaultParseDepth + 100_000];
        new Random(5).NextBytes(body);
        byte[] target = Encoding.ASCII.GetBytes("files.example");
        var c = new TcpConversation(s_browser, 51001, s_proxy, 1080, s_start).Handshake();
        c.ClientSends([0x05, 0x01, 0x00]).ServerSends([0x05, 0x00], TimeSpan.FromMilliseconds(1))
            .ClientSends([0x05, 0x01, 0x00, 0x03, (byte)target.Length, .. target, 0x00, 0x50], TimeSpan.FromMilliseconds(1))
            .ServerSends([0x05, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0], TimeSpan.FromMilliseconds(20))
            .ClientSends("GET /payload.bin HTTP/1.1\r\nHost: files.example\r\n\r\n"u8, TimeSpan.FromMilliseconds(1))
            .ServerSends([.. Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {body.Length}\r\n\r\n"), .. body],
                TimeSpan.FromMilliseconds(5));
        var run = Analyze(c.Close(), "socks-download.pcap");
        JsonElement file = Assert.Single(run.OfType("fileinfo")).GetProperty("fileinfo");
        Assert.Equal("CLOSED", file.GetProperty("state").GetString());
        Assert.Equal(body.Length, file.GetProperty("size").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)), file.GetProperty("sha256").GetString());
    }

    [Theory]
    [InlineData(1460)]
    [InlineData(20)]   // 8-byte segments (timestamps take 12): handshakes and frames split across packets
    public void TheCoinHiveSessionInsideTheTunnelIsRead(int segment)
    {
        byte[] target = Encoding.ASCII.GetBytes("ws.pool.example");
        byte[] connect = [0x05, 0x01, 0x00, 0x03, (byte)target.Length, .. target, 0x22, 0xBC];   // port 8892
        var c = new TcpConversation(s_browser, 51000, s_proxy, 1080, s_start,
            new TcpConversationOptions { ClientMss = (ushort)segment, ServerMss = (ushort)segment }).Handshake();
        c.ClientSends([0x05, 0x01, 0x00]).ServerSends([0x05, 0x00], TimeSpan.FromMilliseconds(1))
            .ClientSends(connect, TimeSpan.FromMilliseconds(1)).ServerSends([0x05, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0], TimeSpan.FromMilliseconds(20))
            .ClientSends("GET /proxy HTTP/1.1\r\nHost: ws.pool.example:8892\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"u8, TimeSpan.FromMilliseconds(1))
            .ServerSends("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n\r\n"u8, TimeSpan.FromMilliseconds(5))
            .ClientSends(TextFrame($"{{\"type\":\"auth\",\"params\":{{\"site_key\":\"{SiteKey}\",\"type\":\"anonymous\",\"user\":null,\"goal\":0}}}}", masked: true), TimeSpan.FromMilliseconds(1))
            .ServerSends(TextFrame("{\"type\":\"authed\",\"params\":{\"token\":\"\",\"hashes\":0}}", masked: false), TimeSpan.FromMilliseconds(3))
            .ServerSends(TextFrame("{\"type\":\"job\",\"params\":{\"blob\":\"0a0aeddba3d806\",\"job_id\":\"a9fdc5f80001\",\"target\":\"37894100\"}}", masked: false));
        for (int i = 0; i < 3; i++)
        {
            c.Wait(TimeSpan.FromSeconds(4))
                .ClientSends(TextFrame($"{{\"type\":\"submit\",\"params\":{{\"job_id\":\"a9fdc5f80001\",\"nonce\":\"618260e{i}\",\"result\":\"b6600cdc6b47e8d3\"}}}}", masked: true))
                .ServerSends(TextFrame("{\"type\":\"hash_accepted\",\"params\":{\"hashes\":" + (i + 1) + "}}", masked: false), TimeSpan.FromMilliseconds(2));
        }

        var run = Analyze(c.Close(), $"ws-socks-{segment}.pcap");
        JsonElement miner = Assert.Single(run.OfType("miner")).GetProperty("miner");
        Assert.Equal("coinhive", miner.GetProperty("dialect").GetString());
        Assert.Equal(SiteKey, miner.GetProperty("login").GetString());
        Assert.Equal(3, miner.GetProperty("shares").GetProperty("submitted").GetInt32());
        Assert.Equal(3, miner.GetProperty("shares").GetProperty("accepted").GetInt32());
        Assert.Contains(miner.GetProperty("evidence").EnumerateArray(), e => e.GetProperty("kind").GetString() == "socks_target"
            && e.GetProperty("sentence").GetString()!.Contains("ws.pool.example:8892", StringComparison.Ordinal));
        Assert.DoesNotContain(run.OfType("anomaly"), e => e.GetProperty("anomaly").GetProperty("event").GetString()!.StartsWith("websocket.", StringComparison.Ordinal));
    }
}
