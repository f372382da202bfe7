using System.Text.Json;
using Xunit.Abstractions;

namespace Assay.Tests.Cli;

/// <summary>
/// Packets back out of the store as a user gets them: <c>assay analyze</c> records the lab's lossy intrusion capture,
/// then <c>assay pcap</c> returns each flow's packets byte-identical (data and nanosecond timestamps) to what tcpdump
/// selects from the original file — including the 9 MB download with retransmissions — by flow_id, by Community ID, and
/// through a BPF filter; <c>assay follow</c> prints the exploit request.
/// </summary>
public sealed class StoreCommandTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("assay-store-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private (int ExitCode, string Stdout, string Stderr) Run(string file, params string[] args) =>
        ProcessRun.Run(_dir, TimeSpan.FromSeconds(120), file, args);

    private (int ExitCode, string Stdout, string Stderr) Assay(params string[] args) => Run("dotnet", [ProcessRun.AssayDll, .. args]);

    /// <summary>Every packet of a pcap as tcpdump prints it with nanosecond times and all bytes in hex.</summary>
    private string Dump(string pcap)
    {
        var (code, stdout, stderr) = Run("tcpdump", "--time-stamp-precision=nano", "-nn", "-xx", "-r", pcap);
        Assert.True(code == 0, $"tcpdump -r {pcap}: {stderr}");
        return stdout;
    }

    private string Analyzed()
    {
        string data = Path.Combine(_dir, "data");
        var (code, _, stderr) = Assay("analyze", Corpus.Path("lab/devlab-incident-phpunit.pcap"), "-d", data, "--json");
        Assert.True(code == 0, stderr);
        return data;
    }

    private static bool TcpdumpMissing() => !File.Exists("/usr/bin/tcpdump") && !File.Exists("/usr/sbin/tcpdump");

    [Fact]
    public void EveryTcpFlowComesBackAsTcpdumpSelectsItFromTheOriginal()
    {
        if (Corpus.Root is null)
            return;
        if (TcpdumpMissing())
        {
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "tcpdump is not installed (.ci/run installs it)");
            return;
        }

        string data = Analyzed();
        JsonElement[] flows = [.. File.ReadLines(Path.Combine(data, "eve.json"))
            .Where(l => l.Contains("\"event_type\":\"flow\"", StringComparison.Ordinal) && l.Contains("\"proto\":\"TCP\"", StringComparison.Ordinal))
            .Select(l => JsonDocument.Parse(l).RootElement.Clone())];
        Assert.True(flows.Length >= 8);
        int identical = 0;
        long packets = 0;
        foreach (JsonElement flow in flows)
        {
            string a = flow.GetProperty("src_ip").GetString()!, b = flow.GetProperty("dest_ip").GetString()!;
            int p = flow.GetProperty("src_port").GetInt32(), q = flow.GetProperty("dest_port").GetInt32();
            string expected = Path.Combine(_dir, $"td-{p}-{q}.pcap"), ours = Path.Combine(_dir, $"assay-{p}-{q}.pcap");
            var (tcpdump, _, tcpdumpError) = Run("tcpdump", "--time-stamp-precision=nano", "-r", Corpus.Path("lab/devlab-incident-phpunit.pcap"), "-w", expected,
                $"tcp and host {a} and host {b} and port {p} and port {q}");
            Assert.True(tcpdump == 0, tcpdumpError);
            var (code, _, stderr) = Assay("pcap", "-d", data, "--flow", flow.GetProperty("flow_id").GetInt64().ToString(), "-w", ours);
            Assert.True(code == 0, stderr);
            string want = Dump(expected), got = Dump(ours);
            Assert.Equal(want, got);
            identical++;
            packets += flow.GetProperty("flow").GetProperty("pkts_toserver").GetInt64() + flow.GetProperty("flow").GetProperty("pkts_toclient").GetInt64();
        }

        output.WriteLine($"{identical}/{flows.Length} TCP flows ({packets:N0} packets) byte-identical to tcpdump's selection, timestamps to the nanosecond");
    }

    [Fact]
    public void CommunityIdBpfFilterStdoutAndFollow()
    {
        if (Corpus.Root is null || TcpdumpMissing())
            return;
        string data = Analyzed();
        JsonElement miner = JsonDocument.Parse(File.ReadLines(Path.Combine(data, "eve.json")).First(l => l.Contains("\"event_type\":\"miner\"", StringComparison.Ordinal))).RootElement;
        string communityId = miner.GetProperty("community_id").GetString()!;

        string byCid = Path.Combine(_dir, "cid.pcap");
        Assert.Equal(0, Assay("pcap", "-d", data, "--community-id", communityId, "-w", byCid).ExitCode);
        string byFlow = Path.Combine(_dir, "flow.pcap");
        Assert.Equal(0, Assay("pcap", "-d", data, "--flow", miner.GetProperty("flow_id").GetInt64().ToString(), "-w", byFlow).ExitCode);
        Assert.Equal(Dump(byFlow), Dump(byCid));

        // A BPF filter on top of the index: the SYNs to the attacker's download server.
        string piped = Path.Combine(_dir, "piped.pcap");
        var (code, _, stderr) = Run("bash", "-c", $"dotnet '{Path.Combine(AppContext.BaseDirectory, "assay.dll")}' pcap -d '{data}' --host 10.77.0.5 " +
            $"'tcp[tcpflags] & tcp-syn != 0 and port 8080' -w - | tcpdump -r - -w '{piped}'");
        Assert.True(code == 0, stderr);
        string syns = Dump(piped);
        Assert.Contains("Flags [S]", syns, StringComparison.Ordinal);
        Assert.DoesNotContain("Flags [P.]", syns, StringComparison.Ordinal);

        // follow: the exploit as the attacker sent it.
        long exploit = JsonDocument.Parse(File.ReadLines(Path.Combine(data, "eve.json"))
            .Last(l => l.Contains("\"event_type\":\"http\"", StringComparison.Ordinal) && l.Contains("eval-stdin.php", StringComparison.Ordinal))).RootElement.GetProperty("flow_id").GetInt64();
        var follow = Assay("follow", "-d", data, exploit.ToString());
        Assert.Equal(0, follow.ExitCode);
        Assert.Contains("POST /vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php", follow.Stdout, StringComparison.Ordinal);
        Assert.Contains("<?php", follow.Stdout, StringComparison.Ordinal);

        // Bad requests: one line, the right exit code, no stack trace.
        Assert.Equal(1, Assay("pcap", "-d", data, "-w", "x.pcap", "host and").ExitCode);
        Assert.Equal(2, Assay("pcap", "-d", data, "--flow", "12345", "-w", "x.pcap").ExitCode);
        Assert.Equal(2, Assay("pcap", "-d", Path.Combine(_dir, "empty"), "-w", "x.pcap").ExitCode);
        var bad = Assay("follow", "-d", data, "not-a-flow");
        Assert.Equal(1, bad.ExitCode);
        Assert.DoesNotContain("   at ", bad.Stderr, StringComparison.Ordinal);
    }
}
