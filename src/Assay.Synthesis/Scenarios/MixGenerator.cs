using System.Buffers.Binary;
using Assay.Capture;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Scenarios;

/// <summary>What <see cref="MixGenerator"/> wrote.</summary>
public sealed record MixSummary(int PacketCount, int TcpFlows, int UdpFlows, long ByteCount, long FirstTimestampNanos, long LastTimestampNanos);

/// <summary>
/// A large synthetic mix for benchmarks and allocation tests: many concurrent TCP and UDP flows (5% IPv6) of mixed sizes, each
/// TCP flow with a handshake, consistent sequence numbers and a FIN close. Built for speed: one reusable frame buffer, flow
/// state in a struct array, no per-packet allocation or LINQ; checksums are still correct.
/// </summary>
public static class MixGenerator
{
    public const int DefaultConcurrentFlows = 2048;
    private const int FrameCapacity = 1600;
    private const int PoolLength = 1 << 16;
    private const int Mss = 1460;
    private const int Ipv6Percent = 5;
    private const int UdpPercent = 25;

    private static readonly MacAddress s_gatewayMac = MacAddress.Parse("02:00:5e:00:00:01");

    private enum Phase : byte
    {
        Syn,
        SynAck,
        Ack,
        Data,
        Fin,
        FinAck,
        LastAck,
        Done,
    }

    private struct Flow
    {
        public bool IsTcp;
        public bool IsIPv6;
        public uint ClientId;
        public uint ServerId;
        public ushort ClientPort;
        public ushort ServerPort;
        public uint ClientSeq;
        public uint ServerSeq;
        public ushort ClientIpId;
        public ushort ServerIpId;
        public Phase Phase;
        public int Remaining;
        public int BulkBias; // percent of data packets that are full-sized
        public bool LastFromServer;
    }

    /// <summary>Writes <paramref name="packets"/> packets (Ethernet pcap) to <paramref name="path"/>.</summary>
    public static MixSummary Write(string path, int packets, int seed) => Write(path, packets, seed, DefaultConcurrentFlows);

