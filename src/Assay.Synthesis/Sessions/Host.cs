using System.Net;
using Assay.Synthesis.Packets;

namespace Assay.Synthesis.Sessions;

/// <summary>
/// A host as the sensor sees it: its address, the MAC its frames carry on the capture segment (for a host beyond a router, the
/// router's MAC), and the TTL / hop limit its packets arrive with.
/// </summary>
public sealed record Host(string Name, IPAddress Address, MacAddress Mac, byte Ttl = 64)
{
    public bool IsIPv6 => Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;

    /// <summary>The same machine seen through a router: other MAC, TTL lowered by <paramref name="hops"/>.</summary>
    public Host Behind(MacAddress routerMac, int hops) => this with { Mac = routerMac, Ttl = (byte)Math.Max(1, Ttl - hops) };
}
