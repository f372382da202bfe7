using System.Text;
using Assay.Decoding;
using Assay.Protocols.WebSocket;
using static Assay.Protocols.Tests.WebSocket.WebSocketFrames;

namespace Assay.Protocols.Tests.WebSocket;

public class WebSocketReaderTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(125)]
    [InlineData(126)]
    [InlineData(65535)]
    [InlineData(65536)]
    public void ReadsSevenSixteenAndSixtyFourBitLengths(int length)
    {
        byte[] payload = new byte[length];
        new Random(length).NextBytes(payload);
        foreach (bool masked in new[] { false, true })
        {
            WebSocketLog log = WebSocketLog.Run(Frame(WebSocketOpcode.Binary, payload, masked: masked), fromClient: masked);
            var message = Assert.Single(log.Messages);
            Assert.Equal(WebSocketOpcode.Binary, message.Opcode);
            Assert.Equal(payload, message.Payload);
            Assert.False(message.Truncated);
            Assert.Empty(log.Anomalies);
        }
    }

    [Fact]
    public void AMessageLongerThanTheCapIsDeliveredTruncatedAndTheStreamGoesOn()
    {
        byte[] payload = new byte[WebSocketReader.MaxMessageLength + 5000];
        new Random(1).NextBytes(payload);
        byte[] stream = Concat(Frame(WebSocketOpcode.Binary, payload, masked: true), Text("after", masked: true));
        WebSocketLog log = WebSocketLog.Run(stream, fromClient: true);
        Assert.Equal(2, log.Messages.Count);
        Assert.True(log.Messages[0].Truncated);
        Assert.Equal(payload[..WebSocketReader.MaxMessageLength], log.Messages[0].Payload);
        Assert.Equal("after", Encoding.UTF8.GetString(log.Messages[1].Payload));
        Assert.Equal([Anomaly.WebSocketMessageTooLarge], log.Anomalies);
    }

    [Fact]
    public void FragmentsAreJoinedAroundInterleavedControlFrames()
    {
        byte[] stream = Concat(
            Text("Hel", masked: true, fin: false),
            Frame(WebSocketOpcode.Ping, "p"u8, masked: true),
            Frame(WebSocketOpcode.Continuation, "lo "u8, fin: false, masked: true),
            Frame(WebSocketOpcode.Pong, ""u8, masked: true),
            Frame(WebSocketOpcode.Continuation, "world"u8, masked: true),
            Frame(WebSocketOpcode.Binary, [1, 2, 3], masked: true));
        WebSocketLog log = WebSocketLog.Run(stream, fromClient: true, deflate: false, [], out WebSocketReader reader);
        Assert.Equal(2, log.Messages.Count);
        Assert.Equal(WebSocketOpcode.Text, log.Messages[0].Opcode);
        Assert.Equal("Hello world", Encoding.UTF8.GetString(log.Messages[0].Payload));
        Assert.Equal(WebSocketOpcode.Binary, log.Messages[1].Opcode);
        Assert.Empty(log.Anomalies);
        Assert.Equal(6, reader.FrameCount);
        Assert.Equal(2, reader.ControlFrameCount);
    }

    [Fact]
    public void AnUnmaskedClientFrameIsReportedOnceAndStillParsed()
    {
        WebSocketLog log = WebSocketLog.Run(Concat(Text("a"), Text("b")), fromClient: true);
        Assert.Equal(2, log.Messages.Count);
        Assert.Equal([Anomaly.WebSocketUnmaskedClientFrame], log.Anomalies);
    }

    [Fact]
    public void AMaskedServerFrameIsReportedOnceAndStillParsed()
    {
        WebSocketLog log = WebSocketLog.Run(Concat(Text("a", masked: true), Text("b", masked: true)), fromClient: false);
        Assert.Equal(["a", "b"], log.Messages.ConvertAll(m => Encoding.UTF8.GetString(m.Payload)));
        Assert.Equal([Anomaly.WebSocketInvalidFrame], log.Anomalies);
    }

    [Fact]
    public void CloseReportsItsCodeAndEndsTheReader()
    {
        byte[] stream = Concat(Text("x"), Frame(WebSocketOpcode.Close, [0x03, 0xE8, (byte)'b', (byte)'y', (byte)'e']), Text("ignored"));
        WebSocketLog log = WebSocketLog.Run(stream, fromClient: false, deflate: false, [], out WebSocketReader reader);
        Assert.Single(log.Messages);
        Assert.Equal([(ushort)1000], log.Closes);
        Assert.True(reader.IsClosed);

        log = WebSocketLog.Run(Frame(WebSocketOpcode.Close, []));
        Assert.Equal([WebSocketReader.CloseCodeNoStatus], log.Closes);
    }

    public static TheoryData<string, byte[]> InvalidFrames() => new()
    {
        { "control frame of 126 bytes", Frame(WebSocketOpcode.Ping, new byte[126]) },
        { "fragmented control frame", Frame(WebSocketOpcode.Ping, [1], fin: false) },
        { "reserved data opcode 3", Frame((WebSocketOpcode)3, [1]) },
        { "reserved control opcode 11", Frame((WebSocketOpcode)11, [1]) },
        { "RSV2", Frame(WebSocketOpcode.Text, [1], rawFirst: 0x81 | 0x20) },
        { "RSV3", Frame(WebSocketOpcode.Text, [1], rawFirst: 0x81 | 0x10) },
        { "RSV1 without permessage-deflate", Frame(WebSocketOpcode.Text, [1], rsv1: true) },
        { "continuation without a message", Frame(WebSocketOpcode.Continuation, [1]) },
        { "new message inside a fragmented one", Concat(Text("a", fin: false), Text("b")) },
        { "64-bit length with the top bit set", Frame(WebSocketOpcode.Binary, [], announcedLength: 0x8000_0000_0000_0000UL) },
    };

    [Theory]
    [MemberData(nameof(InvalidFrames))]
    public void InvalidFramesAreReportedAndStopTheReader(string name, byte[] frame)
    {
        byte[] stream = Concat(Text("before"), frame, Text("after"));
        WebSocketLog log = WebSocketLog.Run(stream, fromClient: false, deflate: false, [], out WebSocketReader reader);
        Assert.True(reader.IsClosed, name);
        Assert.Equal([Anomaly.WebSocketInvalidFrame], log.Anomalies);
        Assert.Equal("before", Encoding.UTF8.GetString(Assert.Single(log.Messages).Payload));
    }

    [Fact]
    public void AFrameLengthBeyondTheCapIsTooLargeAndStops()
    {
        byte[] stream = Concat(Frame(WebSocketOpcode.Binary, [], announcedLength: (ulong)WebSocketReader.MaxFrameLength + 1), Text("after"));
        WebSocketLog log = WebSocketLog.Run(stream, fromClient: false, deflate: false, [], out WebSocketReader reader);
        Assert.True(reader.IsClosed);
        Assert.Equal([Anomaly.WebSocketMessageTooLarge], log.Anomalies);
        Assert.Empty(log.Messages);
    }

    [Fact]
    public void RsvOneOnAContinuationOrControlFrameIsInvalidEvenWithDeflate()
    {
        WebSocketLog log = WebSocketLog.Run(Concat(Text("a", fin: false), Frame(WebSocketOpcode.Continuation, [1], rsv1: true)), fromClient: false, deflate: true);
        Assert.Equal([Anomaly.WebSocketInvalidFrame], log.Anomalies);
        log = WebSocketLog.Run(Frame(WebSocketOpcode.Ping, [1], rsv1: true), fromClient: false, deflate: true);
        Assert.Equal([Anomaly.WebSocketInvalidFrame], log.Anomalies);
    }

    /// <summary>A stream with every feature: masking, 16-bit lengths, fragments, control frames, compression, a long message.</summary>
    internal static byte[] MixedClientStream(out List<byte[]> expected)
    {
        byte[] big = new byte[70_000];
        new Random(7).NextBytes(big);
        byte[] json = Encoding.UTF8.GetBytes("{\"type\":\"submit\",\"params\":{\"job_id\":\"42\",\"nonce\":\"deadbeef\",\"result\":\"" + new string('a', 64) + "\"}}");
        byte[] json2 = Encoding.UTF8.GetBytes("{\"type\":\"submit\",\"params\":{\"job_id\":\"43\",\"nonce\":\"cafebabe\",\"result\":\"" + new string('b', 64) + "\"}}");
        List<byte[]> compressed = CompressWithContextTakeover(json, json2);
        expected = [Encoding.UTF8.GetBytes("hello"), new byte[300], Encoding.UTF8.GetBytes("frag-mented"), big[..WebSocketReader.MaxMessageLength], json, json2];
        return Concat(
            Text("hello", masked: true),
            Frame(WebSocketOpcode.Binary, new byte[300], masked: true),
            Text("frag-", masked: true, fin: false),
            Frame(WebSocketOpcode.Ping, "ping"u8, masked: true),
            Frame(WebSocketOpcode.Continuation, "mented"u8, masked: true),
            Frame(WebSocketOpcode.Binary, big, masked: true),
            Frame(WebSocketOpcode.Text, compressed[0].AsSpan(0, 10), fin: false, masked: true, rsv1: true),
            Frame(WebSocketOpcode.Continuation, compressed[0].AsSpan(10), masked: true),
            Frame(WebSocketOpcode.Text, compressed[1], masked: true, rsv1: true),
            Frame(WebSocketOpcode.Close, [0x03, 0xE9], masked: true));
    }

    [Fact]
    public void EverySplitPositionAndOneBytePerCallGiveTheSameResult()
    {
        byte[] stream = MixedClientStream(out List<byte[]> expected);
        WebSocketLog whole = WebSocketLog.Run(stream, fromClient: true, deflate: true);
        Assert.Equal(expected.Count, whole.Messages.Count);
        for (int i = 0; i < expected.Count; i++)
            Assert.Equal(expected[i], whole.Messages[i].Payload);
        Assert.Equal([(ushort)1001], whole.Closes);
        Assert.Equal([Anomaly.WebSocketMessageTooLarge], whole.Anomalies);
        string reference = whole.Describe();

        // Every split of the frame-dense part (all but the 70 kB payload's middle) and a stride through the rest.
        int splits = 0;
        for (int cut = 0; cut <= stream.Length; cut += cut < 800 || cut > stream.Length - 800 ? 1 : 97)
        {
            Assert.Equal(reference, WebSocketLog.Run(stream, true, true, [cut], out _).Describe());
            splits++;
        }

        var oneByte = new int[stream.Length];
        for (int i = 0; i < oneByte.Length; i++)
            oneByte[i] = i;
        Assert.Equal(reference, WebSocketLog.Run(stream, true, true, oneByte, out _).Describe());
        Assert.True(splits > 1500, $"{splits} splits");
    }

    [Fact]
    public void ResetMakesAReaderReusable()
    {
        var reader = new WebSocketReader(fromClient: false);
        var log = new WebSocketLog();
        var sink = new WebSocketRecorder(log);
        reader.Feed(Frame(WebSocketOpcode.Close, []), ref sink);
        Assert.True(reader.IsClosed);
        reader.Reset(fromClient: true, perMessageDeflate: false);
        Assert.False(reader.IsClosed);
        reader.Feed(Text("again", masked: true).AsSpan(0, 4), ref sink);
        reader.Reset(fromClient: true, perMessageDeflate: false);
        reader.Feed(Text("fresh", masked: true), ref sink);
        Assert.Equal("fresh", Encoding.UTF8.GetString(Assert.Single(log.Messages).Payload));
    }

    [Fact]
    public void SteadyStateAllocatesNothing()
    {
        byte[] stream = Concat(Text("{\"type\":\"job\"}", masked: true), Frame(WebSocketOpcode.Binary, new byte[2000], masked: true),
            Frame(WebSocketOpcode.Ping, [], masked: true), Text("a", masked: true, fin: false), Frame(WebSocketOpcode.Continuation, "b"u8, masked: true));
        byte[] server = Concat(Text("{\"type\":\"hash_accepted\"}"), Frame(WebSocketOpcode.Binary, new byte[3000]));
        var client = new WebSocketReader(fromClient: true);
        var serverReader = new WebSocketReader(fromClient: false);
        var sink = new WebSocketCounter();
        client.Feed(stream, ref sink);
        serverReader.Feed(server, ref sink);
        var warmClient = new WebSocketReader(fromClient: true);   // warmed up instead of the measured readers, whose counts are checked
        var warmServer = new WebSocketReader(fromClient: false);
        var warmSink = new WebSocketCounter();
        global::Assay.Tests.Allocations.WarmUp(() =>
        {
            warmClient.Feed(stream.AsSpan(0, 7), ref warmSink);
            warmClient.Feed(stream.AsSpan(7), ref warmSink);
            warmServer.Feed(server, ref warmSink);
        });
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            client.Feed(stream.AsSpan(0, 7), ref sink);
            client.Feed(stream.AsSpan(7), ref sink);
            serverReader.Feed(server, ref sink);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_001 * 5, sink.Messages);
        Assert.Equal(0, sink.Anomalies);
    }
}
