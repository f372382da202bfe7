using System.Buffers.Binary;
using Assay.Synthesis.Packets;

namespace Assay.Synthesis.Sessions;

/// <summary>Small stateless exchanges: ICMP / ICMPv6 echo and ARP.</summary>
public static class Exchanges
{
    private const int PingPayloadLength = 56; // Linux ping default: 8-byte timestamp + 48 pattern bytes

    /// <summary>
    /// <paramref name="count"/> echo requests from <paramref name="from"/> every <paramref name="interval"/>, each answered
    /// <paramref name="rtt"/> later unless <paramref name="answered"/> is false. ICMPv6 when the hosts are IPv6.
    /// </summary>
    public static List<SyntheticPacket> Ping(Host from, Host to, long startNanos, int count, TimeSpan interval, TimeSpan rtt,
        ushort identifier = 1, bool answered = true, Framing? framing = null)
    {
        ArgumentNullException.ThrowIfNull(from);
        ArgumentNullException.ThrowIfNull(to);
        framing ??= Framing.Ethernet;
        var packets = new List<SyntheticPacket>(count * 2);
        byte[] payload = new byte[PingPayloadLength];
        for (int i = 0; i < count; i++)
        {
            long t = startNanos + (i * SynthTime.ToNanos(interval));
            // Linux ping puts a struct timeval first, then bytes 0x10, 0x11, ... (the "pattern" tcpdump shows).
            BinaryPrimitives.WriteInt64LittleEndian(payload, t / SynthTime.Second);
            for (int j = 8; j < payload.Length; j++)
                payload[j] = (byte)j;
            ushort sequence = (ushort)(i + 1);
            packets.Add(new SyntheticPacket(t, Echo(framing, from, to, reply: false, identifier, sequence, payload)));
            if (answered)
                packets.Add(new SyntheticPacket(t + SynthTime.ToNanos(rtt), Echo(framing, to, from, reply: true, identifier, sequence, payload)));
        }

        return packets;
    }

    /// <summary>Who-has broadcast from <paramref name="asker"/>, then the unicast is-at reply <paramref name="delay"/> later.</summary>
    public static List<SyntheticPacket> ArpResolve(Host asker, Host target, long timestampNanos, TimeSpan delay, Framing? framing = null)
    {
        ArgumentNullException.ThrowIfNull(asker);
        ArgumentNullException.ThrowIfNull(target);
        framing ??= Framing.Ethernet;
        Host broadcast = target with { Mac = MacAddress.Broadcast };
        byte[] request = framing.Begin(asker, broadcast).Arp(ArpOperation.Request, asker.Mac, asker.Address, MacAddress.Zero, target.Address).Build();
        byte[] reply = framing.Begin(target, asker).Arp(ArpOperation.Reply, target.Mac, target.Address, asker.Mac, asker.Address).Build();
        return [new SyntheticPacket(timestampNanos, request), new SyntheticPacket(timestampNanos + SynthTime.ToNanos(delay), reply)];
    }

    /// <summary>A gratuitous ARP request (sender and target address both the host's own), as sent when an interface comes up.</summary>
    public static SyntheticPacket GratuitousArp(Host host, long timestampNanos, Framing? framing = null)
    {
        ArgumentNullException.ThrowIfNull(host);
        framing ??= Framing.Ethernet;
        Host broadcast = host with { Mac = MacAddress.Broadcast };
        return new SyntheticPacket(timestampNanos,
            framing.Begin(host, broadcast).Arp(ArpOperation.Request, host.Mac, host.Address, MacAddress.Zero, host.Address).Build());
    }

    private static byte[] Echo(Framing framing, Host from, Host to, bool reply, ushort identifier, ushort sequence, byte[] payload)
    {
        PacketBuilder builder = framing.BeginIP(from, to, sequence, dontFragment: !from.IsIPv6);
        builder = from.IsIPv6 ? builder.IcmpV6Echo(reply, identifier, sequence) : builder.IcmpEcho(reply, identifier, sequence);
        return builder.Payload(payload).Build();
    }
}
