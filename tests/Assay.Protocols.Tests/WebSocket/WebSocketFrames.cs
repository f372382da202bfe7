using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Assay.Decoding;
using Assay.Protocols.WebSocket;

namespace Assay.Protocols.Tests.WebSocket;

/// <summary>Builds RFC 6455 frames for tests, and records what a reader reports.</summary>
internal static class WebSocketFrames
{
    public static readonly byte[] MaskKey = [0x37, 0xFA, 0x21, 0x3D];

    public static byte[] Frame(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool fin = true, bool masked = false, bool rsv1 = false, byte rawFirst = 0, ulong? announcedLength = null)
    {
        var bytes = new List<byte> { rawFirst != 0 ? rawFirst : (byte)((fin ? 0x80 : 0) | (rsv1 ? 0x40 : 0) | (byte)opcode) };
        ulong length = announcedLength ?? (ulong)payload.Length;
        byte maskBit = masked ? (byte)0x80 : (byte)0;
        if (length < 126)
        {
            bytes.Add((byte)(maskBit | (byte)length));
        }
        else if (length <= ushort.MaxValue)
        {
            bytes.Add((byte)(maskBit | 126));
            bytes.Add((byte)(length >> 8));
            bytes.Add((byte)length);
        }
        else
        {
            bytes.Add((byte)(maskBit | 127));
            var extended = new byte[8];
            BinaryPrimitives.WriteUInt64BigEndian(extended, length);
            bytes.AddRange(extended);
        }

        if (masked)
            bytes.AddRange(MaskKey);
        for (int i = 0; i < payload.Length; i++)
            bytes.Add(masked ? (byte)(payload[i] ^ MaskKey[i & 3]) : payload[i]);
        return [.. bytes];
    }

    public static byte[] Text(string text, bool masked = false, bool fin = true) => Frame(WebSocketOpcode.Text, Encoding.UTF8.GetBytes(text), fin, masked);

    public static byte[] Concat(params byte[][] parts)
    {
        var all = new List<byte>();
        foreach (byte[] part in parts)
            all.AddRange(part);
        return [.. all];
    }

    /// <summary>Raw DEFLATE of each message with one compressor (context takeover), each ended by a sync flush whose 00 00 ff ff tail is removed (RFC 7692 §7.2.1).</summary>
    public static List<byte[]> CompressWithContextTakeover(params byte[][] messages)
    {
        var output = new MemoryStream();
        var result = new List<byte[]>();
        using var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true);
        foreach (byte[] message in messages)
        {
            long start = output.Length;
            deflate.Write(message);
            deflate.Flush();
            byte[] compressed = output.ToArray()[(int)start..];
            Assert.True(compressed.AsSpan().EndsWith((byte[])[0x00, 0x00, 0xFF, 0xFF]), "a sync flush ends with 00 00 ff ff");
            result.Add(compressed[..^4]);
        }

        return result;
    }

    /// <summary>A complete DEFLATE stream (final block set) for one message: no context, tail not removable.</summary>
    public static byte[] CompressFinal(byte[] message)
    {
        var output = new MemoryStream();
        using (var deflate = new DeflateStream(output, CompressionLevel.Optimal, leaveOpen: true))
            deflate.Write(message);
        return output.ToArray();
    }
}

internal sealed class WebSocketLog
{
    public List<(WebSocketOpcode Opcode, byte[] Payload, bool Truncated)> Messages { get; } = [];

    public List<ushort> Closes { get; } = [];

    public List<Anomaly> Anomalies { get; } = [];

    public string Describe()
    {
        var text = new StringBuilder();
        foreach (var (opcode, payload, truncated) in Messages)
            text.Append(opcode).Append(' ').Append(Convert.ToHexString(payload)).Append(truncated ? " truncated" : "").Append('\n');
        foreach (ushort code in Closes)
            text.Append("close ").Append(code).Append('\n');
        foreach (Anomaly anomaly in Anomalies)
            text.Append(anomaly).Append('\n');
        return text.ToString();
    }

    /// <summary>Feeds <paramref name="stream"/> in pieces cut at <paramref name="cuts"/> to a fresh reader.</summary>
    public static WebSocketLog Run(byte[] stream, bool fromClient, bool deflate, IEnumerable<int> cuts, out WebSocketReader reader)
    {
        reader = new WebSocketReader(fromClient, deflate);
        var log = new WebSocketLog();
        var sink = new WebSocketRecorder(log);
        int start = 0;
        foreach (int cut in cuts)
        {
            reader.Feed(stream.AsSpan(start, cut - start), ref sink);
            start = cut;
        }

        reader.Feed(stream.AsSpan(start), ref sink);
        return log;
    }

    public static WebSocketLog Run(byte[] stream, bool fromClient = false, bool deflate = false) => Run(stream, fromClient, deflate, [], out _);
}

internal readonly struct WebSocketRecorder(WebSocketLog log) : IWebSocketSink
{
    public void OnMessage(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool truncated)
    {
        Assert.InRange(payload.Length, 0, WebSocketReader.MaxMessageLength);
        log.Messages.Add((opcode, payload.ToArray(), truncated));
    }

    public void OnClose(ushort code) => log.Closes.Add(code);

    public void OnAnomaly(Anomaly anomaly) => log.Anomalies.Add(anomaly);
}

/// <summary>Counts without allocating, for the allocation tests.</summary>
internal struct WebSocketCounter : IWebSocketSink
{
    public int Messages;
    public long Bytes;
    public int Anomalies;

    public void OnMessage(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool truncated)
    {
        Messages++;
        Bytes += payload.Length;
    }

    public readonly void OnClose(ushort code)
    {
    }

    public void OnAnomaly(Anomaly anomaly) => Anomalies++;
}
