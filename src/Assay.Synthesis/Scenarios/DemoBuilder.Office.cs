using System.Buffers.Binary;
using System.Text;
using Assay.Synthesis.Payloads;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Scenarios;

/// <summary>Ordinary office traffic: ARP, NTP, pings, browsing, file shares, the camera recorder and a print job.</summary>
internal sealed partial class DemoBuilder
{
    private const string ChromeUserAgent = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/122.0.0.0 Safari/537.36";
    private const string FirefoxUserAgent = "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.3; rv:123.0) Gecko/20100101 Firefox/123.0";

    private void GenerateInfrastructure(SeededRandom random)
    {
        Host[] lan = [_nas, _printer, _camera, .. _workstations];

        // The router refreshes its ARP entries about every two minutes; hosts re-resolve the router every five.
        foreach (Host host in lan)
        {
            for (double t = random.Next(1, 120); t < DurationSeconds; t += random.Next(100, 140))
                AddUntracked(Exchanges.ArpResolve(_gateway, host, _start + Seconds(t), TimeSpan.FromMicroseconds(random.Next(150, 900))));
            for (double t = random.Next(1, 300); t < DurationSeconds; t += random.Next(280, 320))
                AddUntracked(Exchanges.ArpResolve(host, _gateway, _start + Seconds(t), TimeSpan.FromMicroseconds(random.Next(150, 900))));
        }

        AddUntracked([Exchanges.GratuitousArp(_printer, _start + Seconds(0.5))]);

        // NTP: ntpd on the router and the NAS (port 123 both ways, 64 s poll), SNTP-style clients elsewhere.
        foreach ((Host client, bool ntpd, double poll) in (ReadOnlySpan<(Host, bool, double)>)[
            (_gateway, true, 64), (_nas, true, 64), (_camera, false, 300), (_printer, false, 600), (_workstations[4], false, 180)])
        {
            ushort port = ntpd ? (ushort)123 : NextPort(client, random);
            var exchange = new UdpExchange(client, port, _ntpServer, 123, _start + Seconds(random.Next(1, 30)), new UdpExchangeOptions
            {
                ServerRtt = TimeSpan.FromMilliseconds(random.Next(12, 30)),
                Seed = (long)random.NextUInt64(),
            });
            while (exchange.Now < _end)
            {
                long sent = exchange.Now;
                exchange.ClientSends(NtpPacket.Client(sent));
                long answered = exchange.Now + SynthTime.ToNanos(TimeSpan.FromMilliseconds(20));
                exchange.ServerSends(NtpPacket.Server(sent, answered - SynthTime.Millisecond, answered));
                exchange.Wait(TimeSpan.FromSeconds(poll + random.Next(-3, 4)));
            }

            AddUdp(FlowRole.Ntp, exchange, $"NTP from {client.Name}");
        }

        // The NAS monitors the printer and camera with a ping every 30 s; ws-01 pings the router a few times.
        int count = (int)(DurationSeconds / 30);
        foreach (Host target in (ReadOnlySpan<Host>)[_printer, _camera])
        {
            AddPackets(FlowRole.IcmpEcho, Packets.IPProtocolNumber.Icmp, _nas, 0, target, 0,
                Exchanges.Ping(_nas, target, _start + Seconds(random.Next(1, 30)), count, TimeSpan.FromSeconds(30),
                    TimeSpan.FromMicroseconds(random.Next(300, 2000)), (ushort)random.Next(1, 65535)),
                $"monitoring ping to {target.Name}");
        }

        AddPackets(FlowRole.IcmpEcho, Packets.IPProtocolNumber.Icmp, _workstations[0], 0, _gateway, 0,
            Exchanges.Ping(_workstations[0], _gateway, At(0.3), 4, TimeSpan.FromSeconds(1), TimeSpan.FromMicroseconds(400), 1),
            "ping the router");
    }

    private void GenerateBrowsing(SeededRandom random)
    {
        double meanGap = 20.0 / Math.Max(_options.Scale, 0.001); // seconds between page visits per workstation
        foreach (Host workstation in _workstations)
        {
            SeededRandom r = random.Fork();
            var cache = new Dictionary<string, long>(StringComparer.Ordinal);
            for (double t = r.Exponential(meanGap / 2); t < DurationSeconds - 2; t += r.Exponential(meanGap))
                Visit(workstation, _start + Seconds(t), cache, r);
        }
    }

