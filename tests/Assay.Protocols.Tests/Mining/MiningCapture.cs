using System.Buffers;
using System.Text;
using Assay.Capture;
using Assay.Decoding;
using Assay.Protocols.Mining;
using Assay.Protocols.Tests.TestSupport;

namespace Assay.Protocols.Tests.Mining;

/// <summary>One JSON text of a flow with the time and packet number of the segment that completed it.</summary>
internal sealed record CapturedText(byte[] Json, bool FromClient, long Timestamp, long PacketNumber)
{
    public override string ToString() => Encoding.UTF8.GetString(Json);
}

/// <summary>
/// Test-side stand-in for the pipeline: reads a capture, puts each TCP direction in sequence order (retransmissions
/// dropped, stopping at a hole) and cuts it into JSON texts the way the integration will: newline-delimited lines through
/// <see cref="JsonLineFramer"/>, HTTP bodies by Content-Length, WebSocket text frames (unmasked). Bytes before the first
/// '{' of a direction (a SOCKS5 handshake) are skipped when asked.
/// </summary>
internal static class MiningCapture
{
    public sealed class Flow(TcpStreams.Endpoint client, TcpStreams.Endpoint server)
    {
        public TcpStreams.Endpoint Client { get; } = client;

        public TcpStreams.Endpoint Server { get; } = server;

        internal List<Segment> ClientSegments { get; } = [];

        internal List<Segment> ServerSegments { get; } = [];

        internal uint? ClientIsn { get; set; }

        internal uint? ServerIsn { get; set; }

        public override string ToString() => $"{Client} -> {Server}";
    }

    internal readonly record struct Segment(uint Sequence, byte[] Data, long Timestamp, long PacketNumber);

