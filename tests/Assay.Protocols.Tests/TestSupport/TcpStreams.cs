using System.Net;
using Assay.Capture;
using Assay.Decoding;

namespace Assay.Protocols.Tests.TestSupport;

/// <summary>
/// A test-side stand-in for TCP reassembly: reads a capture, and for every TCP connection puts each direction's payload
/// in sequence order, retransmissions laid over what they repeat, stopping at the first hole. Only the first connection
/// of a 4-tuple is kept (a later SYN with a new sequence number starts one this helper ignores). Good enough for the
/// first few KiB of a handshake; the real reassembler lives in Assay.Flows.
/// </summary>
internal static class TcpStreams
{
    /// <summary>Bytes kept per direction: handshakes are at the start.</summary>
    private const int MaxBytesPerDirection = 1 << 20;

    public sealed record Endpoint(string Address, ushort Port)
    {
        /// <summary>As ndpiReader prints it: <c>10.0.0.1:443</c>, <c>[2001:db8::1]:443</c>.</summary>
        public override string ToString() => Address.Contains(':', StringComparison.Ordinal) ? $"[{Address}]:{Port}" : $"{Address}:{Port}";
    }

    public sealed class Direction(Endpoint source, Endpoint destination)
    {
        public Endpoint Source { get; } = source;

        public Endpoint Destination { get; } = destination;

        internal uint? InitialSequence { get; set; }

        /// <summary>This side sent a SYN without ACK: it is the client.</summary>
        public bool SentSyn { get; internal set; }

        internal List<(uint Sequence, byte[] Data)> Segments { get; } = [];

        /// <summary>
        /// The payload in sequence order up to the first hole. Where segments overlap the later one wins: that recovers
        /// the ClientHello behind the 2-byte decoy segments of nDPI's heuristic_tcp_ack_payload.pcap, which the servers
        /// evidently never received (they answered the hello).
        /// </summary>
        public byte[] Stream()
        {
            if (Segments.Count == 0)
                return [];

            uint origin = InitialSequence.HasValue ? InitialSequence.Value + 1 : Segments[0].Sequence;
            long lowest = InitialSequence.HasValue ? 0 : long.MaxValue;
            foreach ((uint sequence, _) in Segments)
                lowest = Math.Min(lowest, (int)(sequence - origin));

            long size = 0;
            foreach ((uint sequence, byte[] data) in Segments)
                size = Math.Max(size, (int)(sequence - origin) - lowest + data.Length);
            size = Math.Min(size, MaxBytesPerDirection);

            var bytes = new byte[size];
            var present = new bool[size];
            int length = 0;
            foreach ((uint sequence, byte[] data) in Segments)
            {
                long offset = (int)(sequence - origin) - lowest;
                if (offset < 0 || offset >= size)
                    continue;
                int count = (int)Math.Min(data.Length, size - offset);
                data.AsSpan(0, count).CopyTo(bytes.AsSpan((int)offset));
                present.AsSpan((int)offset, count).Fill(true);
                length = Math.Max(length, (int)offset + count);
            }

            int end = Array.IndexOf(present, false, 0, length);
            return bytes[..(end < 0 ? length : end)];
        }
    }

    public sealed class Connection(Direction first, Direction second)
    {
        public Direction First { get; } = first;

        public Direction Second { get; } = second;

        /// <summary>Set when a new SYN reused the 4-tuple: later packets were ignored.</summary>
        public bool Closed { get; set; }
    }

    /// <summary>TCP connections of a capture keyed by <see cref="Key"/>; null when the file is not a capture we read.</summary>
    public static Dictionary<string, Connection>? Read(string path)
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

        var connections = new Dictionary<string, Connection>(StringComparer.Ordinal);
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

                var from = new Endpoint(Format(packet.Source, packet.IPVersion), packet.SourcePort);
                var to = new Endpoint(Format(packet.Destination, packet.IPVersion), packet.DestinationPort);
                string key = Key(from, to);
                if (!connections.TryGetValue(key, out Connection? connection))
                {
                    connection = new Connection(new Direction(from, to), new Direction(to, from));
                    connections.Add(key, connection);
                }

                if (connection.Closed)
                    continue;
                Direction direction = connection.First.Source == from ? connection.First : connection.Second;
                bool syn = (packet.TcpFlags & TcpFlags.Syn) != 0;
                if (syn)
                {
                    // A new SYN with another sequence number is a new connection on the same ports; a SYN-ACK repeated with
                    // another one (tls_multiple_synack_different_seq.pcapng) only replaces the server's.
                    bool ack = (packet.TcpFlags & TcpFlags.Ack) != 0;
                    if (!ack && direction.InitialSequence is uint known && known != packet.TcpSequence)
                    {
                        connection.Closed = true;
                        continue;
                    }

                    direction.InitialSequence = packet.TcpSequence;
                    direction.SentSyn |= !ack;
                }

                if (packet.PayloadLength > 0)
                {
                    uint sequence = syn ? packet.TcpSequence + 1 : packet.TcpSequence;
                    direction.Segments.Add((sequence, frame.Slice(packet.PayloadOffset, packet.PayloadLength).ToArray()));
                }
            }
        }

        return connections;
    }

    /// <summary>The same for both directions: the two endpoints in ordinal order.</summary>
    public static string Key(Endpoint a, Endpoint b)
    {
        string x = a.ToString(), y = b.ToString();
        return string.CompareOrdinal(x, y) <= 0 ? $"{x} {y}" : $"{y} {x}";
    }

    public static string Format(UInt128 address, byte version)
    {
        Span<byte> bytes = stackalloc byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return version == 4 ? new IPAddress(bytes[12..]).ToString() : new IPAddress(bytes).ToString();
    }
}
