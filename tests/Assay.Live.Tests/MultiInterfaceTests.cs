using System.Text.Json;
using Xunit.Abstractions;

namespace Assay.Tests.Live;

/// <summary>
/// <c>assay sense -i A -i B</c>: two veth pairs end in the sensor's namespace; traffic on each is captured, analyzed as one
/// stream and recorded. All traffic stays inside the test's namespaces.
/// </summary>
public sealed class MultiInterfaceTests(ITestOutputHelper output) : IDisposable
{
    private const int Datagrams = 20;
    private readonly string _dir = Directory.CreateTempSubdirectory("assay-multi-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void TwoInterfacesAreCapturedAsOneStream()
    {
        using Netns? first = Netns.TryCreate(out string? reason);
        if (first is null)
        {
            output.WriteLine("skipped: " + reason);
            return;
        }

        using Netns second = Netns.TryCreate(out reason) ?? throw new InvalidOperationException(reason);
        // The second pair's sensor end moves into the first sensor namespace: the sensor sees both links.
        Netns.Run("ip", "-n", second.Sensor, "link", "set", second.SensorInterface, "netns", first.Sensor);
        Netns.Run("ip", "-n", first.Sensor, "addr", "add", second.SensorAddress + "/24", "dev", second.SensorInterface);
        Netns.Run("ip", "-n", first.Sensor, "link", "set", second.SensorInterface, "up");

        string data = Path.Combine(_dir, "data");
        using Netns.Background sensor = SenseLiveTests.StartSensor(first, data, "-i", second.SensorInterface, "--workers", "1");
        sensor.WaitFor("capturing on", TimeSpan.FromSeconds(20));
        string send = $"import socket, sys\ns = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)\nfor _ in range({Datagrams}): s.sendto(b'x' * 100, (sys.argv[1], 9))\n";
        string script = Path.Combine(_dir, "send.py");
        File.WriteAllText(script, send);
        Netns.RunIn(first.Peer, "python3", script, first.SensorAddress);
        Netns.RunIn(second.Peer, "python3", script, second.SensorAddress);
        Thread.Sleep(500);
        sensor.Signal("INT");
        Assert.Equal(0, sensor.WaitForExit(TimeSpan.FromSeconds(30)));
        output.WriteLine(sensor.Stderr);

        JsonElement[] flows = [.. File.ReadLines(Path.Combine(data, "eve.json"))
            .Where(l => l.Contains("\"event_type\":\"flow\"", StringComparison.Ordinal) && l.Contains("\"proto\":\"UDP\"", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())];
        foreach ((string peer, string sensorAddress) in new[] { (first.PeerAddress, first.SensorAddress), (second.PeerAddress, second.SensorAddress) })
        {
            JsonElement flow = Assert.Single(flows, f => f.GetProperty("src_ip").GetString() == peer && f.GetProperty("dest_ip").GetString() == sensorAddress);
            Assert.Equal(Datagrams, flow.GetProperty("flow").GetProperty("pkts_toserver").GetInt32());
            output.WriteLine($"{peer} → {sensorAddress}:9: {Datagrams} datagrams seen");
        }

        using var summary = JsonDocument.Parse(sensor.Stdout);
        Assert.Equal(2, summary.RootElement.GetProperty("interfaces").GetArrayLength());
        Assert.True(summary.RootElement.GetProperty("recorded").GetProperty("packets").GetInt64() >= 2 * Datagrams);
    }
}
