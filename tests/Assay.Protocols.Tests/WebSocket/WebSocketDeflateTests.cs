using System.IO.Compression;
using System.Text;
using Assay.Decoding;
using Assay.Protocols.WebSocket;
using static Assay.Protocols.Tests.WebSocket.WebSocketFrames;

namespace Assay.Protocols.Tests.WebSocket;

/// <summary>permessage-deflate (RFC 7692), checked against the BCL's zlib compressor as the reference.</summary>
public class WebSocketDeflateTests
{
    private static byte[] Json(int i) => Encoding.UTF8.GetBytes(
        $"{{\"type\":\"job\",\"params\":{{\"job_id\":\"{i}\",\"blob\":\"0707{i:x8}b4a8d5a0e6f1c0d2b3a4958677685a4b3c2d1e0f{i:x4}\",\"target\":\"37894100\"}}}}");

    [Fact]
    public void ContextTakeoverMessagesInflateAgainstTheSharedHistory()
    {
        var messages = new byte[40][];
        for (int i = 0; i < messages.Length; i++)
            messages[i] = Json(i);
        List<byte[]> compressed = CompressWithContextTakeover(messages);
        var frames = new List<byte[]>();
        foreach (byte[] c in compressed)
            frames.Add(Frame(WebSocketOpcode.Text, c, rsv1: true));
        byte[] stream = Concat([.. frames]);

        // The later messages are much smaller than the first: they do refer back into earlier ones.
        Assert.True(compressed[^1].Length < compressed[0].Length / 2, $"{compressed[0].Length} then {compressed[^1].Length}");
        WebSocketLog log = WebSocketLog.Run(stream, fromClient: false, deflate: true);
        Assert.Empty(log.Anomalies);
        Assert.Equal(messages.Length, log.Messages.Count);
        for (int i = 0; i < messages.Length; i++)
        {
            Assert.Equal(messages[i], log.Messages[i].Payload);
            Assert.False(log.Messages[i].Truncated);
        }
    }

    [Fact]
    public void FinalBlocksAndUncompressedMessagesMixOnOneConnection()
    {
        byte[] a = Json(1), b = Json(2), c = Encoding.UTF8.GetBytes(new string('z', 5000));
        byte[] stream = Concat(
            Frame(WebSocketOpcode.Text, CompressFinal(a), masked: true, rsv1: true),
            Text("plain", masked: true),
            Frame(WebSocketOpcode.Text, CompressFinal(b), masked: true, rsv1: true),
            Frame(WebSocketOpcode.Binary, CompressFinal(c), masked: true, rsv1: true));
        WebSocketLog log = WebSocketLog.Run(stream, fromClient: true, deflate: true);
        Assert.Empty(log.Anomalies);
        Assert.Equal([a, Encoding.UTF8.GetBytes("plain"), b, c], log.Messages.ConvertAll(m => m.Payload));
    }

    [Fact]
    public void StoredFixedAndDynamicBlocksAllDecode()
    {
        var random = new Random(3);
        byte[] noise = new byte[20_000];
        random.NextBytes(noise);
        foreach (CompressionLevel level in new[] { CompressionLevel.NoCompression, CompressionLevel.Fastest, CompressionLevel.SmallestSize })
        {
            foreach (byte[] message in new[] { noise, Json(9), "a"u8.ToArray(), Array.Empty<byte>() })
            {
                var output = new MemoryStream();
                using (var deflate = new DeflateStream(output, level, leaveOpen: true))
                {
                    deflate.Write(message);
                    deflate.Flush();
                }

                WebSocketLog log = WebSocketLog.Run(Frame(WebSocketOpcode.Binary, output.ToArray(), rsv1: true), fromClient: false, deflate: true);
                Assert.True(log.Anomalies.Count == 0, $"{level}, {message.Length} bytes: {Convert.ToHexString(output.ToArray().AsSpan(0, Math.Min(40, (int)output.Length)))}");
                Assert.Equal(message, Assert.Single(log.Messages).Payload);
            }
        }
    }

    [Fact]
    public void ADeflateBombIsCutAtTheCapWithoutAllocatingMore()
    {
        byte[] zeros = new byte[50 * 1024 * 1024];
        List<byte[]> compressed = CompressWithContextTakeover(zeros);
        Assert.True(compressed[0].Length < WebSocketReader.MaxCompressedLength, $"{compressed[0].Length} compressed bytes");
        byte[] stream = Concat(Frame(WebSocketOpcode.Binary, compressed[0], masked: true, rsv1: true),
            Frame(WebSocketOpcode.Text, CompressFinal(Json(5)), masked: true, rsv1: true));

        var reader = new WebSocketReader(fromClient: true, perMessageDeflate: true);
        var log = new WebSocketLog();
        var sink = new WebSocketRecorder(log);
        reader.Feed(Text("warm", masked: true), ref sink);
        long before = GC.GetAllocatedBytesForCurrentThread();
        reader.Feed(stream, ref sink);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // Buffers: message (64 KiB), compressed (≤ 64 KiB), inflater (32 KiB window), plus the recorder's copies.
        Assert.True(allocated < 400_000, $"{allocated} bytes allocated for a 50 MiB bomb");
        Assert.Equal(3, log.Messages.Count);
        Assert.True(log.Messages[1].Truncated);
        Assert.Equal(WebSocketReader.MaxMessageLength, log.Messages[1].Payload.Length);
        Assert.Contains(Anomaly.WebSocketMessageTooLarge, log.Anomalies);

        // The next message starts a fresh DEFLATE stream (no back-references), so it decodes despite the cut history.
        Assert.Equal(Json(5), log.Messages[2].Payload);
        Assert.False(log.Messages[2].Truncated);
    }

