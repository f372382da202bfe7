using Assay.Capture;
using Assay.Decoding;
using Assay.Flows.Tcp;

namespace Assay.Flows.Tests.Tcp;

/// <summary>Reads a capture and reassembles every TCP direction into a <see cref="StreamLog"/>, as the engine would wire it.</summary>
internal sealed class CaptureStreams
{
    public readonly record struct DirectionKey(UInt128 Source, ushort SourcePort, UInt128 Destination, ushort DestinationPort)
    {
        public DirectionKey Reverse => new(Destination, DestinationPort, Source, SourcePort);
    }

    public sealed class DirectionStream(DirectionKey key)
    {
        public readonly DirectionKey Key = key;
        public readonly StreamLog Log = new();
        public TcpStreamState State;
    }

    private readonly Dictionary<DirectionKey, DirectionStream> _current = [];

    public CaptureStreams(TcpReassembler reassembler) => Reassembler = reassembler;

    public TcpReassembler Reassembler { get; }

    /// <summary>Every direction seen, in order of first appearance (a reused port pair after an ended stream starts a new one).</summary>
    public List<DirectionStream> All { get; } = [];

    public long Packets { get; private set; }

    public static CaptureStreams Read(string path, TcpReassemblerOptions? options = null, long carveRequest = 0)
    {
        var result = new CaptureStreams(new TcpReassembler(options ?? TcpReassemblerOptions.Default));
        result.Feed(path, carveRequest);
        result.CloseAll();
        return result;
    }

    public void Feed(string path, long carveRequest)
    {
        using IPacketSource source = CaptureFile.Open(path);
        DecodedPacket packet = default;
        AnomalySet anomalies = default;
        while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> frame) == ReadStatus.Packet)
        {
            anomalies.Clear();
            if (!PacketDecoder.TryDecode(header.LinkType, frame, ref packet, ref anomalies) || (packet.Layers & PacketLayers.Tcp) == 0 || packet.IsFragment)
                continue;

            Packets++;
            var key = new DirectionKey(packet.Source, packet.SourcePort, packet.Destination, packet.DestinationPort);
            DirectionStream sender = Get(key, packet.TcpFlags);
            sender.Log.Want = carveRequest;
            var sink = new RecordingSink(sender.Log);
            ReadOnlySpan<byte> payload = frame.Slice(packet.PayloadOffset, packet.PayloadLength);
            int wireLength = packet.NetworkOffset + packet.NetworkLength - packet.PayloadOffset;   // the snap length may have cut the payload
            Reassembler.Process(ref sender.State, packet.TcpSequence, packet.TcpFlags, payload, wireLength, header.TimestampNanos, ref sink);

            if ((packet.TcpFlags & TcpFlags.Ack) != 0)
            {
                DirectionStream receiver = Get(key.Reverse, TcpFlags.None);
                var receiverSink = new RecordingSink(receiver.Log);
                Reassembler.Acknowledge(ref receiver.State, packet.TcpAcknowledgment, ref receiverSink);
            }
        }
    }

    public void CloseAll()
    {
        foreach (DirectionStream stream in All)
        {
            var sink = new RecordingSink(stream.Log);
            Reassembler.Close(ref stream.State, TcpStreamEnd.Closed, ref sink);
        }
    }

    private DirectionStream Get(DirectionKey key, TcpFlags flags)
    {
        if (_current.TryGetValue(key, out DirectionStream? stream) && !(stream.State.HasEnded && (flags & TcpFlags.Syn) != 0))
            return stream;
        stream = new DirectionStream(key);
        _current[key] = stream;
        All.Add(stream);
        return stream;
    }
}

/// <summary>Just enough HTTP/1.x response parsing to cut bodies out of a reassembled server stream (RFC 9112 §6).</summary>
internal static class HttpResponses
{
    public static List<(int Status, byte[] Body)> Parse(ReadOnlySpan<byte> stream)
    {
        var responses = new List<(int, byte[])>();
        int pos = 0;
        while (pos < stream.Length)
        {
            int headerEnd = stream[pos..].IndexOf("\r\n\r\n"u8);
            if (headerEnd < 0)
                break;
            string[] lines = System.Text.Encoding.Latin1.GetString(stream.Slice(pos, headerEnd)).Split("\r\n");
            Assert.StartsWith("HTTP/1.", lines[0], StringComparison.Ordinal);
            int status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
            long contentLength = -1;
            bool chunked = false;
            foreach (string line in lines.AsSpan(1))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                string name = line[..colon].Trim();
                string value = line[(colon + 1)..].Trim();
                if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                    contentLength = long.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                else if (name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) && value.Contains("chunked", StringComparison.OrdinalIgnoreCase))
                    chunked = true;
            }

            pos += headerEnd + 4;
            if (status is (>= 100 and < 200) or 204 or 304)
            {
                responses.Add((status, []));
            }
            else if (chunked)
            {
                var body = new MemoryStream();
                while (true)
                {
                    int lineEnd = stream[pos..].IndexOf("\r\n"u8);
                    string sizeText = System.Text.Encoding.Latin1.GetString(stream.Slice(pos, lineEnd)).Split(';')[0].Trim();
                    int size = int.Parse(sizeText, System.Globalization.NumberStyles.HexNumber, System.Globalization.CultureInfo.InvariantCulture);
                    pos += lineEnd + 2;
                    if (size == 0)
                    {
                        pos += stream[pos..].IndexOf("\r\n"u8) + 2;   // no trailers expected: the empty line
                        break;
                    }

                    body.Write(stream.Slice(pos, size));
                    pos += size + 2;
                }

                responses.Add((status, body.ToArray()));
            }
            else if (contentLength >= 0)
            {
                responses.Add((status, stream.Slice(pos, (int)contentLength).ToArray()));
                pos += (int)contentLength;
            }
            else
            {
                responses.Add((status, stream[pos..].ToArray()));   // delimited by the connection's close
                pos = stream.Length;
            }
        }

        return responses;
    }
}
