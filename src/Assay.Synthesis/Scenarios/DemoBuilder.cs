using System.Diagnostics;
using System.Net;
using Assay.Capture;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Payloads;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Scenarios;

/// <summary>The state behind <see cref="DemoScenario"/>: the hosts, the timeline and the ground truth being collected.</summary>
internal sealed partial class DemoBuilder
{
    private readonly DemoOptions _options;
    private readonly SeededRandom _random;
    private readonly Timeline _timeline = new();
    private readonly List<PlantedFlow> _flows = [];
    private readonly List<(int Handle, string Anomaly, string Description)> _anomalies = [];
    private readonly Dictionary<string, int> _nextPort = new(StringComparer.Ordinal);
    private readonly long _start;
    private readonly long _end;

    // LAN (SPAN port on the office switch; the router is also the DNS forwarder)
    private readonly Host _gateway;
    private readonly Host _nas;
    private readonly Host _printer;
    private readonly Host _camera;
    private readonly Host[] _workstations;
    private readonly Host _workstation6;

    // Internet, as seen through the router
    private readonly Site[] _sites;
    private readonly Host _ntpServer;
    private readonly Host _ocspServer;
    private readonly Host _attacker;
    private readonly Host _dropper;
    private readonly Host _xmrPool;
    private readonly Host _printerPool;
    private readonly Host _tlsPool;
    private readonly Host _scanner;
    private readonly Host _v6Server;

    internal sealed record Site(string Name, Host Host, string? CanonicalName, TimeSpan Rtt);

    public DemoBuilder(DemoOptions options)
    {
        _options = options;
        _random = new SeededRandom(options.Seed);
        _start = SynthTime.ToUnixNanos(options.Start);
        _end = _start + SynthTime.ToNanos(options.Duration);

        var gatewayMac = MacAddress.Parse("74:ac:b9:10:00:01");
        _gateway = Lan("gateway", "192.168.10.1", gatewayMac, 64);
        _nas = Lan("nas", "192.168.10.20", MacAddress.Parse("00:11:32:5a:7e:01"), 64);
        _printer = Lan("printer", "192.168.10.30", MacAddress.Parse("3c:d9:2b:41:0c:77"), 64);
        _camera = Lan("camera", "192.168.10.40", MacAddress.Parse("44:19:b6:0d:3e:90"), 64);
        _workstations = new Host[6];
        for (int i = 0; i < _workstations.Length; i++)
        {
            bool mac = i == 4; // ws-05 is a Mac: 64 TTL, Linux-like TCP, Firefox
            _workstations[i] = Lan($"ws-0{i + 1}", $"192.168.10.{101 + i}",
                mac ? MacAddress.Parse("a4:83:e7:20:00:05") : MacAddress.Parse($"f8:bc:12:30:00:0{i + 1}"), mac ? (byte)64 : (byte)128);
        }

        _workstation6 = _workstations[3] with { Address = IPAddress.Parse("2001:db8:10::104") };

        _sites =
        [
            WebSite("www.example.com", "203.0.113.10", "www.example.com.cdn.example.net"),
            WebSite("mail.example.org", "203.0.113.11"),
            WebSite("docs.example.net", "203.0.113.12"),
            WebSite("static.example.net", "203.0.113.13", "edge-7.cdn.example.net"),
            WebSite("news.example.org", "203.0.113.14"),
            WebSite("login.example.com", "203.0.113.15"),
            WebSite("api.example.com", "203.0.113.16"),
            WebSite("video.example.net", "203.0.113.17", "v-eu.media.example.net"),
            WebSite("crm.example.com", "198.51.100.40"),
            WebSite("files.example.org", "198.51.100.41"),
            WebSite("chat.example.com", "198.51.100.42"),
            WebSite("updates.example.com", "198.51.100.43"),
            WebSite("weather.example.org", "198.51.100.44"),
            WebSite("shop.example.net", "198.51.100.45"),
            WebSite("calendar.example.com", "198.51.100.46"),
            WebSite("maps.example.org", "198.51.100.47", "tiles.maps.example.org"),
        ];
        _ntpServer = Internet("ntp", "203.0.113.123", gatewayMac, 9);
        _ocspServer = Internet("ocsp.example-ca.com", "198.51.100.48", gatewayMac, 11);
        _attacker = Internet("attacker", "203.0.113.66", gatewayMac, 17);
        _dropper = Internet("dropper", "198.51.100.77", gatewayMac, 14);
        _xmrPool = Internet("xmr.pool.example", "198.51.100.20", gatewayMac, 12);
        _printerPool = Internet("printer-pool", "203.0.113.50", gatewayMac, 15);
        _tlsPool = Internet("tls-pool", "198.51.100.30", gatewayMac, 13);
        _scanner = Internet("scanner", "203.0.113.200", gatewayMac, 20);
        _v6Server = new Host("v6.example.net", IPAddress.Parse("2001:db8:ffff::10"), gatewayMac, 52);
    }

