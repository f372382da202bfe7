using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Assay.Tests.Live;

/// <summary>The live run's packet store: what <c>assay sense</c> recorded, checked with tcpdump and an independent reassembly.</summary>
public sealed partial class SenseLiveTests
{
    /// <summary>
    /// After SIGINT: every closed segment opens in tcpdump with its index's packet count, and together they hold every
    /// packet the sensor analyzed; the 20 MiB stream's flow comes back from <c>assay pcap --flow</c> with exactly the EVE
    /// flow event's packets and bytes, its client→server bytes rebuilt from that pcap hash to what the client sent (and so
    /// does <c>assay follow --raw</c>); and tcpdump's BPF selection from the segments is record for record the same as
    /// <c>assay pcap</c>'s (by flow, by BPF filter, by --host/--port).
    /// </summary>
    private void CheckRecordedStream(Netns pair, string data, JsonElement summary, JsonElement streamEvent, int streamPort, string sentSha256)
    {
        var report = new StringBuilder("store segments:\n");
        List<(string Segment, List<StoreCheck.Record> Packets)> segments = StoreCheck.CheckClosedSegments(Path.Combine(data, "packets"), report);
        output.WriteLine(report.ToString());
        long stored = segments.Sum(s => s.Packets.Count);
        JsonElement recorded = summary.GetProperty("recorded");
        output.WriteLine($"recorded: {recorded}; tcpdump reads {stored:N0} packets from {segments.Count} segments");
        Assert.Equal(0, recorded.GetProperty("packets_dropped").GetInt64());
        Assert.Equal(recorded.GetProperty("packets").GetInt64(), stored);
        Assert.Equal(summary.GetProperty("packets").GetInt64(), stored);
        Assert.True(segments.Count >= StreamBytes / (4 << 20), $"a 20 MiB stream in 4 MiB segments fills at least 5 ({segments.Count})");

        // The flow, by flow_id, read back through tcpdump (so libpcap accepts the file assay wrote).
        string flowId = streamEvent.GetProperty("flow_id").GetInt64().ToString(CultureInfo.InvariantCulture);
        JsonElement flow = streamEvent.GetProperty("flow");
        long eventPackets = flow.GetProperty("pkts_toserver").GetInt64() + flow.GetProperty("pkts_toclient").GetInt64();
        long eventBytes = flow.GetProperty("bytes_toserver").GetInt64() + flow.GetProperty("bytes_toclient").GetInt64();
        string flowPcap = Path.Combine(_dir, "flow.pcap");
        StoreCheck.Assay("pcap", "-d", data, "--flow", flowId, "-w", flowPcap);
        List<StoreCheck.Record> byFlow = StoreCheck.Tcpdump(flowPcap);
        long flowBytes = byFlow.Sum(r => (long)r.OriginalLength);
        output.WriteLine($"assay pcap --flow {flowId}: {byFlow.Count:N0} packets, {flowBytes:N0} bytes; EVE flow event: {eventPackets:N0} packets, {eventBytes:N0} bytes");
        Assert.Equal(eventPackets, byFlow.Count);
        Assert.Equal(eventBytes, flowBytes);
        Assert.All(byFlow, r => Assert.Equal(r.OriginalLength, r.Data.Length));   // nothing cut at the snap length
        for (int i = 1; i < byFlow.Count; i++)
            Assert.True(byFlow[i].TimestampNanos >= byFlow[i - 1].TimestampNanos, $"packet {i} goes back in time");

        // Client→server bytes, rebuilt here by sequence number, against what the client sent.
        (byte[] upstream, long holes, long conflicts) = StoreCheck.Reassemble(byFlow, pair.SensorAddress, streamPort, StreamBytes);
        string rebuiltSha256 = Convert.ToHexStringLower(SHA256.HashData(upstream));
        output.WriteLine($"client→server rebuilt from the stored flow: {upstream.Length:N0} bytes, {holes} missing, {conflicts} conflicting; " +
                         $"sha256 {rebuiltSha256} (sent {sentSha256})");
        Assert.Equal(0, holes);
        Assert.Equal(0, conflicts);
        Assert.Equal(StreamBytes, upstream.Length);
        Assert.Equal(sentSha256, rebuiltSha256);

        // The product's own reassembly of the stored packets agrees.
        string raw = Path.Combine(_dir, "follow");
        StoreCheck.Assay("follow", "-d", data, flowId, "--raw", raw);
        string followSha256 = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(Path.Combine(raw, flowId + "-client.bin"))));
        string answer = File.ReadAllText(Path.Combine(raw, flowId + "-server.bin"));
        output.WriteLine($"assay follow --raw: client sha256 {followSha256}, server said '{answer}'");
        Assert.Equal(sentSha256, followSha256);
        Assert.Equal(StreamBytes.ToString(CultureInfo.InvariantCulture), answer);

        // tcpdump's selection from the segments with the flow's BPF filter is the same packets, byte for byte and to the ns.
        string filter = $"tcp and host {pair.SensorAddress} and host {pair.PeerAddress} and port {streamPort} and port 9000";
        List<StoreCheck.Record> byTcpdump = [.. segments.SelectMany(s => StoreCheck.Tcpdump(s.Segment, filter))];
        List<StoreCheck.Record> byBpf = StoreCheck.ParsePcap(StoreCheck.Assay("pcap", "-d", data, "-w", "-", filter).Stdout);
        List<StoreCheck.Record> byHostPort = StoreCheck.ParsePcap(
            StoreCheck.Assay("pcap", "-d", data, "--host", pair.PeerAddress, "--port", streamPort.ToString(CultureInfo.InvariantCulture), "-w", "-").Stdout);
        output.WriteLine($"'{filter}': tcpdump over the segments {byTcpdump.Count:N0} packets, assay pcap FILTER {byBpf.Count:N0}, " +
                         $"assay pcap --host --port {byHostPort.Count:N0}, assay pcap --flow {byFlow.Count:N0}");
        foreach ((string name, List<StoreCheck.Record> selection) in (ReadOnlySpan<(string, List<StoreCheck.Record>)>)
                 [("--flow", byFlow), ("FILTER", byBpf), ("--host --port", byHostPort)])
        {
            Assert.Equal(byTcpdump.Count, selection.Count);
            int first = Enumerable.Range(0, byTcpdump.Count).FirstOrDefault(i => !byTcpdump[i].SameAs(selection[i]), -1);
            Assert.True(first < 0, $"assay pcap {name} differs from tcpdump's selection at packet {first}");
        }
    }
}
