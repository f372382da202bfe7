using Assay.Synthesis.Packets;

namespace Assay.Synthesis.Sessions;

/// <summary>Knobs for <see cref="UdpExchange"/>.</summary>
public sealed record UdpExchangeOptions
{
    /// <summary>Round trip sensor → server → sensor.</summary>
    public TimeSpan ServerRtt { get; init; } = TimeSpan.FromMilliseconds(20);

    /// <summary>Round trip sensor → client → sensor.</summary>
    public TimeSpan ClientRtt { get; init; } = TimeSpan.FromMicroseconds(300);

    /// <summary>Gap between two datagrams sent back to back by the same side.</summary>
    public TimeSpan Spacing { get; init; } = TimeSpan.FromMicroseconds(50);

    /// <summary>Send UDP checksum 0 (IPv4 only).</summary>
    public bool ZeroChecksum { get; init; }

    public long Seed { get; init; } = 1;

    public Framing Framing { get; init; } = Framing.Ethernet;
}

/// <summary>
/// Scripts datagrams between a client and a server port. A datagram from the side that did not send last is seen one round trip
/// (that side's RTT) after the previous one; a datagram from the same side follows after <see cref="UdpExchangeOptions.Spacing"/>.
/// </summary>
public sealed class UdpExchange
{
    private readonly UdpExchangeOptions _options;
    private readonly List<SyntheticPacket> _packets = [];
    private readonly SeededRandom _random;
    private readonly long _clientRtt;
    private readonly long _serverRtt;
    private ushort _clientIpId;
    private ushort _serverIpId;
    private bool? _lastFromClient;

    public UdpExchange(Host client, ushort clientPort, Host server, ushort serverPort, long startNanos, UdpExchangeOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        if (client.IsIPv6 != server.IsIPv6)
            throw new ArgumentException("Client and server must share an address family.", nameof(server));
        Client = client;
        ClientPort = clientPort;
        Server = server;
        ServerPort = serverPort;
        Now = startNanos;
        _options = options ?? new UdpExchangeOptions();
        _random = new SeededRandom(_options.Seed);
        _clientRtt = SynthTime.ToNanos(_options.ClientRtt);
        _serverRtt = SynthTime.ToNanos(_options.ServerRtt);
        _clientIpId = (ushort)_random.NextUInt32();
        _serverIpId = (ushort)_random.NextUInt32();
    }

    public Host Client { get; }
    public ushort ClientPort { get; }
    public Host Server { get; }
    public ushort ServerPort { get; }

    /// <summary>Time of the last datagram sent (or the start time).</summary>
    public long Now { get; private set; }

    public IReadOnlyList<SyntheticPacket> Packets => _packets;

    public UdpExchange ClientSends(ReadOnlySpan<byte> payload, TimeSpan delay = default) => Send(true, payload, delay);

    public UdpExchange ServerSends(ReadOnlySpan<byte> payload, TimeSpan delay = default) => Send(false, payload, delay);

    /// <summary>Client datagram, then the server's answer one server round trip later.</summary>
    public UdpExchange Request(ReadOnlySpan<byte> request, ReadOnlySpan<byte> response)
    {
        ClientSends(request);
        return ServerSends(response);
    }

    public UdpExchange Send(bool fromClient, ReadOnlySpan<byte> payload, TimeSpan delay = default)
    {
        long t = NextTime(fromClient, delay);
        _packets.Add(new SyntheticPacket(t, Datagram(fromClient, payload, withLink: true)));
        return this;
    }

    /// <summary>Sends one datagram as IP fragments no larger than <paramref name="mtu"/>, all seen back to back.</summary>
    public UdpExchange SendFragmented(bool fromClient, ReadOnlySpan<byte> payload, int mtu, TimeSpan delay = default)
    {
        long t = NextTime(fromClient, delay);
        byte[] datagram = Datagram(fromClient, payload, withLink: false);
        List<byte[]> fragments = Client.IsIPv6
            ? Fragmenter.FragmentIPv6(datagram, mtu, _random.NextUInt32())
            : Fragmenter.FragmentIPv4(datagram, mtu);
        (Host from, Host to) = fromClient ? (Client, Server) : (Server, Client);
        long gap = SynthTime.ToNanos(_options.Spacing) / 4;
        for (int i = 0; i < fragments.Count; i++)
            _packets.Add(new SyntheticPacket(t + (i * gap), _options.Framing.Begin(from, to).IPPacket(fragments[i]).Build()));
        Now = t + ((fragments.Count - 1) * gap);
        return this;
    }

    /// <summary>Lets time pass; the next datagram is seen <paramref name="idle"/> later than it otherwise would be.</summary>
    public UdpExchange Wait(TimeSpan idle)
    {
        Now += SynthTime.ToNanos(idle);
        _lastFromClient = null;
        return this;
    }

    private long NextTime(bool fromClient, TimeSpan delay)
    {
        long t = Now + SynthTime.ToNanos(delay);
        if (_lastFromClient is bool last)
            t += last == fromClient ? SynthTime.ToNanos(_options.Spacing) : fromClient ? _clientRtt : _serverRtt;
        _lastFromClient = fromClient;
        Now = t;
        return t;
    }

    private byte[] Datagram(bool fromClient, ReadOnlySpan<byte> payload, bool withLink)
    {
        (Host from, Host to) = fromClient ? (Client, Server) : (Server, Client);
        (ushort sourcePort, ushort destinationPort) = fromClient ? (ClientPort, ServerPort) : (ServerPort, ClientPort);
        ushort id = fromClient ? _clientIpId++ : _serverIpId++;
        PacketBuilder builder = withLink ? _options.Framing.Begin(from, to) : new PacketBuilder();
        builder = from.IsIPv6 ? builder.IPv6(from.Address, to.Address, from.Ttl) : builder.IPv4(from.Address, to.Address, from.Ttl, id);
        return builder.Udp(sourcePort, destinationPort, _options.ZeroChecksum && !from.IsIPv6).Payload(payload).Build();
    }
}
