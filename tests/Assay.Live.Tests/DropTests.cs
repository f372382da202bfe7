using System.Globalization;
using System.Text.Json;
using Xunit.Abstractions;

namespace Assay.Tests.Live;

/// <summary>Kernel drops are counted and reported; and the rate at which they start on the veth, measured.</summary>
public sealed class DropTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("assay-drops-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>UDP datagrams of 64 bytes to the peer's port 9 at a paced rate (0 = as fast as possible) for a duration; prints how many.</summary>
    private const string BlasterScript = """
        import socket, sys, time
        addr, rate, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); payload = b'b' * 64; sent = 0
        start = time.perf_counter(); end = start + seconds
        while True:
            now = time.perf_counter()
            if now >= end: break
            due = int((now - start) * rate) if rate else sent + 256
            while sent < due:
                try: s.sendto(payload, (addr, 9))
                except OSError: pass
                sent += 1
        print(sent, flush=True)
        """;

    private (long Sent, long Received, long Dropped, long Analyzed) Run(Netns pair, int rate, double seconds, bool pause, params string[] extra)
    {
        string script = Path.Combine(_dir, "blast.py");
        File.WriteAllText(script, BlasterScript);
        string data = Path.Combine(_dir, "run" + rate);
        using Netns.Background sensor = SenseLiveTests.StartSensor(pair, data, ["--workers", "1", .. extra]);
        sensor.WaitFor("capturing on", TimeSpan.FromSeconds(20));
        if (pause)
            sensor.Signal("STOP");   // the sensor falls behind: the ring fills and the kernel drops
        long sent = long.Parse(Netns.RunIn(pair.Sensor, "python3", script, pair.PeerAddress, rate.ToString(CultureInfo.InvariantCulture),
            seconds.ToString(CultureInfo.InvariantCulture)).Trim(), CultureInfo.InvariantCulture);
        if (pause)
            sensor.Signal("CONT");
        Thread.Sleep(300);
        sensor.Signal("INT");
        Assert.Equal(0, sensor.WaitForExit(TimeSpan.FromSeconds(30)));
        using var summary = JsonDocument.Parse(sensor.Stdout);
        JsonElement capture = summary.RootElement.GetProperty("capture");
        return (sent, capture.GetProperty("received").GetInt64(), capture.GetProperty("kernel_drops").GetInt64(),
            summary.RootElement.GetProperty("packets").GetInt64());
    }

    [Fact]
    public void KernelDropsAreCountedWhenTheSensorFallsBehind()
    {
        using Netns? pair = Netns.TryCreate(out string? reason);
        if (pair is null)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        // A 1 MiB ring and a stopped reader: most of 1.5 s of datagrams cannot be held.
        (long sent, long received, long dropped, long analyzed) = Run(pair, rate: 0, seconds: 1.5, pause: true, "--buffer-size", "1");
        output.WriteLine($"paused sensor, 1 MiB ring: sent {sent:N0}, received {received:N0}, kernel dropped {dropped:N0}, analyzed {analyzed:N0}");
        Assert.True(dropped > 0, "drops were counted");
        Assert.True(analyzed < sent, "fewer packets analyzed than sent");
        Assert.True(analyzed + dropped >= sent * 9 / 10, "analyzed + dropped account for what was sent");
    }

    [Fact]
    public void DropRateAtIncreasingSendRates()
    {
        using Netns? pair = Netns.TryCreate(out string? reason);
        if (pair is null)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        output.WriteLine("rate (pps)  sent        analyzed    kernel drops  drop %");
        foreach (int rate in (int[])[50_000, 150_000, 0])
        {
            (long sent, long received, long dropped, long analyzed) = Run(pair, rate, seconds: 1.5, pause: false);
            output.WriteLine($"{(rate == 0 ? "max" : rate.ToString("N0")),-11} {sent,-11:N0} {analyzed,-11:N0} {dropped,-13:N0} {100.0 * dropped / Math.Max(1, sent):F2}");
            Assert.True(received >= analyzed);
            Assert.True(analyzed <= sent + 1000);   // + the peer's ICMP replies and neighbour discovery
        }
    }
}
