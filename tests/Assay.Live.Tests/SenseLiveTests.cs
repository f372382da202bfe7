using System.Diagnostics;
using System.Text.Json;
using Assay.Live;
using Xunit.Abstractions;

namespace Assay.Tests.Live;

/// <summary>
/// <c>assay sense</c> on one end of a veth pair between two namespaces made for the test, with real traffic across (curl
/// to a Python HTTP server, a DNS query and answer, 50 UDP echoes, a 20 MiB TCP stream), stopped with SIGINT.
/// </summary>
public sealed partial class SenseLiveTests(ITestOutputHelper output) : IDisposable
{
    private const int StreamBytes = 20 * 1024 * 1024;
    private const int Echoes = 50;
    private const string StreamSegmentSize = "4M";

    private readonly string _dir = Directory.CreateTempSubdirectory("assay-live-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Peer side: HTTP on 8080, DNS on 53, UDP echo on 9001, a TCP sink on 9000 that answers with the byte count.</summary>
    private const string ServerScript = """
        import http.server, os, socket, sys, threading
        addr, root = sys.argv[1], sys.argv[2]
        def dns():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, 53))
            while True:
                q, peer = s.recvfrom(2048)
                answer = b'\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04' + socket.inet_aton(addr)
                s.sendto(q[:2] + b'\x81\x80' + q[4:6] + b'\x00\x01\x00\x00\x00\x00' + q[12:] + answer, peer)
        def echo():
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind((addr, 9001))
            while True:
                b, peer = s.recvfrom(2048); s.sendto(b, peer)
        def sink():
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind((addr, 9000)); s.listen()
            while True:
                c, _ = s.accept(); n = 0
                while True:
                    b = c.recv(1 << 20)
                    if not b: break
                    n += len(b)
                c.sendall(str(n).encode()); c.close()
        for f in (dns, echo, sink): threading.Thread(target=f, daemon=True).start()
        os.chdir(root)
        server = http.server.ThreadingHTTPServer((addr, 8080), http.server.SimpleHTTPRequestHandler)
        print('ready', flush=True)
        server.serve_forever()
        """;

    /// <summary>
    /// Sensor side: the DNS query, the UDP echoes from port 40001, the TCP stream (seeded pseudo-random bytes, so a
    /// reordered or repeated chunk changes the hash); prints the bytes the sink counted, the SHA-256 of the bytes sent and
    /// the stream's client port.
    /// </summary>
    private const string ClientScript = """
        import hashlib, random, socket, struct, sys
        addr, size, echoes = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
        q = struct.pack('>HHHHHH', 0x1234, 0x0100, 1, 0, 0, 0) + b'\x05assay\x04test\x00\x00\x01\x00\x01'
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.settimeout(5); s.sendto(q, (addr, 53))
        r, _ = s.recvfrom(2048); assert r[:2] == q[:2]
        u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('', 40001)); u.settimeout(5)
        for i in range(echoes):
            u.sendto(b'e' * 100, (addr, 9001)); u.recvfrom(2048)
        data = random.Random(20).randbytes(size); view = memoryview(data)
        t = socket.create_connection((addr, 9000)); sent = 0
        while sent < size:
            t.sendall(view[sent:sent + 65536]); sent += min(65536, size - sent)
        t.shutdown(socket.SHUT_WR); port = t.getsockname()[1]
        print(int(t.recv(100)), hashlib.sha256(data).hexdigest(), port, flush=True)
        """;

    /// <summary>
    /// Starts the sensor. SIGINT is reset to its default first: a process started from a background job inherits SIGINT
    /// ignored, and an ignored signal cannot be caught.
    /// </summary>
    internal static Netns.Background StartSensor(Netns pair, string dir, params string[] extra) =>
        Netns.Start(pair.Sensor, ["python3", "-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp(sys.argv[1], sys.argv[1:])",
            "dotnet", Path.Combine(AppContext.BaseDirectory, "assay.dll"), "sense", "-i", pair.SensorInterface, "-d", dir, "--json", .. extra]);

    [Fact]
    public void HttpDnsUdpAndALongTcpStreamAreAnalyzedAndSigintEndsCleanly()
    {
        using Netns? pair = Netns.TryCreate(out string? reason);
        if (pair is null)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        string www = Path.Combine(_dir, "www");
        Directory.CreateDirectory(www);
        File.WriteAllText(Path.Combine(www, "index.html"), "<html>assay live test</html>\n");
        string serverScript = Path.Combine(_dir, "server.py"), clientScript = Path.Combine(_dir, "client.py");
        File.WriteAllText(serverScript, ServerScript);
        File.WriteAllText(clientScript, ClientScript);
        string data = Path.Combine(_dir, "data");

        using Netns.Background server = Netns.Start(pair.Peer, "python3", serverScript, pair.PeerAddress, www);
        // 4 MiB segments: the 20 MiB stream spans several, so the flow query has to join them.
        using Netns.Background sensor = StartSensor(pair, data, "--workers", "2", "--segment-size", StreamSegmentSize);
        server.WaitFor("ready", TimeSpan.FromSeconds(10));
        sensor.WaitFor("capturing on", TimeSpan.FromSeconds(20));

        string code = Netns.RunIn(pair.Sensor, "curl", "-s", "-o", "/dev/null", "-w", "%{http_code}", $"http://{pair.PeerAddress}:8080/index.html");
        Assert.Equal("200", code);
        string[] client = Netns.RunIn(pair.Sensor, "python3", clientScript, pair.PeerAddress, StreamBytes.ToString(), Echoes.ToString()).Split();
        Assert.Equal(StreamBytes.ToString(), client[0]);
        string sentSha256 = client[1];
        int streamPort = int.Parse(client[2], System.Globalization.CultureInfo.InvariantCulture);

        Thread.Sleep(300);   // the last packets reach the ring and are read
        // On a loaded machine the reader can be seconds behind the wire: wait until the store stops growing, so the store
        // checks below see the whole stream whatever the stop's drain does (that is the received/analyzed line below).
        TimeSpan waited = StoreCheck.WaitUntilSettled(Path.Combine(data, "packets"), TimeSpan.FromSeconds(15));
        output.WriteLine($"store settled {waited.TotalMilliseconds:F0} ms after the traffic");
        var clock = Stopwatch.StartNew();
        sensor.Signal("INT");
        int exit = sensor.WaitForExit(TimeSpan.FromSeconds(20));
        output.WriteLine($"sensor exited {exit} {clock.ElapsedMilliseconds} ms after SIGINT\n{sensor.Stderr}");
        Assert.Equal(0, exit);
        Assert.DoesNotContain("   at ", sensor.Stderr, StringComparison.Ordinal);
        Assert.Contains("capture stopped", sensor.Stderr, StringComparison.Ordinal);

        using var summary = JsonDocument.Parse(sensor.Stdout);
        JsonElement root = summary.RootElement;
        Assert.Equal(pair.SensorInterface, root.GetProperty("interfaces")[0].GetString());
        long packets = root.GetProperty("packets").GetInt64();
        JsonElement capture = root.GetProperty("capture");
        output.WriteLine($"summary: {packets:N0} packets, capture {capture}");
        Assert.True(capture.GetProperty("received").GetInt64() >= packets);
        // Not asserted equal: seen 527 received / 517 analyzed once on a loaded machine with the reader caught up (reported).
        output.WriteLine($"received but not analyzed: {capture.GetProperty("received").GetInt64() - packets}");

        var events = File.ReadAllLines(Path.Combine(data, "eve.json")).Select(line => JsonDocument.Parse(line).RootElement).ToList();
        Assert.Equal(root.GetProperty("events").GetInt64(), events.Count);
        List<JsonElement> flows = [.. events.Where(e => e.GetProperty("event_type").GetString() == "flow")];
        JsonElement Flow(string proto, int destPort) => Assert.Single(flows, f =>
            f.GetProperty("proto").GetString() == proto && f.GetProperty("src_ip").GetString() == pair.SensorAddress
            && f.GetProperty("dest_ip").GetString() == pair.PeerAddress && f.GetProperty("dest_port").GetInt32() == destPort);

        JsonElement streamEvent = Flow("TCP", 9000);
        Assert.Equal(streamPort, streamEvent.GetProperty("src_port").GetInt32());
        JsonElement stream = streamEvent.GetProperty("flow");
        output.WriteLine($"TCP stream flow: {stream}");
        Assert.True(stream.GetProperty("bytes_toserver").GetInt64() > StreamBytes, "every byte of the 20 MiB stream was seen");

        JsonElement echo = Flow("UDP", 9001);
        Assert.Equal(40001, echo.GetProperty("src_port").GetInt32());
        Assert.Equal(Echoes, echo.GetProperty("flow").GetProperty("pkts_toserver").GetInt64());
        Assert.Equal(Echoes, echo.GetProperty("flow").GetProperty("pkts_toclient").GetInt64());
        Assert.Equal(Echoes * (14 + 20 + 8 + 100), echo.GetProperty("flow").GetProperty("bytes_toserver").GetInt64());

        JsonElement dnsFlow = Flow("UDP", 53).GetProperty("flow");
        Assert.Equal(1, dnsFlow.GetProperty("pkts_toserver").GetInt64());
        Assert.Equal(1, dnsFlow.GetProperty("pkts_toclient").GetInt64());
        Flow("TCP", 8080);

        List<JsonElement> dns = [.. events.Where(e => e.GetProperty("event_type").GetString() == "dns")];
        Assert.NotEmpty(dns);
        Assert.All(dns, e => Assert.Contains("assay.test", e.GetProperty("dns").GetRawText(), StringComparison.Ordinal));
        JsonElement http = Assert.Single(events, e => e.GetProperty("event_type").GetString() == "http").GetProperty("http");
        Assert.Equal("/index.html", http.GetProperty("url").GetString());
        Assert.Equal(200, http.GetProperty("status").GetInt32());
        output.WriteLine($"{events.Count} events: {flows.Count} flows, {dns.Count} dns, 1 http");

        CheckRecordedStream(pair, data, root, streamEvent, streamPort, sentSha256);
    }

    [Fact]
    public void AMissingInterfaceOrABadFilterIsOneLineAndExitCode2()
    {
        foreach (string[] args in (string[][])[["-i", "assaynope0"], ["-i", "lo", "-f", "port and"]])
        {
            var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (string arg in (string[])[Path.Combine(AppContext.BaseDirectory, "assay.dll"), "sense", "-d", Path.Combine(_dir, "out"), .. args])
                start.ArgumentList.Add(arg);
            using var process = Process.Start(start)!;
            string stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            output.WriteLine($"sense {string.Join(' ', args)} → {process.ExitCode}: {stderr}");
            Assert.Equal(2, process.ExitCode);
            string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.StartsWith("assay: ", line, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", line, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void StopEndsABlockedReadWithinASecond()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
        {
            output.WriteLine("skipped: needs root to open an interface");
            return;
        }

        // Loopback with a filter nothing matches: the reader blocks in libpcap until Stop (no traffic is sent).
        using var source = LivePacketSource.Open("lo", new LiveCaptureOptions { Filter = "udp port 7 and host 127.1.2.3" });
        long stoppedAt = 0, endedAt = 0;
        var reader = new Thread(() =>
        {
            while (source.TryReadPacket(out _, out _) == Capture.ReadStatus.Packet)
            {
            }

            endedAt = Stopwatch.GetTimestamp();
        });
        reader.Start();
        Thread.Sleep(400);
        stoppedAt = Stopwatch.GetTimestamp();
        source.Stop();
        Assert.True(reader.Join(TimeSpan.FromSeconds(1)), "TryReadPacket did not return within 1 s of Stop");
        TimeSpan latency = Stopwatch.GetElapsedTime(stoppedAt, endedAt);
        output.WriteLine($"EndOfInput {latency.TotalMilliseconds:F1} ms after Stop");
        Assert.True(latency < TimeSpan.FromSeconds(1));
    }
}
