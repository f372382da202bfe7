using Assay.Capture;
using Assay.Decoding;
using Assay.Protocols.Mining.Shape;
using Assay.Protocols.Tests.TestSupport;

namespace Assay.Protocols.Tests.Mining.Shape;

/// <summary>
/// Test-side flow table for the shape heuristic: reads a capture with the project's readers, groups TCP packets by
/// 5-tuple (client = the SYN sender, else the SYN-ACK receiver, else the higher port; a new SYN with another sequence number on a known 5-tuple
/// starts a new flow), feeds every payload segment to a <see cref="FlowShape"/> as the pipeline will, and keeps first and
/// last packet times (SYN and FIN included).
/// </summary>
internal static class ShapeFlows
{
    /// <summary>Captures larger than this are skipped by the sweeps (none in the corpus today: the largest is 9.7 MB).</summary>
    public const long MaxCaptureBytes = 64L << 20;

    public sealed class Flow(string capture, TcpStreams.Endpoint client, TcpStreams.Endpoint server, long first)
    {
        public FlowShape Shape;

        public string Capture { get; } = capture;

        public TcpStreams.Endpoint Client { get; } = client;

        public TcpStreams.Endpoint Server { get; } = server;

        public long FirstNanos { get; } = first;

        public long LastNanos { get; set; } = first;

        public uint? ClientIsn { get; set; }

        public int Packets { get; set; }

        public double DurationSeconds => (LastNanos - FirstNanos) / 1e9;

        public ShapeVerdict Evaluate() => ShapeClassifier.Evaluate(in Shape, FirstNanos, LastNanos);

        public override string ToString() => $"{System.IO.Path.GetFileName(Capture)} {Client} -> {Server}";
    }

    /// <summary>Every TCP flow of a capture, in order of first packet; null when the file is not a capture we read.</summary>
    public static List<Flow>? Read(string path)
    {
        IPacketSource source;
        try
        {
            source = CaptureFile.Open(path);
        }
        catch (CaptureFormatException)
        {
            return null;
        }

        var flows = new List<Flow>();
        var current = new Dictionary<(UInt128, ushort, UInt128, ushort), Flow>();
        using (source)
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

                var forward = (packet.Source, packet.SourcePort, packet.Destination, packet.DestinationPort);
                var backward = (packet.Destination, packet.DestinationPort, packet.Source, packet.SourcePort);
                bool synOnly = (packet.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == TcpFlags.Syn;
                bool toServer;
                if (current.TryGetValue(forward, out Flow? flow))
                {
                    toServer = true;
                    if (synOnly && flow.ClientIsn is uint isn && isn != packet.TcpSequence)
                        flow = null;
                }
                else if (current.TryGetValue(backward, out flow))
                {
                    toServer = false;
                    if (synOnly)
                    {
                        current.Remove(backward);
                        flow = null;
                    }
                }
                else
                {
                    toServer = true;
                }

                if (flow is null)
                {
                    // A SYN-ACK first means we missed the SYN: its receiver is the client. Without either, the client is
                    // the side with the higher port (ephemeral vs service port, as Veselý & Žádník's req/all feature).
                    bool senderIsServer = (packet.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack)
                        || (!synOnly && (packet.TcpFlags & TcpFlags.Syn) == 0 && packet.SourcePort < packet.DestinationPort);
                    var source1 = new TcpStreams.Endpoint(TcpStreams.Format(packet.Source, packet.IPVersion), packet.SourcePort);
                    var destination = new TcpStreams.Endpoint(TcpStreams.Format(packet.Destination, packet.IPVersion), packet.DestinationPort);
                    flow = senderIsServer
                        ? new Flow(path, destination, source1, header.TimestampNanos)
                        : new Flow(path, source1, destination, header.TimestampNanos);
                    current[senderIsServer ? backward : forward] = flow;
                    flows.Add(flow);
                    toServer = !senderIsServer;
                }

                if (synOnly)
                    flow.ClientIsn = packet.TcpSequence;
                flow.Packets++;
                flow.LastNanos = Math.Max(flow.LastNanos, header.TimestampNanos);
                flow.Shape.Observe(toServer, packet.PayloadLength, header.TimestampNanos);
            }
        }

        return flows;
    }
}
