using Assay.Synthesis.Packets;

namespace Assay.Synthesis.Sessions;

/// <summary>How a session's frames are wrapped below IP.</summary>
/// <param name="Link">Link layer; all packets of one pcap file must share it.</param>
/// <param name="VlanIds">802.1Q tags, outermost first (two means QinQ: the outer one gets TPID 0x88A8). Ethernet only.</param>
/// <param name="PadShortFrames">Pad Ethernet frames to 60 bytes as a receiving NIC would (leaves trailer bytes past IP).</param>
public sealed record Framing(LinkLayer Link = LinkLayer.Ethernet, IReadOnlyList<ushort>? VlanIds = null, bool PadShortFrames = true)
{
    public static Framing Ethernet { get; } = new();

    public static Framing Vlan(params ushort[] ids) => new(LinkLayer.Ethernet, ids);

    /// <summary>A builder with the link layer set, for a frame from <paramref name="source"/> to <paramref name="destination"/>.</summary>
    public PacketBuilder Begin(Host source, Host destination)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        var builder = new PacketBuilder();
        switch (Link)
        {
            case LinkLayer.Ethernet:
                builder.Ethernet(source.Mac, destination.Mac);
                if (VlanIds is { Count: > 0 } ids)
                {
                    for (int i = 0; i < ids.Count; i++)
                        builder.Vlan(ids[i], tpid: i == 0 && ids.Count > 1 ? EtherTypeValue.QinQ : EtherTypeValue.Vlan);
                }

                if (PadShortFrames)
                    builder.PadToMinimumFrame();
                break;
            case LinkLayer.LinuxSll:
                builder.LinuxSll(source.Mac);
                break;
            case LinkLayer.LinuxSll2:
                builder.LinuxSll2(source.Mac);
                break;
            case LinkLayer.Null:
                builder.NullLoopback();
                break;
            default:
                builder.RawIP();
                break;
        }

        return builder;
    }

    /// <summary><see cref="Begin"/> plus the IP header for the pair's address family.</summary>
    public PacketBuilder BeginIP(Host source, Host destination, ushort identification, bool dontFragment, uint flowLabel = 0)
    {
        PacketBuilder builder = Begin(source, destination);
        return source.IsIPv6
            ? builder.IPv6(source.Address, destination.Address, source.Ttl, flowLabel)
            : builder.IPv4(source.Address, destination.Address, source.Ttl, identification, dontFragment);
    }
}
