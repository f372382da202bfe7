using Assay.Decoding;

namespace Assay.Flows.Tests;

/// <summary>Hand-filled <see cref="DecodedPacket"/>s: the flow table needs only the decoded fields.</summary>
internal static class Packets
{
    public static UInt128 V4(byte a, byte b, byte c, byte d) => ((UInt128)0xFFFF << 32) | ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    public static DecodedPacket Tcp(UInt128 src, ushort sport, UInt128 dst, ushort dport, TcpFlags flags, int payload = 0) => new()
    {
        Layers = PacketLayers.Ethernet | PacketLayers.IPv4 | PacketLayers.Tcp,
        IPVersion = 4,
        Source = src,
        Destination = dst,
        SourcePort = sport,
        DestinationPort = dport,
        Protocol = (byte)IpProtocol.Tcp,
        TcpFlags = flags,
        PayloadLength = payload,
    };

    public static DecodedPacket Udp(UInt128 src, ushort sport, UInt128 dst, ushort dport, int payload = 0) => new()
    {
        Layers = PacketLayers.Ethernet | PacketLayers.IPv4 | PacketLayers.Udp,
        IPVersion = 4,
        Source = src,
        Destination = dst,
        SourcePort = sport,
        DestinationPort = dport,
        Protocol = (byte)IpProtocol.Udp,
        PayloadLength = payload,
    };

    public static DecodedPacket Icmp(UInt128 src, UInt128 dst, byte type, byte code = 0) => new()
    {
        Layers = PacketLayers.Ethernet | PacketLayers.IPv4 | PacketLayers.Icmp,
        IPVersion = 4,
        Source = src,
        Destination = dst,
        Protocol = (byte)IpProtocol.Icmp,
        IcmpType = type,
        IcmpCode = code,
    };
}

/// <summary>Collects ended flows.</summary>
internal struct ListSink : IFlowSink
{
    public List<FlowRecord> Ended;

    public ListSink() => Ended = [];

    public readonly void OnFlowEnd(ref FlowRecord flow) => Ended.Add(flow);
}