    private IEnumerable<Host> AllHosts()
    {
        yield return _gateway;
        yield return _nas;
        yield return _printer;
        yield return _camera;
        foreach (Host workstation in _workstations)
            yield return workstation;
        yield return _workstation6;
        foreach (Site site in _sites)
            yield return site.Host;
        yield return _ntpServer;
        yield return _ocspServer;
        yield return _attacker;
        yield return _dropper;
        yield return _xmrPool;
        yield return _printerPool;
        yield return _tlsPool;
        yield return _scanner;
        yield return _v6Server;
    }

    public void Generate()
    {
        // Each part draws from its own fork, so changing one part does not reshuffle the others.
        GenerateInfrastructure(_random.Fork());
        GenerateBrowsing(_random.Fork());
        GenerateFileShares(_random.Fork());
        GenerateCameraStream(_random.Fork());
        GeneratePrinting(_random.Fork());
        GenerateIntrusion(_random.Fork());
        GeneratePrinterMiner(_random.Fork());
        GenerateTlsMiner(_random.Fork());
        GenerateEdgeCases(_random.Fork());
    }

    public ScenarioSummary Finish(PcapWriter writer, Stopwatch clock)
    {
        long bytes = _timeline.Write(writer);
        IReadOnlyList<SyntheticPacket> sorted = _timeline.Sorted();
        var anomalies = new List<PlantedAnomaly>(_anomalies.Count);
        foreach ((int handle, string anomaly, string description) in _anomalies)
            anomalies.Add(new PlantedAnomaly(_timeline.IndexOf(handle), anomaly, description));
        anomalies.Sort((a, b) => a.PacketIndex.CompareTo(b.PacketIndex));
        _flows.Sort((a, b) => a.StartNanos.CompareTo(b.StartNanos));
        return new ScenarioSummary
        {
            PacketCount = _timeline.Count,
            ByteCount = bytes,
            FirstTimestampNanos = sorted.Count > 0 ? sorted[0].TimestampNanos : _start,
            LastTimestampNanos = sorted.Count > 0 ? sorted[^1].TimestampNanos : _start,
            Flows = _flows.ToArray(),
            Anomalies = anomalies,
            Hosts = AllHosts().ToArray(),
            GenerationTime = clock.Elapsed,
        };
    }

    // ---- helpers ----------------------------------------------------------------------------------------------------

    private static Host Lan(string name, string address, MacAddress mac, byte ttl) => new(name, IPAddress.Parse(address), mac, ttl);

    private static Host Internet(string name, string address, MacAddress routerMac, int hops) =>
        new(name, IPAddress.Parse(address), routerMac, (byte)(64 - hops));

    private static Site WebSite(string name, string address, string? canonicalName = null)
    {
        int hops = 6 + (name.Length % 11);
        Host host = Internet(name, address, MacAddress.Parse("74:ac:b9:10:00:01"), hops);
        return new Site(name, host, canonicalName, TimeSpan.FromMilliseconds(8 + (hops * 5)));
    }

    /// <summary>Capture time at a fraction of the duration.</summary>
    private long At(double fraction) => _start + (long)(fraction * (_end - _start));

    private double DurationSeconds => (_end - _start) / (double)SynthTime.Second;

    private static long Seconds(double seconds) => (long)(seconds * SynthTime.Second);

    /// <summary>Ephemeral ports: Windows counts up from 49152+, Linux/macOS from 32768+, each host from its own random start.</summary>
    private ushort NextPort(Host host, SeededRandom random)
    {
        if (!_nextPort.TryGetValue(host.Name, out int port))
            port = host.Ttl == 128 ? random.Next(49152, 60000) : random.Next(32768, 60000);
        port++;
        if (port > 65535)
            port = 49152;
        _nextPort[host.Name] = port;
        return (ushort)port;
    }

