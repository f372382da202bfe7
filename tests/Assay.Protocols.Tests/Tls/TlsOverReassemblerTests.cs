using Assay.Capture;
using Assay.Decoding;
using Assay.Flows.Tcp;
using Assay.Protocols.Tests.TestSupport;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Tls;

/// <summary>
/// The production path end to end: nDPI's captures through <see cref="TcpReassembler"/> (Assay.Flows), each direction's
/// deliveries fed to the TLS parser incrementally as multi-segment sequences (<see cref="TlsStreamConsumer"/>). Every
/// ClientHello must fingerprint as it does when the whole stream is parsed at once (<see cref="NdpiCorpusTests"/>).
/// </summary>
public class TlsOverReassemblerTests(ITestOutputHelper output)
{
    /// <summary>
    /// heuristic_tcp_ack_payload.pcap sends a 2-byte decoy segment, then the ClientHello over the same sequence numbers.
    /// The reassembler keeps the first data (its policy, Suricata's "first"), so the hello's first two bytes are the decoy's
    /// and no record starts there; TcpStreams lets the later data win and finds the hello (the servers answered it).
    /// </summary>
    private const string DecoyCapture = "heuristic_tcp_ack_payload.pcap";

    private sealed class Connection(TcpStreams.Endpoint first)
    {
        public readonly TcpStreams.Endpoint First = first;
        public TcpStreamState FirstState;
        public TcpStreamState SecondState;
        public readonly TlsStreamConsumer FirstConsumer = new();
        public readonly TlsStreamConsumer SecondConsumer = new();
    }

    [Fact]
    public void IncrementalParsingOverTheReassemblerMatchesWholeStreamParsing()
    {
        if (Corpus.Root is null)
            return;

        int compared = 0, equal = 0, decoys = 0, maxSegments = 0;
        var differences = new List<string>();
        foreach ((string pcap, List<(string? Key, string? Ja3, string? Ja4)> flows) in NdpiCorpusTests.Expectations())
        {
            Dictionary<string, Connection> reassembled = Reassemble(pcap);
            Dictionary<string, TcpStreams.Connection> whole = TcpStreams.Read(pcap)!;
            foreach ((string? key, _, _) in flows)
            {
                if (key is null || !whole.TryGetValue(key, out TcpStreams.Connection? streams))
                    continue;
                ClientHelloCapture? expected = ClientHelloCapture.Read(streams.First.Stream()) ?? ClientHelloCapture.Read(streams.Second.Stream());
                if (expected is null)
                    continue; // TLS after a plain-text start, or inside a tunnel: not what this test is about

                compared++;
                ClientHelloCapture? actual = null;
                if (reassembled.TryGetValue(key, out Connection? connection))
                {
                    maxSegments = Math.Max(maxSegments, Math.Max(connection.FirstConsumer.MaxSegments, connection.SecondConsumer.MaxSegments));
                    actual = connection.FirstConsumer.Capture.HasClientHello ? connection.FirstConsumer.Capture
                        : connection.SecondConsumer.Capture.HasClientHello ? connection.SecondConsumer.Capture : null;
                }

                if (actual?.Ja4 == expected.Ja4 && actual?.Ja3 == expected.Ja3)
                    equal++;
                else if (Path.GetFileName(pcap) == DecoyCapture)
                    decoys++;
                else
                    differences.Add($"{Path.GetFileName(pcap)} {key}: {actual?.Ja4 ?? "no ClientHello"}, whole stream {expected.Ja4}");
            }
        }

        output.WriteLine($"ClientHellos compared {compared}, equal {equal}, behind decoy segments {decoys}; largest record read spanned {maxSegments} deliveries");
        foreach (string difference in differences)
            output.WriteLine(difference);
        Assert.True(compared > 700, $"only {compared} compared");
        Assert.True(maxSegments > 1, "no record spanned deliveries: the multi-segment path was not exercised");
        Assert.Equal(5, decoys);
        Assert.Empty(differences);
    }

    private static Dictionary<string, Connection> Reassemble(string path)
    {
        var reassembler = new TcpReassembler();
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
                if (!connections.TryGetValue(key, out Connection? connection))
                    connections.Add(key, connection = new Connection(from));

                bool forward = connection.First == from;
                var firstSink = new TlsStreamConsumer.StreamSink(connection.FirstConsumer);
                var secondSink = new TlsStreamConsumer.StreamSink(connection.SecondConsumer);
                ReadOnlySpan<byte> payload = frame.Slice(packet.PayloadOffset, packet.PayloadLength);
                bool ack = (packet.TcpFlags & TcpFlags.Ack) != 0;
                if (forward)
                {
                    reassembler.Process(ref connection.FirstState, packet.TcpSequence, packet.TcpFlags, payload, header.TimestampNanos, ref firstSink);
                    if (ack)
                        reassembler.Acknowledge(ref connection.SecondState, packet.TcpAcknowledgment, ref secondSink);
                }
                else
                {
                    reassembler.Process(ref connection.SecondState, packet.TcpSequence, packet.TcpFlags, payload, header.TimestampNanos, ref secondSink);
                    if (ack)
                        reassembler.Acknowledge(ref connection.FirstState, packet.TcpAcknowledgment, ref firstSink);
                }
            }
        }

        foreach (Connection connection in connections.Values)
        {
            var firstSink = new TlsStreamConsumer.StreamSink(connection.FirstConsumer);
            var secondSink = new TlsStreamConsumer.StreamSink(connection.SecondConsumer);
            reassembler.Close(ref connection.FirstState, TcpStreamEnd.Closed, ref firstSink);
            reassembler.Close(ref connection.SecondState, TcpStreamEnd.Closed, ref secondSink);
        }

        return connections;
    }
}
