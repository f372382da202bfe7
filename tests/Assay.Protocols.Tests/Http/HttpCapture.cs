using Assay.Capture;
using Assay.Decoding;
using Assay.Flows.Tcp;
using Assay.Protocols.Http;
using Assay.Protocols.Tests.TestSupport;

namespace Assay.Protocols.Tests.Http;

/// <summary>
/// The production path for HTTP tests over captures: every TCP connection's packets through <see cref="TcpReassembler"/>
/// (Assay.Flows), each direction's deliveries, gaps and end fed to one <see cref="HttpParser"/> as they come, and the
/// parser's requests for delivery past the parse depth (bodies) passed back to the reassembler.
/// </summary>
internal static class HttpCapture
{
    public sealed class Connection(TcpStreams.Endpoint client, TcpStreams.Endpoint server, HttpParserContext context)
    {
        public TcpStreams.Endpoint Client { get; } = client;

        public TcpStreams.Endpoint Server { get; } = server;

        public HttpParser Parser { get; } = new(context);

        public HttpRecorder Recorder { get; } = new();

        public TcpStreamState ClientState;
        public TcpStreamState ServerState;

        /// <summary>The connection's first packet's order in the capture.</summary>
        public int Order { get; init; }
    }

    /// <summary>Every TCP connection of the capture, in the order their first packets appear.</summary>
    public static List<Connection> Run(string path, HttpOptions? options = null, TcpReassemblerOptions? reassembly = null)
    {
        var context = new HttpParserContext(options);
        var reassembler = new TcpReassembler(reassembly ?? TcpReassemblerOptions.Default);
        var connections = new Dictionary<string, Connection>(StringComparer.Ordinal);
        using (IPacketSource source = CaptureFile.Open(path))
        {
            while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> frame) == ReadStatus.Packet)
            {
                DecodedPacket packet = default;
                AnomalySet anomalies = default;
                if (!PacketDecoder.TryDecode(header.LinkType, frame, ref packet, ref anomalies)
                    || (packet.Layers & PacketLayers.Tcp) == 0 || packet.IsFragment)
                {
                    continue;
                }

                var from = new TcpStreams.Endpoint(TcpStreams.Format(packet.Source, packet.IPVersion), packet.SourcePort);
                var to = new TcpStreams.Endpoint(TcpStreams.Format(packet.Destination, packet.IPVersion), packet.DestinationPort);
                string key = TcpStreams.Key(from, to);
                bool synAck = (packet.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack);
                if (!connections.TryGetValue(key, out Connection? connection))
                {
                    connection = synAck ? new Connection(to, from, context) { Order = connections.Count } : new Connection(from, to, context) { Order = connections.Count };
                    connections.Add(key, connection);
                }

                bool toServer = connection.Client == from;
                var clientSink = new StreamSink(connection, toServer: true);
                var serverSink = new StreamSink(connection, toServer: false);
                ReadOnlySpan<byte> payload = frame.Slice(packet.PayloadOffset, packet.PayloadLength);
                int wireLength = packet.NetworkOffset + packet.NetworkLength - packet.PayloadOffset;
                bool ack = (packet.TcpFlags & TcpFlags.Ack) != 0;
                if (toServer)
                {
                    reassembler.Process(ref connection.ClientState, packet.TcpSequence, packet.TcpFlags, payload, Math.Max(wireLength, payload.Length), header.TimestampNanos, ref clientSink);
                    if (ack)
                        reassembler.Acknowledge(ref connection.ServerState, packet.TcpAcknowledgment, ref serverSink);
                }
                else
                {
                    reassembler.Process(ref connection.ServerState, packet.TcpSequence, packet.TcpFlags, payload, Math.Max(wireLength, payload.Length), header.TimestampNanos, ref serverSink);
                    if (ack)
                        reassembler.Acknowledge(ref connection.ClientState, packet.TcpAcknowledgment, ref clientSink);
                }
            }
        }

        var result = new List<Connection>(connections.Values);
        foreach (Connection connection in result)
        {
            var clientSink = new StreamSink(connection, toServer: true);
            var serverSink = new StreamSink(connection, toServer: false);
            reassembler.Close(ref connection.ClientState, TcpStreamEnd.Closed, ref clientSink);
            reassembler.Close(ref connection.ServerState, TcpStreamEnd.Closed, ref serverSink);
            HttpRecorder recorder = connection.Recorder;
            connection.Parser.Close(ref recorder);
            connection.Parser.Dispose();
        }

        result.Sort((a, b) => a.Order.CompareTo(b.Order));
        return result;
    }

    /// <summary>All transactions of a capture, connection by connection.</summary>
    public static List<(Connection Connection, RecordedTransaction Transaction)> Transactions(List<Connection> connections)
    {
        var all = new List<(Connection, RecordedTransaction)>();
        foreach (Connection connection in connections)
        {
            foreach (RecordedTransaction tx in connection.Recorder.Transactions)
                all.Add((connection, tx));
        }

        return all;
    }

    private struct StreamSink(Connection connection, bool toServer) : ITcpStreamSink
    {
        private HttpRecorder _recorder = connection.Recorder;

        public long OnData(ReadOnlySpan<byte> data, long streamOffset) => connection.Parser.OnData(toServer, data, ref _recorder);

        public void OnGap(long streamOffset, long length) => connection.Parser.OnGap(toServer, length, ref _recorder);

        public void OnEnd(TcpStreamEnd reason, long streamOffset) => connection.Parser.OnEnd(toServer, ref _recorder);

        public readonly void OnOverlap(in TcpOverlap overlap)
        {
        }

        public readonly void OnAnomaly(Anomaly anomaly, long streamOffset)
        {
        }
    }
}