    private void Visit(Host workstation, long time, Dictionary<string, long> cache, SeededRandom random)
    {
        if (random.Chance(1.0 / 12))
        {
            NasWebPage(workstation, time, random);
            return;
        }

        Site site = random.Pick(_sites);
        long t = time;
        if (!cache.TryGetValue(site.Name, out long expiry) || expiry < time)
        {
            t = DnsLookup(workstation, time, site.Name, DnsType.A, SiteAnswers(site), random) + Seconds(0.0004);
            cache[site.Name] = time + Seconds(60);
        }

        if (random.Chance(0.1))
            OcspCheck(workstation, t, random);
        int connections = 1 + (random.Chance(0.4) ? 1 : 0) + (random.Chance(0.15) ? 1 : 0);
        for (int i = 0; i < connections; i++)
            BrowseTls(workstation, site, t + Seconds(i * random.NextDouble() * 0.08), random);
    }

    private void BrowseTls(Host workstation, Site site, long time, SeededRandom random)
    {
        var conversation = new TcpConversation(workstation, NextPort(workstation, random), site.Host, 443, time, TcpOptions(workstation, site.Rtt, random));
        TlsClientHello hello = workstation.Ttl == 128 ? TlsClientHello.Chrome(site.Name, random) : TlsClientHello.Firefox(site.Name, random);
        conversation.Handshake().ClientSends(hello.Build())
            .ServerSends(TlsRecords.ServerFlight13(TlsServerHello.Tls13(hello, random), random.Next(2400, 5200), random), TimeSpan.FromMilliseconds(random.Next(1, 6)));

        int requests = 1 + (int)random.Exponential(1.5);
        for (int i = 0; i < requests; i++)
        {
            byte[] request = TlsRecords.ApplicationData(random.Next(280, 900), random);
            if (i == 0)
                request = TlsRecords.Concat(TlsRecords.ClientFinished13(random), request);
            conversation.ClientSends(request, i == 0 ? default : TimeSpan.FromMilliseconds(random.Exponential(400)));
            conversation.ServerSends(TlsRecords.ApplicationData(random.LogNormal(9000, 1.4, 200, 1_500_000), random), TimeSpan.FromMilliseconds(random.Next(2, 60)));
        }

        double ending = random.NextDouble();
        if (ending < 0.7)
            conversation.Wait(TimeSpan.FromSeconds(random.Next(1, 15))).Close(clientFirst: random.Chance(0.6));
        else if (ending < 0.85)
            conversation.Wait(TimeSpan.FromMilliseconds(random.Next(50, 2000))).Reset(fromClient: true);
        else
            conversation.Wait(TimeSpan.FromMilliseconds(200)); // idle keep-alive, still open at the end of the capture

        AddTcp(FlowRole.WebTls, conversation, $"TLS to {site.Name}");
    }

    private void OcspCheck(Host workstation, long time, SeededRandom random)
    {
        var conversation = new TcpConversation(workstation, NextPort(workstation, random), _ocspServer, 80, time,
            TcpOptions(workstation, TimeSpan.FromMilliseconds(35), random));
        byte[] request = HttpMessages.Request("POST", "/", _ocspServer.Name,
            [new("User-Agent", "Microsoft-CryptoAPI/10.0"), new("Content-Type", "application/ocsp-request"), new("Accept", "*/*")],
            random.NextBytes(83));
        byte[] response = HttpMessages.Response(200, "OK",
            [new("Content-Type", "application/ocsp-response"), new("Cache-Control", "max-age=86400")], random.NextBytes(random.Next(1400, 1900)));
        conversation.Handshake().Exchange(request, response, TimeSpan.FromMilliseconds(3)).Close();
        AddTcp(FlowRole.WebHttp, conversation, "OCSP check");
    }