    /// <summary>TCP connections keyed by "client server" (the client sent the SYN; else the higher port).</summary>
    public static Dictionary<string, Flow> Read(string path)
    {
        var flows = new Dictionary<string, Flow>(StringComparer.Ordinal);
        using IPacketSource source = CaptureFile.Open(path);
        long number = 0;
        while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> frame) == ReadStatus.Packet)
        {
            number++;
            DecodedPacket packet = default;
            AnomalySet anomalies = default;
            if (!PacketDecoder.TryDecode(header.LinkType, frame, ref packet, ref anomalies)
                || (packet.Layers & PacketLayers.Tcp) == 0 || packet.IsFragment)
            {
                continue;
            }

            var from = new TcpStreams.Endpoint(TcpStreams.Format(packet.Source, packet.IPVersion), packet.SourcePort);
            var to = new TcpStreams.Endpoint(TcpStreams.Format(packet.Destination, packet.IPVersion), packet.DestinationPort);
            bool syn = (packet.TcpFlags & TcpFlags.Syn) != 0, ack = (packet.TcpFlags & TcpFlags.Ack) != 0;
            string forward = $"{from} {to}", backward = $"{to} {from}";
            Flow? flow;
            bool fromClient;
            if (flows.TryGetValue(forward, out flow))
                fromClient = true;
            else if (flows.TryGetValue(backward, out flow))
                fromClient = false;
            else
            {
                bool clientIsFrom = syn ? !ack : from.Port > to.Port;
                flow = clientIsFrom ? new Flow(from, to) : new Flow(to, from);
                flows.Add(clientIsFrom ? forward : backward, flow);
                fromClient = clientIsFrom;
            }

            if (syn)
            {
                if (fromClient)
                    flow.ClientIsn ??= packet.TcpSequence;
                else
                    flow.ServerIsn ??= packet.TcpSequence;
            }

            if (packet.PayloadLength > 0)
            {
                var segment = new Segment(syn ? packet.TcpSequence + 1 : packet.TcpSequence,
                    frame.Slice(packet.PayloadOffset, packet.PayloadLength).ToArray(), header.TimestampNanos, number);
                (fromClient ? flow.ClientSegments : flow.ServerSegments).Add(segment);
            }
        }

        return flows;
    }

    /// <summary>A direction's bytes in order, with for each byte offset where a segment starts its time and packet number.</summary>
    internal static (byte[] Bytes, List<(int Offset, long Timestamp, long Packet)> Marks) Stream(List<Segment> segments, uint? isn)
    {
        if (segments.Count == 0)
            return ([], []);
        uint origin = isn.HasValue ? isn.Value + 1 : segments[0].Sequence;
        var ordered = new List<Segment>(segments);
        ordered.Sort((a, b) => ((int)(a.Sequence - origin)).CompareTo((int)(b.Sequence - origin)));
        var bytes = new List<byte>();
        var marks = new List<(int, long, long)>();
        foreach (Segment s in ordered)
        {
            int offset = (int)(s.Sequence - origin);
            if (offset < 0)
                continue;
            if (offset > bytes.Count)
                break;   // a hole: stop, as reassembly would wait
            int skip = bytes.Count - offset;
            if (skip >= s.Data.Length)
                continue;   // a retransmission of what we have
            marks.Add((bytes.Count, s.Timestamp, s.PacketNumber));
            bytes.AddRange(s.Data.AsSpan(skip).ToArray());
        }

        return ([.. bytes], marks);
    }

    /// <summary>The JSON texts of both directions, in time order.</summary>
    public static List<CapturedText> Texts(Flow flow, bool skipToFirstBrace = false)
    {
        var texts = new List<CapturedText>();
        Cut(flow.ClientSegments, flow.ClientIsn, true, skipToFirstBrace, texts);
        Cut(flow.ServerSegments, flow.ServerIsn, false, skipToFirstBrace, texts);
        texts.Sort((a, b) => a.Timestamp != b.Timestamp ? a.Timestamp.CompareTo(b.Timestamp) : a.PacketNumber.CompareTo(b.PacketNumber));
        return texts;
    }

    private static void Cut(List<Segment> segments, uint? isn, bool fromClient, bool skipToFirstBrace, List<CapturedText> texts)
    {
        (byte[] bytes, var marks) = Stream(segments, isn);
        int position = 0;
        if (skipToFirstBrace)
            position = Math.Max(0, Array.IndexOf(bytes, (byte)'{'));
        if (IsHttp(bytes))
        {
            CutHttp(bytes, marks, fromClient, texts);
            return;
        }

        while (position < bytes.Length)
        {
            OperationStatus status = JsonLineFramer.TryReadLine(bytes.AsSpan(position), out ReadOnlySpan<byte> line, out int consumed);
            if (status == OperationStatus.NeedMoreData)
                break;
            int end = position + consumed - 1;
            if (status == OperationStatus.Done && !line.IsEmpty)
                texts.Add(At(line.ToArray(), end, marks, fromClient));
            position += consumed;
        }
    }

    private static bool IsHttp(ReadOnlySpan<byte> bytes) =>
        bytes.StartsWith("POST "u8) || bytes.StartsWith("GET "u8) || bytes.StartsWith("HTTP/1."u8);

    private static void CutHttp(byte[] bytes, List<(int Offset, long Timestamp, long Packet)> marks, bool fromClient, List<CapturedText> texts)
    {
        int position = 0;
        while (position < bytes.Length)
        {
            int headEnd = bytes.AsSpan(position).IndexOf("\r\n\r\n"u8);
            if (headEnd < 0)
                return;
            string head = Encoding.ASCII.GetString(bytes, position, headEnd);
            int bodyStart = position + headEnd + 4;
            int length = 0;
            foreach (string line in head.Split("\r\n"))
            {
                if (line.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))
                    length = int.Parse(line.AsSpan("Content-Length:".Length).Trim(), System.Globalization.CultureInfo.InvariantCulture);
            }

            if (bodyStart + length > bytes.Length)
                return;
            if (length > 0)
                texts.Add(At(bytes.AsSpan(bodyStart, length).ToArray(), bodyStart + length - 1, marks, fromClient));
            position = bodyStart + length;
        }
    }

    /// <summary>WebSocket text messages (RFC 6455 §5.2) of one direction, unmasked; fragmented messages joined.</summary>
    public static List<CapturedText> WebSocketTexts(Flow flow)
    {
        var texts = new List<CapturedText>();
        foreach ((List<Segment> segments, uint? isn, bool fromClient) in new[] { (flow.ClientSegments, flow.ClientIsn, true), (flow.ServerSegments, flow.ServerIsn, false) })
        {
            (byte[] bytes, var marks) = Stream(segments, isn);
            int position = bytes.AsSpan().IndexOf("\r\n\r\n"u8);
            if (position < 0)
                continue;
            position += 4;
            var message = new List<byte>();
            while (position + 2 <= bytes.Length)
            {
                byte b0 = bytes[position], b1 = bytes[position + 1];
                int opcode = b0 & 0x0F;
                bool masked = (b1 & 0x80) != 0;
                long length = b1 & 0x7F;
                int header = 2;
                if (length == 126)
                {
                    length = (bytes[position + 2] << 8) | bytes[position + 3];
                    header = 4;
                }
                else if (length == 127)
                {
                    length = (long)System.Buffers.Binary.BinaryPrimitives.ReadUInt64BigEndian(bytes.AsSpan(position + 2));
                    header = 10;
                }

                int maskOffset = position + header;
                int payload = maskOffset + (masked ? 4 : 0);
                if (payload + length > bytes.Length)
                    break;
                for (int i = 0; i < length; i++)
                    message.Add(masked ? (byte)(bytes[payload + i] ^ bytes[maskOffset + (i & 3)]) : bytes[payload + i]);
                position = payload + (int)length;
                bool fin = (b0 & 0x80) != 0;
                if (opcode is 0x8 or 0x9 or 0xA)
                {
                    message.Clear();
                    continue;
                }

                if (fin)
                {
                    texts.Add(At([.. message], position - 1, marks, fromClient));
                    message.Clear();
                }
            }
        }

        texts.Sort((a, b) => a.Timestamp != b.Timestamp ? a.Timestamp.CompareTo(b.Timestamp) : a.PacketNumber.CompareTo(b.PacketNumber));
        return texts;
    }

    private static CapturedText At(byte[] json, int lastByte, List<(int Offset, long Timestamp, long Packet)> marks, bool fromClient)
    {
        (int, long Timestamp, long Packet) mark = marks[0];
        foreach (var m in marks)
        {
            if (m.Offset > lastByte)
                break;
            mark = m;
        }

        return new CapturedText(json, fromClient, mark.Timestamp, mark.Packet);
    }

    /// <summary>Feeds the texts to a new session; the anomalies raised are returned too.</summary>
    public static MiningSession Run(IEnumerable<CapturedText> texts, out List<Anomaly> anomalies)
    {
        var session = new MiningSession();
        anomalies = [];
        foreach (CapturedText text in texts)
        {
            AnomalySet set = default;
            session.OnMessage(text.Json, text.FromClient, text.Timestamp, text.PacketNumber, ref set);
            for (int i = 0; i < set.Count; i++)
                anomalies.Add(set[i]);
        }

        return session;
    }
}