    [Fact]
    public void MoreCompressedBytesThanTheCapAreInflatedAsFarAsTheyGo()
    {
        byte[] noise = new byte[WebSocketReader.MaxCompressedLength + 10_000];
        new Random(11).NextBytes(noise);
        List<byte[]> compressed = CompressWithContextTakeover(noise);
        WebSocketLog log = WebSocketLog.Run(Frame(WebSocketOpcode.Binary, compressed[0], rsv1: true), fromClient: false, deflate: true);
        var message = Assert.Single(log.Messages);
        Assert.True(message.Truncated);
        Assert.True(message.Payload.Length > WebSocketReader.MaxCompressedLength / 2);
        Assert.Equal(noise[..message.Payload.Length], message.Payload);
        Assert.Equal([Anomaly.WebSocketMessageTooLarge], log.Anomalies);
    }

    [Fact]
    public void CorruptCompressedDataIsAnAnomalyNotAnException()
    {
        List<byte[]> compressed = CompressWithContextTakeover(Json(1), Json(2));
        var random = new Random(5);
        int invalid = 0;
        for (int trial = 0; trial < 2000; trial++)
        {
            byte[] damaged = (byte[])compressed[0].Clone();
            damaged[random.Next(damaged.Length)] ^= (byte)(1 << random.Next(8));
            byte[] stream = Concat(Frame(WebSocketOpcode.Text, damaged, rsv1: true), Frame(WebSocketOpcode.Text, compressed[1], rsv1: true));
            WebSocketLog log = WebSocketLog.Run(stream, fromClient: false, deflate: true);
            Assert.Equal(2, log.Messages.Count);
            if (log.Anomalies.Contains(Anomaly.WebSocketInvalidFrame))
            {
                invalid++;
                Assert.True(log.Messages[0].Truncated || log.Messages[1].Truncated);
            }
        }

        Assert.True(invalid > 100, $"{invalid} of 2000 bit flips detected as invalid DEFLATE");
    }

    [Fact]
    public void ABackReferenceBeforeTheHistoryIsInvalid()
    {
        // Fixed-Huffman block: literal 'a', then length 3 at distance 2 while only 1 byte exists.
        List<byte[]> compressed = CompressWithContextTakeover("abcabcabcabc"u8.ToArray());
        var reader = new WebSocketReader(fromClient: false, perMessageDeflate: true);
        var log = new WebSocketLog();
        var sink = new WebSocketRecorder(log);
        reader.Feed(Frame(WebSocketOpcode.Text, compressed[0], rsv1: true), ref sink);
        Assert.Equal("abcabcabcabc", Encoding.UTF8.GetString(log.Messages[0].Payload));

        // The same message again under context takeover compresses to a reference into the first; without that history it is invalid.
        List<byte[]> twice = CompressWithContextTakeover("abcabcabcabc"u8.ToArray(), "abcabcabcabc"u8.ToArray());
        WebSocketLog alone = WebSocketLog.Run(Frame(WebSocketOpcode.Text, twice[1], rsv1: true), fromClient: false, deflate: true);
        Assert.Equal([Anomaly.WebSocketInvalidFrame], alone.Anomalies);
        Assert.True(Assert.Single(alone.Messages).Truncated);
    }

    [Fact]
    public void RandomMessagesUnderContextTakeoverMatchZlibByteForByte()
    {
        var random = new Random(23);
        var messages = new byte[300][];
        for (int i = 0; i < messages.Length; i++)
        {
            // Mixed compressibility: runs, repeats of earlier messages, noise.
            var message = new byte[random.Next(0, 6000)];
            int position = 0;
            while (position < message.Length)
            {
                int run = Math.Min(random.Next(1, 400), message.Length - position);
                switch (random.Next(3))
                {
                    case 0:
                        message.AsSpan(position, run).Fill((byte)random.Next(256));
                        break;
                    case 1:
                        random.NextBytes(message.AsSpan(position, run));
                        break;
                    default:
                        byte[] earlier = messages[random.Next(Math.Max(1, i))] ?? message;
                        int take = Math.Min(run, earlier.Length);
                        earlier.AsSpan(0, take).CopyTo(message.AsSpan(position));
                        break;
                }

                position += run;
            }

            messages[i] = message;
        }

        List<byte[]> compressed = CompressWithContextTakeover(messages);
        var frames = new List<byte[]>();
        for (int i = 0; i < messages.Length; i++)
            frames.Add(Frame(WebSocketOpcode.Binary, compressed[i], masked: true, rsv1: true));
        WebSocketLog log = WebSocketLog.Run(Concat([.. frames]), fromClient: true, deflate: true);
        Assert.Empty(log.Anomalies);
        Assert.Equal(messages.Length, log.Messages.Count);
        for (int i = 0; i < messages.Length; i++)
            Assert.Equal(messages[i], log.Messages[i].Payload);
    }
}