    /// <summary>The NAS's web UI over plain HTTP on 5000: a gzip-chunked page and two scripts.</summary>
    private void NasWebPage(Host workstation, long time, SeededRandom random)
    {
        var conversation = new TcpConversation(workstation, NextPort(workstation, random), _nas, 5000, time,
            TcpOptions(workstation, TimeSpan.FromMicroseconds(500), random, delayedAck: true));
        string userAgent = workstation.Ttl == 128 ? ChromeUserAgent : FirefoxUserAgent;
        DateTimeOffset date = SynthTime.FromUnixNanos(time);
        string host = _nas.Address + ":5000";
        var html = new StringBuilder("<!DOCTYPE html><html><head><title>Synology DiskStation</title></head><body>");
        for (int i = 0; i < 200; i++)
            html.Append("<div class=\"x-panel\" id=\"panel-").Append(i).Append("\">Storage pool ").Append(i % 4).Append(" healthy</div>\n");
        html.Append("</body></html>\n");
        conversation.Handshake()
            .Exchange(HttpMessages.BrowserGet("/", host, userAgent), HttpMessages.Ok("text/html; charset=utf-8", Encoding.UTF8.GetBytes(html.ToString()), date, gzip: true, chunkSize: 4096))
            .Exchange(HttpMessages.BrowserGet("/webman/login.js", host, userAgent), HttpMessages.Ok("application/javascript", random.NextBytes(random.Next(20_000, 60_000)), date))
            .Exchange(HttpMessages.BrowserGet("/webman/modules/desktop.js", host, userAgent), HttpMessages.Ok("application/javascript", random.NextBytes(random.Next(5_000, 30_000)), date))
            .Wait(TimeSpan.FromSeconds(5))
            .Close();
        AddTcp(FlowRole.WebHttp, conversation, "NAS web UI (HTTP 5000)");
    }

    private void GenerateFileShares(SeededRandom random)
    {
        int transfers = Math.Max(1, (int)Math.Round(4 * _options.Scale));
        for (int n = 0; n < transfers; n++)
        {
            Host workstation = random.Pick(_workstations);
            var conversation = new TcpConversation(workstation, NextPort(workstation, random), _nas, 445, At(0.04 + (0.85 * random.NextDouble())),
                TcpOptions(workstation, TimeSpan.FromMicroseconds(400), random, delayedAck: true));
            conversation.Handshake()
                .Exchange(Smb2(0x0000, 100, random), Smb2(0x0000, 200, random))  // NEGOTIATE
                .Exchange(Smb2(0x0001, 150, random), Smb2(0x0001, 250, random))  // SESSION_SETUP
                .Exchange(Smb2(0x0003, 80, random), Smb2(0x0003, 16, random))    // TREE_CONNECT
                .Exchange(Smb2(0x0005, 120, random), Smb2(0x0005, 150, random)); // CREATE
            int size = random.LogNormal(600_000, 0.8, 64_000, 4_000_000);
            for (int offset = 0; offset < size; offset += 65536)
                conversation.Exchange(Smb2(0x0008, 48, random), Smb2(0x0008, Math.Min(65536, size - offset) + 16, random)); // READ
            conversation.Exchange(Smb2(0x0006, 24, random), Smb2(0x0006, 60, random)).Wait(TimeSpan.FromSeconds(1)); // CLOSE
            AddTcp(FlowRole.FileShare, conversation, $"SMB2 read of {size} bytes");
        }
    }

