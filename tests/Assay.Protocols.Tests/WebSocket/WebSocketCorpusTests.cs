using System.Text;
using System.Text.Json;
using Assay.Decoding;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.WebSocket;

/// <summary>Real captures: the lab's CoinHive-style web miner (ground truth in lab/MANIFEST.md), Zeek's WebSocket traces (its event baseline as the oracle), and the other WebSocket pcaps of the corpus.</summary>
public class WebSocketCorpusTests(ITestOutputHelper output)
{
    private static Dictionary<string, int> CountTypes(List<(Protocols.WebSocket.WebSocketOpcode Opcode, byte[] Payload, bool Truncated)> messages)
    {
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (_, payload, _) in messages)
        {
            using var json = JsonDocument.Parse(payload);
            string type = json.RootElement.GetProperty("type").GetString()!;
            counts[type] = counts.GetValueOrDefault(type) + 1;
        }

        return counts;
    }

    [Fact]
    public void CoinHiveWebMinerSessionMatchesTheManifest()
    {
        if (Corpus.Root is null)
            return;
        List<WebSocketCapture.Session> sessions = WebSocketCapture.Run(Corpus.Path("lab/coinhive-proxy-ws8892-stratum3333.pcap"));
        WebSocketCapture.Session session = Assert.Single(sessions);
        Assert.Contains(":8892", session.Name, StringComparison.Ordinal);
        Dictionary<string, int> client = CountTypes(session.Client.Messages);
        Dictionary<string, int> server = CountTypes(session.Server.Messages);
        output.WriteLine($"deflate={session.Deflate} client: {string.Join(", ", client)}; server: {string.Join(", ", server)}; " +
            $"client anomalies {session.Client.Anomalies.Count}, server anomalies {session.Server.Anomalies.Count}, closes {session.Client.Closes.Count}/{session.Server.Closes.Count}");

        // MANIFEST: 14 submits, 14 hash_accepted; auth/authed/job.
        Assert.Equal(14, client["submit"]);
        Assert.Equal(14, server["hash_accepted"]);
        Assert.Equal(1, client["auth"]);
        Assert.Equal(1, server["authed"]);
        Assert.True(server["job"] >= 1);
        Assert.Empty(session.Client.Anomalies);
        Assert.Empty(session.Server.Anomalies);
        string auth = Encoding.UTF8.GetString(session.Client.Messages[0].Payload);
        Assert.Contains("4ANE6dnmoBgL8oseLra3hUgkcDDEWYuyWRcMm2xwuENJfAyadoLcZE3JicaKW1vc5Rdc1gLQQ5e7uSYqkDDnuXiGVGu59qQ", auth, StringComparison.Ordinal);

        // The real streams cut at every byte position and one byte per call give the same messages.
        foreach ((byte[] payload, bool fromClient, WebSocketLog log) in new[] { (session.ClientPayload, true, session.Client), (session.ServerPayload, false, session.Server) })
        {
            string reference = log.Describe();
            for (int cut = 0; cut <= payload.Length; cut++)
                Assert.Equal(reference, WebSocketLog.Run(payload, fromClient, session.Deflate, [cut], out _).Describe());
            var every = new int[payload.Length];
            for (int i = 0; i < every.Length; i++)
                every[i] = i;
            Assert.Equal(reference, WebSocketLog.Run(payload, fromClient, session.Deflate, every, out _).Describe());
            output.WriteLine($"{(fromClient ? "client" : "server")}: {payload.Length} bytes, every split and one byte per call agree");
        }
    }

    /// <summary>Zeek's btest baseline scripts.base.protocols.websocket.events/out: frames and messages (data + control) per direction, and close codes.</summary>
    [Fact]
    public void ZeekWebSocketTracesAgreeWithZeeksEvents()
    {
        if (Corpus.Root is null)
            return;
        var expected = new Dictionary<string, (int Frames, int Messages, List<int> Closes)>(StringComparer.Ordinal);
        string? trace = null;
        foreach (string line in File.ReadLines(Corpus.Path("zeek/Baseline/scripts.base.protocols.websocket.events/out")))
        {
            if (line.EndsWith(".pcap", StringComparison.Ordinal) || line.EndsWith(".pcapng", StringComparison.Ordinal))
            {
                trace = line;
                continue;
            }

            string[] fields = line.Split(", ");
            if (trace is null || fields.Length < 3)
                continue;
            string key = $"{trace} {(fields[2] == "T" ? "client" : "server")}";
            var entry = expected.TryGetValue(key, out var found) ? found : (Frames: 0, Messages: 0, Closes: new List<int>());
            if (fields[0] == "websocket_frame")
                entry.Frames++;
            else if (fields[0] == "websocket_message")
                entry.Messages++;
            else if (fields[0] == "websocket_close")
                entry.Closes.Add(int.Parse(fields[4], System.Globalization.CultureInfo.InvariantCulture));
            expected[key] = entry;
        }

        int directions = 0, frames = 0;
        foreach ((string key, var want) in expected)
        {
            string[] parts = key.Split(' ');
            List<WebSocketCapture.Session> sessions = WebSocketCapture.Run(Corpus.Path($"zeek/Traces/websocket/{parts[0]}"));
            WebSocketCapture.Session session = Assert.Single(sessions);
            bool client = parts[1] == "client";
            Protocols.WebSocket.WebSocketReader reader = client ? session.ClientReader : session.ServerReader;
            WebSocketLog log = client ? session.Client : session.Server;
            output.WriteLine($"{key}: zeek {want.Frames} frames {want.Messages} messages closes [{string.Join(",", want.Closes)}]; " +
                $"ours {reader.FrameCount} frames {log.Messages.Count}+{reader.ControlFrameCount} messages closes [{string.Join(",", log.Closes)}] anomalies [{string.Join(",", log.Anomalies)}]");
            Assert.Equal(want.Frames, reader.FrameCount);
            Assert.Equal(want.Messages, log.Messages.Count + reader.ControlFrameCount);

            // Zeek reports a Close without a body as status 0; RFC 6455 §7.1.5 (and we) call that 1005.
            Assert.Equal(want.Closes.ConvertAll(c => c == 0 ? 1005 : c), log.Closes.ConvertAll(c => (int)c));
            directions++;
            frames += want.Frames;
        }

        output.WriteLine($"{directions} directions, {frames} frames agree with Zeek");
        Assert.True(directions >= 9);
    }

    [Fact]
    public void AnOversizedCloseFrameIsInvalid()
    {
        if (Corpus.Root is null)
            return;

        // Zeek: websocket_control_frame_size_exceeded (258 > 125).
        WebSocketCapture.Session session = Assert.Single(WebSocketCapture.Run(Corpus.Path("zeek/Traces/websocket/oversized-close-frame.pcapng")));
        Assert.Contains(Anomaly.WebSocketInvalidFrame, session.Client.Anomalies.Count > 0 ? session.Client.Anomalies : session.Server.Anomalies);
    }

    [Theory]
    [InlineData("ndpi/default/pcap/websocket.pcap")]
    [InlineData("arkime/tests/pcap/websocket.pcap")]
    [InlineData("zeek/Traces/http/websocket.pcap")]
    [InlineData("zeek/Traces/websocket/broker-websocket.pcap")]
    [InlineData("zeek/Traces/websocket/fragmented-http-reply.pcap")]
    [InlineData("zeek/Traces/websocket/reply-ping-coalesced.pcap")]
    [InlineData("zeek/Traces/websocket/reply-ping-separate.pcap")]
    [InlineData("zeek/Traces/websocket/wrong-accept-header.pcap")]
    [InlineData("zeek/Traces/websocket/wstunnel-http.pcap")]
    [InlineData("zeek/Traces/websocket/wstunnel-https.pcap")]
    [InlineData("zeek/Traces/websocket/wstunnel-ssh.pcap")]
    [InlineData("zeek/Traces/websocket/oversized-close-frame.pcapng")]
    [InlineData("ndpi/default/pcap/tls_heur__vmess-websocket.pcapng")]
    public void OtherWebSocketCapturesParseSensibly(string relative)
    {
        if (Corpus.Root is null)
            return;
        List<WebSocketCapture.Session> sessions = WebSocketCapture.Run(Corpus.Path(relative));
        long frames = 0, anomalies = 0;
        foreach (WebSocketCapture.Session s in sessions)
        {
            frames += s.ClientReader.FrameCount + s.ServerReader.FrameCount;
            anomalies += s.Client.Anomalies.Count + s.Server.Anomalies.Count;
            output.WriteLine($"{s.Name} deflate={s.Deflate}: client {s.ClientReader.FrameCount} frames {s.Client.Messages.Count} messages closes [{string.Join(",", s.Client.Closes)}] anomalies [{string.Join(",", s.Client.Anomalies)}]; " +
                $"server {s.ServerReader.FrameCount} frames {s.Server.Messages.Count} messages closes [{string.Join(",", s.Server.Closes)}] anomalies [{string.Join(",", s.Server.Anomalies)}]");
        }

        output.WriteLine($"{relative}: {sessions.Count} WebSocket connections, {frames} frames, {anomalies} anomalies");

        // Every upgraded connection yields frames, or (oversized-close-frame) the anomaly that stopped its first one.
        if (sessions.Count > 0)
            Assert.True(frames + anomalies > 0);
    }
}
