using System.Numerics;
using System.Runtime.CompilerServices;
using Assay.Decoding;

namespace Assay.Flows;

/// <summary>
/// Direction-normalised flow key: the (address, port) pair that sorts lower is <see cref="LowAddress"/>/<see cref="LowPort"/>,
/// so both directions of a conversation produce the same key. Includes the outer VLAN id (as Suricata's flow hash does).
/// </summary>
public readonly struct FlowKey : IEquatable<FlowKey>
{
    public readonly UInt128 LowAddress;
    public readonly UInt128 HighAddress;
    public readonly ushort LowPort;
    public readonly ushort HighPort;
    public readonly byte Protocol;
    public readonly byte IPVersion;
    public readonly ushort VlanId;

    public FlowKey(UInt128 lowAddress, UInt128 highAddress, ushort lowPort, ushort highPort, byte protocol, byte ipVersion, ushort vlanId)
    {
        LowAddress = lowAddress;
        HighAddress = highAddress;
        LowPort = lowPort;
        HighPort = highPort;
        Protocol = protocol;
        IPVersion = ipVersion;
        VlanId = vlanId;
    }

    /// <summary>Builds the key of a decoded IP packet; <paramref name="sourceIsLow"/> tells which side the packet came from.</summary>
    /// <remarks>
    /// ICMP request/reply types (echo, neighbour solicitation, …) are keyed by role, as Zeek does: the requester is the
    /// "low" side and both "ports" are (request type, reply type), so a reply joins its request's flow while a request
    /// in the other direction is a flow of its own.
    /// </remarks>
    public static FlowKey From(in DecodedPacket packet, out bool sourceIsLow)
    {
        if ((packet.Layers & (PacketLayers.Icmp | PacketLayers.IcmpV6)) != 0)
        {
            bool v6 = (packet.Layers & PacketLayers.IcmpV6) != 0;
            if (CommunityId.TryGetIcmpCounterpart(packet.IcmpType, v6, out byte counterpart))
            {
                sourceIsLow = CommunityId.IsIcmpRequest(packet.IcmpType, v6);
                byte request = sourceIsLow ? packet.IcmpType : counterpart;
                byte reply = sourceIsLow ? counterpart : packet.IcmpType;
                return sourceIsLow
                    ? new FlowKey(packet.Source, packet.Destination, request, reply, packet.Protocol, packet.IPVersion, packet.VlanId)
                    : new FlowKey(packet.Destination, packet.Source, request, reply, packet.Protocol, packet.IPVersion, packet.VlanId);
            }
        }

        (ushort sp, ushort dp) = FlowPorts(in packet);
        sourceIsLow = packet.Source < packet.Destination || (packet.Source == packet.Destination && sp <= dp);
        return sourceIsLow
            ? new FlowKey(packet.Source, packet.Destination, sp, dp, packet.Protocol, packet.IPVersion, packet.VlanId)
            : new FlowKey(packet.Destination, packet.Source, dp, sp, packet.Protocol, packet.IPVersion, packet.VlanId);
    }

    /// <summary>
    /// The "ports" of a packet without request/reply roles: TCP/UDP/SCTP ports; for other ICMP messages the type and
    /// code (one-way messages such as destination unreachable); zero for other protocols.
    /// </summary>
    public static (ushort Source, ushort Destination) FlowPorts(in DecodedPacket packet)
    {
        if (packet.HasPorts)
            return (packet.SourcePort, packet.DestinationPort);
        if ((packet.Layers & (PacketLayers.Icmp | PacketLayers.IcmpV6)) != 0)
            return (packet.IcmpType, packet.IcmpCode);
        return (0, 0);
    }

    /// <summary>A hash that is the same for both directions (the key is already normalised), for worker sharding.</summary>
    public ulong ShardHash()
    {
        // Fold the fields into one word (rotations keep the two addresses from cancelling), then mix once.
        ulong h = (ulong)LowAddress ^ BitOperations.RotateLeft((ulong)HighAddress, 29) ^
                  BitOperations.RotateLeft((ulong)(LowAddress >> 64) ^ (ulong)(HighAddress >> 64), 47);
        h ^= ((ulong)LowPort << 48) ^ ((ulong)HighPort << 32) ^ ((ulong)Protocol << 24) ^ ((ulong)VlanId << 8) ^ IPVersion;
        return Mix(h);
    }

    public bool Equals(FlowKey other) =>
        LowAddress == other.LowAddress && HighAddress == other.HighAddress && LowPort == other.LowPort &&
        HighPort == other.HighPort && Protocol == other.Protocol && IPVersion == other.IPVersion && VlanId == other.VlanId;

    public override bool Equals(object? obj) => obj is FlowKey other && Equals(other);

    public override int GetHashCode() => (int)ShardHash();

    public static bool operator ==(FlowKey left, FlowKey right) => left.Equals(right);

    public static bool operator !=(FlowKey left, FlowKey right) => !left.Equals(right);

    /// <summary>splitmix64's finaliser: cheap, and every input bit affects every output bit.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }
}