    /// <summary>NetBIOS session header, a 64-byte SMB2 header with the command, then an opaque body.</summary>
    private static byte[] Smb2(ushort command, int bodyLength, SeededRandom random)
    {
        byte[] message = new byte[4 + 64 + bodyLength];
        BinaryPrimitives.WriteUInt32BigEndian(message, (uint)(64 + bodyLength)); // type 0 + 24-bit length
        message[4] = 0xFE; // ProtocolId "\xFESMB"
        message[5] = (byte)'S';
        message[6] = (byte)'M';
        message[7] = (byte)'B';
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(8), 64);        // StructureSize
        BinaryPrimitives.WriteUInt16LittleEndian(message.AsSpan(16), command);
        random.NextBytes(message.AsSpan(68));
        return message;
    }

    /// <summary>The NAS records the camera: RTSP setup, then interleaved RTP from the camera every two seconds.</summary>
    private void GenerateCameraStream(SeededRandom random)
    {
        var conversation = new TcpConversation(_nas, NextPort(_nas, random), _camera, 554, _start + Seconds(0.8),
            TcpOptions(_nas, TimeSpan.FromMicroseconds(700), random, delayedAck: true));
        const string Url = "rtsp://192.168.10.40:554/Streaming/Channels/101";
        conversation.Handshake()
            .Exchange(Rtsp($"OPTIONS {Url} RTSP/1.0\r\nCSeq: 1\r\n\r\n"), Rtsp("RTSP/1.0 200 OK\r\nCSeq: 1\r\nPublic: OPTIONS, DESCRIBE, PLAY, PAUSE, SETUP, TEARDOWN, GET_PARAMETER\r\n\r\n"))
            .Exchange(Rtsp($"DESCRIBE {Url} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n"),
                Rtsp("RTSP/1.0 200 OK\r\nCSeq: 2\r\nContent-Type: application/sdp\r\nContent-Length: 92\r\n\r\nv=0\r\no=- 1 1 IN IP4 192.168.10.40\r\ns=Media Presentation\r\nm=video 0 RTP/AVP 96\r\na=rtpmap:96 H264/90000\r\n"))
            .Exchange(Rtsp($"SETUP {Url}/trackID=1 RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"),
                Rtsp("RTSP/1.0 200 OK\r\nCSeq: 3\r\nSession: 7a1d33f0;timeout=60\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n"))
            .Exchange(Rtsp($"PLAY {Url} RTSP/1.0\r\nCSeq: 4\r\nSession: 7a1d33f0\r\n\r\n"), Rtsp("RTSP/1.0 200 OK\r\nCSeq: 4\r\nSession: 7a1d33f0\r\n\r\n"));

        int cseq = 5;
        ushort rtpSequence = (ushort)random.NextUInt32();
        long nextKeepAlive = conversation.Now + Seconds(50);
        while (conversation.Now < _end)
        {
            conversation.Wait(TimeSpan.FromMilliseconds(random.Next(1800, 2200)));
            int length = random.Next(4000, 9000);
            byte[] chunk = random.NextBytes(length);
            chunk[0] = 0x24; // '$' interleaved frame: channel 0, u16 length, then an RTP header (version 2, PT 96)
            chunk[1] = 0;
            BinaryPrimitives.WriteUInt16BigEndian(chunk.AsSpan(2), (ushort)(length - 4));
            chunk[4] = 0x80;
            chunk[5] = 96;
            BinaryPrimitives.WriteUInt16BigEndian(chunk.AsSpan(6), rtpSequence++);
            conversation.ServerSends(chunk);
            if (conversation.Now >= nextKeepAlive)
            {
                conversation.Exchange(Rtsp($"GET_PARAMETER {Url} RTSP/1.0\r\nCSeq: {cseq}\r\nSession: 7a1d33f0\r\n\r\n"),
                    Rtsp($"RTSP/1.0 200 OK\r\nCSeq: {cseq}\r\nSession: 7a1d33f0\r\n\r\n"));
                cseq++;
                nextKeepAlive = conversation.Now + Seconds(50);
            }
        }

        AddTcp(FlowRole.CameraStream, conversation, "RTSP recording (interleaved RTP)");
    }

    private static byte[] Rtsp(string text) => Encoding.ASCII.GetBytes(text);

    private void GeneratePrinting(SeededRandom random)
    {
        Host workstation = _workstations[1];
        var conversation = new TcpConversation(workstation, NextPort(workstation, random), _printer, 9100, At(0.55),
            TcpOptions(workstation, TimeSpan.FromMicroseconds(900), random));
        byte[] header = Encoding.ASCII.GetBytes("\u001b%-12345X@PJL JOB NAME=\"Q1 report.pdf\"\r\n@PJL SET COPIES=1\r\n@PJL ENTER LANGUAGE=PCL\r\n");
        byte[] trailer = Encoding.ASCII.GetBytes("\u001b%-12345X@PJL EOJ\r\n\u001b%-12345X");
        conversation.Handshake()
            .ClientSends(TlsRecords.Concat(header, random.NextBytes(random.Next(250_000, 450_000)), trailer))
            .Wait(TimeSpan.FromSeconds(2))
            .Close();
        AddTcp(FlowRole.Printing, conversation, "raw print job (PJL/PCL on 9100)");
    }
}