    /// <summary>
    /// Per-connection TCP knobs. Segments of a burst are spaced as a 1 Gb/s LAN (12 µs) or a ~100 Mb/s internet path (120 µs)
    /// would deliver them, judged by the server's RTT.
    /// </summary>
    private static TcpConversationOptions TcpOptions(Host client, TimeSpan serverRtt, SeededRandom random, bool delayedAck = false) => new()
    {
        ServerRtt = serverRtt,
        SegmentSpacing = serverRtt < TimeSpan.FromMilliseconds(2) ? TimeSpan.FromMicroseconds(12) : TimeSpan.FromMicroseconds(120),
        ClientRtt = TimeSpan.FromMicroseconds(random.Next(150, 600)),
        ClientStack = client.Ttl == 128 ? TcpStack.Windows : TcpStack.Linux,
        ClientWindowScale = client.Ttl == 128 ? 8 : 7,
        DelayedAck = delayedAck,
        Seed = (long)random.NextUInt64(),
    };

    /// <summary>Adds a conversation's packets up to the end of the capture and records the flow.</summary>
    private void AddTcp(FlowRole role, TcpConversation conversation, string description)
    {
        int count = 0;
        foreach (SyntheticPacket packet in conversation.Packets)
        {
            if (packet.TimestampNanos > _end)
                break;
            _timeline.Add(packet);
            count++;
        }

        if (count > 0)
        {
            _flows.Add(new PlantedFlow(role, IPProtocolNumber.Tcp, conversation.Client.Address, conversation.ClientPort, conversation.Server.Address,
                conversation.ServerPort, conversation.Packets[0].TimestampNanos, count, description));
        }
    }

    private void AddUdp(FlowRole role, UdpExchange exchange, string description) =>
        AddPackets(role, IPProtocolNumber.Udp, exchange.Client, exchange.ClientPort, exchange.Server, exchange.ServerPort, exchange.Packets, description);

    private void AddPackets(FlowRole role, IPProtocolNumber protocol, Host client, ushort clientPort, Host server, ushort serverPort,
        IReadOnlyList<SyntheticPacket> packets, string description)
    {
        int count = 0;
        long first = long.MaxValue;
        foreach (SyntheticPacket packet in packets)
        {
            if (packet.TimestampNanos > _end)
                continue;
            _timeline.Add(packet);
            first = Math.Min(first, packet.TimestampNanos);
            count++;
        }

        if (count > 0)
            _flows.Add(new PlantedFlow(role, protocol, client.Address, clientPort, server.Address, serverPort, first, count, description));
    }

    /// <summary>Adds packets that are not a flow of interest (ARP).</summary>
    private void AddUntracked(IEnumerable<SyntheticPacket> packets)
    {
        foreach (SyntheticPacket packet in packets)
        {
            if (packet.TimestampNanos <= _end)
                _timeline.Add(packet);
        }
    }

    private void AddAnomaly(long time, byte[] frame, string anomaly, string description) =>
        _anomalies.Add((_timeline.Add(time, frame), anomaly, description));

    /// <summary>A DNS lookup through the router; returns the time the answer is seen.</summary>
    private long DnsLookup(Host client, long time, string name, DnsType type, IReadOnlyList<DnsRecord> answers, SeededRandom random,
        FlowRole role = FlowRole.DnsLookup)
    {
        ushort id = (ushort)random.NextUInt32();
        bool cached = random.Chance(0.6);
        var exchange = new UdpExchange(client, NextPort(client, random), _gateway, 53, time, new UdpExchangeOptions
        {
            ServerRtt = TimeSpan.FromMicroseconds(cached ? random.Next(300, 900) : random.Next(8_000, 45_000)),
            Seed = (long)random.NextUInt64(),
        });
        exchange.Request(DnsMessageBuilder.Query(id, name, type), DnsMessageBuilder.Response(id, name, type, answers));
        AddUdp(role, exchange, $"{type} {name}");
        return exchange.Now;
    }

    private static List<DnsRecord> SiteAnswers(Site site)
    {
        if (site.CanonicalName is null)
            return [DnsRecord.A(site.Name, site.Host.Address, 300)];
        return [DnsRecord.CName(site.Name, site.CanonicalName, 3600), DnsRecord.A(site.CanonicalName, site.Host.Address, 60)];
    }
}