    public static MixSummary Write(string path, int packets, int seed, int concurrentFlows)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1 << 20);
        return Write(stream, packets, seed, concurrentFlows);
    }

    /// <summary>Writes to <paramref name="stream"/> (left open).</summary>
    public static MixSummary Write(Stream stream, int packets, int seed, int concurrentFlows = DefaultConcurrentFlows)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(packets);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(concurrentFlows);
        using var writer = new PcapWriter(stream, (int)LinkType.Ethernet, nanoseconds: true, ownsStream: false);

        var random = new SeededRandom(seed);
        byte[] pool = random.NextBytes(PoolLength + FrameCapacity);
        byte[] frame = new byte[FrameCapacity];
        var flows = new Flow[concurrentFlows];
        uint nextFlowId = 1;
        int tcpFlows = 0;
        int udpFlows = 0;
        for (int i = 0; i < flows.Length; i++)
            StartFlow(ref flows[i], random, nextFlowId++, ref tcpFlows, ref udpFlows);

        long time = SynthTime.ToUnixNanos(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        long first = time;
        long bytes = 0;
        for (int n = 0; n < packets; n++)
        {
            ref Flow flow = ref flows[random.Next(flows.Length)];
            int length = flow.IsTcp ? NextTcpPacket(ref flow, frame, pool, random) : NextUdpPacket(ref flow, frame, pool, random);
            writer.Write(time, frame.AsSpan(0, length));
            bytes += length;
            time += 200 + random.Next(8_000); // 0.2–8.2 µs apart: ~1 M packets per 4 s of capture time
            if (flow.Phase == Phase.Done)
                StartFlow(ref flow, random, nextFlowId++, ref tcpFlows, ref udpFlows);
        }

        writer.Flush();
        return new MixSummary(packets, tcpFlows, udpFlows, bytes, first, time);
    }

    private static void StartFlow(ref Flow flow, SeededRandom random, uint id, ref int tcpFlows, ref int udpFlows)
    {
        flow.IsTcp = random.Next(100) >= UdpPercent;
        flow.IsIPv6 = random.Next(100) < Ipv6Percent;
        flow.ClientId = id;
        flow.ServerId = (uint)random.Next(1, 250);
        flow.ClientPort = (ushort)random.Next(32768, 61000);
        flow.ServerPort = flow.IsTcp ? (random.Next(4) == 0 ? (ushort)80 : (ushort)443) : (random.Next(2) == 0 ? (ushort)53 : (ushort)random.Next(1024, 65535));
        flow.ClientSeq = random.NextUInt32();
        flow.ServerSeq = random.NextUInt32();
        flow.ClientIpId = (ushort)random.NextUInt32();
        flow.ServerIpId = (ushort)random.NextUInt32();
        flow.Phase = flow.IsTcp ? Phase.Syn : Phase.Data;
        // Mostly short flows, a heavy tail of bulk transfers.
        flow.Remaining = random.Next(10) == 0 ? random.Next(100, 2000) : random.Next(1, 24);
        flow.BulkBias = flow.Remaining > 100 ? 90 : 30;
        flow.LastFromServer = false;
        if (flow.IsTcp)
            tcpFlows++;
        else
            udpFlows++;
    }

    private static int NextTcpPacket(ref Flow flow, byte[] frame, byte[] pool, SeededRandom random)
    {
        switch (flow.Phase)
        {
            case Phase.Syn:
                flow.Phase = Phase.SynAck;
                return WriteTcp(ref flow, frame, pool, random, fromClient: true, TcpControl.Syn, 0, synOptions: true);
            case Phase.SynAck:
                flow.Phase = Phase.Ack;
                return WriteTcp(ref flow, frame, pool, random, fromClient: false, TcpControl.Syn | TcpControl.Ack, 0, synOptions: true);
            case Phase.Ack:
                flow.Phase = Phase.Data;
                return WriteTcp(ref flow, frame, pool, random, fromClient: true, TcpControl.Ack, 0, synOptions: false);
            case Phase.Data:
                if (--flow.Remaining <= 0)
                    flow.Phase = Phase.Fin;
                int roll = random.Next(100);
                if (roll < 25)
                {
                    // Pure ACK from whoever received the last data.
                    return WriteTcp(ref flow, frame, pool, random, fromClient: flow.LastFromServer, TcpControl.Ack, 0, synOptions: false);
                }

                bool fromServer = roll < 80;
                flow.LastFromServer = fromServer;
                int size = random.Next(100) < flow.BulkBias ? Mss : random.Next(1, Mss);
                return WriteTcp(ref flow, frame, pool, random, fromClient: !fromServer, TcpControl.Ack | TcpControl.Psh, size, synOptions: false);
            case Phase.Fin:
                flow.Phase = Phase.FinAck;
                return WriteTcp(ref flow, frame, pool, random, fromClient: true, TcpControl.Fin | TcpControl.Ack, 0, synOptions: false);
            case Phase.FinAck:
                flow.Phase = Phase.LastAck;
                return WriteTcp(ref flow, frame, pool, random, fromClient: false, TcpControl.Fin | TcpControl.Ack, 0, synOptions: false);
            default:
                flow.Phase = Phase.Done;
                return WriteTcp(ref flow, frame, pool, random, fromClient: true, TcpControl.Ack, 0, synOptions: false);
        }
    }

    private static int NextUdpPacket(ref Flow flow, byte[] frame, byte[] pool, SeededRandom random)
    {
        if (--flow.Remaining <= 0)
            flow.Phase = Phase.Done;
        bool fromClient = random.Next(2) == 0;
        int size = random.Next(100) < 70 ? random.Next(20, 300) : random.Next(300, 1400);
        ushort id = fromClient ? flow.ClientIpId++ : flow.ServerIpId++;
        int l4 = WriteIp(ref flow, frame, fromClient, IPProtocolNumber.Udp, Wire.UdpHeaderLength + size, id, out Span<byte> source, out Span<byte> destination);
        Span<byte> datagram = frame.AsSpan(l4, Wire.UdpHeaderLength + size);
        (ushort sourcePort, ushort destinationPort) = fromClient ? (flow.ClientPort, flow.ServerPort) : (flow.ServerPort, flow.ClientPort);
        Wire.WriteUdp(datagram, sourcePort, destinationPort, datagram.Length);
        pool.AsSpan(random.Next(PoolLength), size).CopyTo(datagram[Wire.UdpHeaderLength..]);
        Wire.FinishUdpChecksum(datagram, source, destination);
        return l4 + datagram.Length;
    }

    private static int WriteTcp(ref Flow flow, byte[] frame, byte[] pool, SeededRandom random, bool fromClient, TcpControl flags, int size, bool synOptions)
    {
        // MSS option (kind 2, length 4) on SYN and SYN-ACK only; no other options, so data segments carry up to 1460 bytes.
        ReadOnlySpan<byte> options = synOptions ? [2, 4, Mss >> 8, Mss & 0xFF] : [];
        int headerLength = Wire.TcpHeaderLength + options.Length;
        ushort id = fromClient ? flow.ClientIpId++ : flow.ServerIpId++;
        int l4 = WriteIp(ref flow, frame, fromClient, IPProtocolNumber.Tcp, headerLength + size, id, out Span<byte> source, out Span<byte> destination);
        Span<byte> segment = frame.AsSpan(l4, headerLength + size);

        ref uint sequence = ref fromClient ? ref flow.ClientSeq : ref flow.ServerSeq;
        uint acknowledgment = (flags & TcpControl.Ack) != 0 ? (fromClient ? flow.ServerSeq : flow.ClientSeq) : 0;
        (ushort sourcePort, ushort destinationPort) = fromClient ? (flow.ClientPort, flow.ServerPort) : (flow.ServerPort, flow.ClientPort);
        Wire.WriteTcp(segment, sourcePort, destinationPort, sequence, acknowledgment, (byte)flags, fromClient ? (ushort)502 : (ushort)509, options, 0);
        pool.AsSpan(random.Next(PoolLength), size).CopyTo(segment[headerLength..]);
        Wire.FinishTcpChecksum(segment, source, destination);
        sequence += (uint)size + ((flags & (TcpControl.Syn | TcpControl.Fin)) != 0 ? 1u : 0u);
        return l4 + segment.Length;
    }

    /// <summary>Writes Ethernet and IP headers; returns the transport offset and the address spans inside the frame.</summary>
    private static int WriteIp(ref Flow flow, byte[] frame, bool fromClient, IPProtocolNumber protocol, int transportLength, ushort identification,
        out Span<byte> source, out Span<byte> destination)
    {
        var clientMac = MacAddress.Local(flow.ClientId);
        Wire.WriteEthernet(frame, fromClient ? s_gatewayMac : clientMac, fromClient ? clientMac : s_gatewayMac,
            flow.IsIPv6 ? (ushort)EtherTypeValue.IPv6 : (ushort)EtherTypeValue.IPv4);
        Span<byte> ip = frame.AsSpan(Wire.EthernetHeaderLength);
        if (flow.IsIPv6)
        {
            // 2001:db8:1::<client id> and 2001:db8:ffff::<server id>, written straight into the header.
            Span<byte> client = ip.Slice(fromClient ? 8 : 24, 16);
            Span<byte> server = ip.Slice(fromClient ? 24 : 8, 16);
            client.Clear();
            server.Clear();
            BinaryPrimitives.WriteUInt32BigEndian(client, 0x20010DB8);
            BinaryPrimitives.WriteUInt16BigEndian(client[4..], 0x0001);
            BinaryPrimitives.WriteUInt32BigEndian(client[12..], flow.ClientId);
            BinaryPrimitives.WriteUInt32BigEndian(server, 0x20010DB8);
            BinaryPrimitives.WriteUInt16BigEndian(server[4..], 0xFFFF);
            BinaryPrimitives.WriteUInt32BigEndian(server[12..], flow.ServerId);
            source = ip.Slice(8, 16);
            destination = ip.Slice(24, 16);
            Wire.WriteIPv6(ip, source, destination, (byte)protocol, transportLength, fromClient ? (byte)64 : (byte)52, 0, flow.ClientId & 0xFFFFF);
            return Wire.EthernetHeaderLength + Wire.IPv6HeaderLength;
        }

        // 10.x.y.z clients (from the flow id), 198.51.100.x servers. Addresses go into a scratch area past the frame's
        // used bytes so WriteIPv4 can copy them in (it computes the header checksum as it writes).
        Span<byte> scratch = frame.AsSpan(FrameCapacity - 8, 8);
        BinaryPrimitives.WriteUInt32BigEndian(scratch, 0x0A000000 | (flow.ClientId & 0x00FFFFFF));
        BinaryPrimitives.WriteUInt32BigEndian(scratch[4..], 0xC6336400 | flow.ServerId);
        ReadOnlySpan<byte> clientIp = scratch[..4];
        ReadOnlySpan<byte> serverIp = scratch[4..];
        Wire.WriteIPv4(ip, fromClient ? clientIp : serverIp, fromClient ? serverIp : clientIp, (byte)protocol, Wire.IPv4HeaderLength + transportLength,
            identification, 0x4000, fromClient ? (byte)64 : (byte)52, 0, []);
        source = ip.Slice(12, 4);
        destination = ip.Slice(16, 4);
        return Wire.EthernetHeaderLength + Wire.IPv4HeaderLength;
    }
}
