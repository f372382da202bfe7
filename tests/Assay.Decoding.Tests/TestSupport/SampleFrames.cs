using Assay.Decoding.Link;

namespace Assay.Decoding.Tests.TestSupport;

/// <summary>Valid frames of every shape the decoder knows, by name, for whole-decoder theories (prefixes, mutations, allocation).</summary>
internal static class SampleFrames
{
    private static readonly Dictionary<string, (int LinkType, byte[] Frame)> s_frames = Build();

    public static IEnumerable<object[]> Names()
    {
        foreach (string name in s_frames.Keys)
            yield return [name];
    }

    public static (int LinkType, byte[] Frame) Get(string name) => s_frames[name];

    public static IEnumerable<(int LinkType, byte[] Frame)> All => s_frames.Values;

    private static Dictionary<string, (int, byte[])> Build()
    {
        byte[] tcp4 = Frames.IPv4(6, Frames.Tcp(40000, 80, flags: TcpFlags.Syn, options: Frames.LinuxSynOptions(), payload: [1, 2, 3]));
        byte[] udp4 = Frames.IPv4(17, Frames.Udp(5353, 53, [4, 5, 6, 7]));
        byte[] tcp6 = Frames.IPv6(6, Frames.Tcp(443, 50000, payload: [8, 9]));
        byte[] ext6 = Frames.IPv6(0, Frames.Concat(Frames.Extension(60), Frames.Extension(43, [1, 2, 0, 0]), Frames.Routing(51, 2),
            Frames.AuthenticationHeader(17), Frames.Udp(1, 2, [3])));
        byte[] icmp4 = Frames.IPv4(1, Frames.Icmp(8, 0, [0, 1, 0, 1, 0xAA]), options: [0x94, 4, 0, 0]);
        byte[] icmp6 = Frames.IPv6(58, Frames.Icmp(128, 0, [0, 1, 0, 1]));
        byte[] sctp4 = Frames.IPv4(132, Frames.Sctp(2905, 2905, [1, 0, 0, 4]));
        byte[] frag4 = Frames.IPv4(17, new byte[24], moreFragments: true);
        byte[] frag6 = Frames.IPv6(0, Frames.Concat(Frames.Extension(44), Frames.FragmentHeader(6, 8, true, 77), new byte[16]));
        return new Dictionary<string, (int, byte[])>(StringComparer.Ordinal)
        {
            ["eth-ipv4-tcp"] = (LinkTypes.Ethernet, Frames.EthernetIPv4Tcp()),
            ["eth-ipv4-syn"] = (LinkTypes.Ethernet, Frames.Ethernet(0x0800, tcp4)),
            ["eth-vlan-ipv4-udp"] = (LinkTypes.Ethernet, Frames.Ethernet(0x8100, Frames.Concat(Frames.Vlan(10, 0x0800), udp4))),
            ["eth-qinq-ipv6-tcp"] = (LinkTypes.Ethernet, Frames.Ethernet(0x88A8, Frames.Concat(Frames.Vlan(10, 0x8100), Frames.Vlan(20, 0x86DD), tcp6))),
            ["eth-mpls-ipv4-tcp"] = (LinkTypes.Ethernet, Frames.Ethernet(0x8847, Frames.Concat(Frames.Mpls(100, false), Frames.Mpls(200, true), tcp4))),
            ["eth-mpls-pw-eth-udp"] = (LinkTypes.Ethernet, Frames.Ethernet(0x8847, Frames.Concat(Frames.Mpls(5, true), new byte[4],
                Frames.Ethernet(0x0800, udp4)))),
            ["eth-arp"] = (LinkTypes.Ethernet, Frames.Ethernet(0x0806, Frames.Arp(1, Frames.HostA, Frames.HostB))),
            ["eth-ipv6-ext-udp"] = (LinkTypes.Ethernet, Frames.Ethernet(0x86DD, ext6)),
            ["eth-ipv4-icmp-options"] = (LinkTypes.Ethernet, Frames.Ethernet(0x0800, icmp4)),
            ["eth-ipv4-fragment"] = (LinkTypes.Ethernet, Frames.Ethernet(0x0800, frag4)),
            ["eth-ipv6-fragment"] = (LinkTypes.Ethernet, Frames.Ethernet(0x86DD, frag6)),
            ["sll-ipv4-udp"] = (LinkTypes.LinuxSll, Frames.Sll(0x0800, udp4)),
            ["sll2-ipv6-icmpv6"] = (LinkTypes.LinuxSll2, Frames.Sll2(0x86DD, icmp6)),
            ["null-ipv4-tcp"] = (LinkTypes.Null, Frames.Null(2, tcp4, bigEndian: false)),
            ["loop-ipv6-tcp"] = (LinkTypes.Loop, Frames.Null(24, tcp6, bigEndian: true)),
            ["raw-ipv4-sctp"] = (LinkTypes.Raw, sctp4),
            ["raw12-ipv6-icmpv6"] = (LinkTypes.RawBsd12, icmp6),
            ["ipv4-udp"] = (LinkTypes.IPv4, udp4),
            ["ipv6-ext-udp"] = (LinkTypes.IPv6, ext6),
        };
    }
}
