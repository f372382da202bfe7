using System.Text.Json;
using Assay.Decoding;
using Assay.Engine;
using Assay.Output;
using Spectre.Console;

namespace Assay.Cli;

/// <summary>The human (tables) and script (<c>--json</c>) summary of a run.</summary>
internal sealed class RunSummary
{
    public const int TopTalkers = 10;

    private readonly AnalysisResult _result;
    private readonly IReadOnlyList<FileInfo> _files;
    private readonly string _evePath;

    private RunSummary(AnalysisResult result, IReadOnlyList<FileInfo> files, string evePath)
    {
        _result = result;
        _files = files;
        _evePath = evePath;
    }

    public static RunSummary From(AnalysisResult result, IReadOnlyList<FileInfo> files, string evePath) => new(result, files, evePath);

    private TimeSpan CaptureDuration
    {
        get
        {
            DecodeStats d = _result.Decode;
            return d.Packets == 0 ? TimeSpan.Zero : TimeSpan.FromTicks((d.LastTimestamp - d.FirstTimestamp) / 100);
        }
    }

    private List<(UInt128 Address, HostTally Tally)> Top()
    {
        var hosts = new List<(UInt128 Address, HostTally Tally)>(_result.Flows.Hosts.Count);
        foreach ((UInt128 address, HostTally tally) in _result.Flows.Hosts)
            hosts.Add((address, tally));
        hosts.Sort((a, b) => b.Tally.Bytes.CompareTo(a.Tally.Bytes) is var c and not 0 ? c : a.Address.CompareTo(b.Address));
        if (hosts.Count > TopTalkers)
            hosts.RemoveRange(TopTalkers, hosts.Count - TopTalkers);
        return hosts;
    }

    private List<(string Name, long Count)> Anomalies()
    {
        var list = new List<(string Name, long Count)>();
        for (int i = 1; i < AnomalyNames.Count; i++)
        {
            long count = _result.AnomalyCount((Anomaly)i);
            if (count > 0)
                list.Add((AnomalyNames.Get((Anomaly)i), count));
        }

        list.Sort((a, b) => b.Count.CompareTo(a.Count));
        return list;
    }

    private static string Address(UInt128 address, bool v6) => Utf8Format.AddressText(address, v6);

    private static string Time(long nanos)
    {
        Span<byte> buffer = stackalloc byte[Utf8Format.TimestampLength];
        Utf8Format.WriteTimestamp(nanos, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer);
    }

    public void Print()
    {
        DecodeStats d = _result.Decode;
        FlowStats f = _result.Flows;
        var console = AnsiConsole.Console;
        var overview = new Grid().AddColumn().AddColumn();
        overview.AddRow("[bold]input[/]", Markup.Escape(string.Join(", ", _files.Select(x => x.Name))));
        overview.AddRow("[bold]packets[/]", $"{d.Packets:N0} ({FormatBytes(d.Bytes)})");
        if (d.Packets > 0)
            overview.AddRow("[bold]capture time[/]", $"{Time(d.FirstTimestamp)} .. {Time(d.LastTimestamp)} ({CaptureDuration:g})");
        overview.AddRow("[bold]flows[/]", $"{f.Flows:N0}: TCP {f.TcpFlows:N0}, UDP {f.UdpFlows:N0}, ICMP {f.IcmpFlows:N0}, other {f.OtherFlows:N0}");
        overview.AddRow("[bold]layers[/]", $"IPv4 {d.IPv4:N0}, IPv6 {d.IPv6:N0}, ARP {d.Arp:N0}, VLAN {d.Vlan:N0}, MPLS {d.Mpls:N0}, fragments {d.Fragments:N0} ({d.Reassembled:N0} datagrams reassembled), undecodable {d.Invalid:N0}");
        if (_result.Recorded is Store.StoreStats recorded)
        {
            overview.AddRow("[bold]recorded[/]", $"{recorded.Packets:N0} packets ({FormatBytes(recorded.Bytes)}) into the packet store" +
                (recorded.SegmentsEvicted > 0 ? $"; {recorded.SegmentsEvicted:N0} old segment(s) evicted" : "") +
                (recorded.PacketsDropped > 0 ? $"; [red]{recorded.PacketsDropped:N0} packets not recorded[/] ({Markup.Escape(recorded.LastError ?? "")})" : ""));
        }

        if (_result.Drops is Capture.CaptureDrops drops)
            overview.AddRow("[bold]capture[/]", $"{drops.Received:N0} received, {drops.KernelDropped:N0} dropped by the kernel, {drops.InterfaceDropped:N0} by the interface");
        overview.AddRow("[bold]events[/]", $"{_result.EventsWritten:N0} written to {Markup.Escape(_evePath)}");
        double seconds = Math.Max(_result.Elapsed.TotalSeconds, 1e-6);
        overview.AddRow("[bold]speed[/]", $"{_result.Elapsed.TotalSeconds:F2} s, {d.Packets / seconds / 1e6:F2} Mpps with {_result.Workers} worker(s)");
        console.Write(new Panel(overview).Header("[bold]Assay analysis[/]"));

        if (_result.MinerHosts.Count > 0)
        {
            var table = new Table().Title("[bold red]Mining detected[/]").AddColumns("host", "verdict");
            foreach (MinerHostVerdict host in _result.MinerHosts)
                table.AddRow(Address(host.Address, host.IPv6), Markup.Escape(host.Sentence));
            console.Write(table);
        }

        var top = Top();
        if (top.Count > 0)
        {
            var table = new Table().Title("Top talkers (bytes in flows they took part in)").AddColumns("host", "bytes", "packets", "flows");
            foreach ((UInt128 address, HostTally tally) in top)
                table.AddRow(Address(address, tally.IPv6), FormatBytes((long)tally.Bytes), tally.Packets.ToString("N0"), tally.Flows.ToString("N0"));
            console.Write(table);
        }

        var anomalies = Anomalies();
        if (anomalies.Count > 0)
        {
            var table = new Table().Title("Anomalies").AddColumns("name", "count");
            foreach ((string name, long count) in anomalies)
                table.AddRow(name, count.ToString("N0"));
            console.Write(table);
        }

        if (d.UnsupportedLinkTypes.Count > 0)
        {
            var table = new Table().Title("Unsupported link types (packets skipped)").AddColumns("file", "link type", "packets");
            foreach (((string file, int linkType), long count) in d.UnsupportedLinkTypes)
                table.AddRow(Markup.Escape(file), linkType.ToString(), count.ToString("N0"));
            console.Write(table);
        }
    }

    public void WriteJson(Stream stream)
    {
        DecodeStats d = _result.Decode;
        FlowStats f = _result.Flows;
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartArray("files");
        foreach (FileInfo file in _files)
            json.WriteStringValue(file.FullName);
        json.WriteEndArray();
        json.WriteString("eve", _evePath);
        json.WriteNumber("packets", d.Packets);
        json.WriteNumber("bytes", d.Bytes);
        if (d.Packets > 0)
        {
            json.WriteString("first_seen", Time(d.FirstTimestamp));
            json.WriteString("last_seen", Time(d.LastTimestamp));
        }

        json.WriteNumber("duration_s", CaptureDuration.TotalSeconds);
        json.WriteStartObject("layers");
        json.WriteNumber("ethernet", d.Ethernet);
        json.WriteNumber("vlan", d.Vlan);
        json.WriteNumber("mpls", d.Mpls);
        json.WriteNumber("arp", d.Arp);
        json.WriteNumber("ipv4", d.IPv4);
        json.WriteNumber("ipv6", d.IPv6);
        json.WriteNumber("tcp", d.Tcp);
        json.WriteNumber("udp", d.Udp);
        json.WriteNumber("icmpv4", d.Icmp);
        json.WriteNumber("icmpv6", d.IcmpV6);
        json.WriteNumber("fragments", d.Fragments);
        json.WriteNumber("reassembled", d.Reassembled);
        json.WriteNumber("invalid", d.Invalid);
        json.WriteEndObject();
        json.WriteStartObject("flows");
        json.WriteNumber("total", f.Flows);
        json.WriteNumber("tcp", f.TcpFlows);
        json.WriteNumber("udp", f.UdpFlows);
        json.WriteNumber("icmp", f.IcmpFlows);
        json.WriteNumber("other", f.OtherFlows);
        json.WriteNumber("evicted", f.Evicted);
        json.WriteEndObject();
        json.WriteStartArray("miners");
        foreach (MinerHostVerdict host in _result.MinerHosts)
        {
            json.WriteStartObject();
            json.WriteString("host", Address(host.Address, host.IPv6));
            json.WriteString("confidence", Output.Mining.MinerEveWriter.ConfidenceName(host.Confidence));
            json.WriteString("coin", host.Coin);
            if (host.Software is not null)
                json.WriteString("software", host.Software);
            json.WriteStartArray("pools");
            foreach (string pool in host.Pools)
                json.WriteStringValue(pool);
            json.WriteEndArray();
            json.WriteStartArray("logins");
            foreach (string login in host.Logins)
                json.WriteStringValue(login);
            json.WriteEndArray();
            if (host.HashrateHps is double hashrate)
                json.WriteNumber("hashrate_hps", Math.Round(hashrate, 2));
            json.WriteNumber("sessions", host.Sessions);
            json.WriteString("verdict", host.Sentence);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("top_talkers");
        foreach ((UInt128 address, HostTally tally) in Top())
        {
            json.WriteStartObject();
            json.WriteString("host", Address(address, tally.IPv6));
            json.WriteNumber("bytes", tally.Bytes);
            json.WriteNumber("packets", tally.Packets);
            json.WriteNumber("flows", tally.Flows);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartObject("anomalies");
        foreach ((string name, long count) in Anomalies())
            json.WriteNumber(name, count);
        json.WriteEndObject();
        json.WriteStartArray("unsupported_link_types");
        foreach (((string file, int linkType), long count) in d.UnsupportedLinkTypes)
        {
            json.WriteStartObject();
            json.WriteString("file", file);
            json.WriteNumber("link_type", linkType);
            json.WriteNumber("packets", count);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        json.WriteStartArray("warnings");
        foreach (InputWarning warning in _result.Warnings)
        {
            json.WriteStartObject();
            json.WriteString("source", warning.Source);
            json.WriteString("message", warning.Message);
            json.WriteEndObject();
        }

        json.WriteEndArray();
        if (_result.Recorded is Store.StoreStats stored)
        {
            json.WriteStartObject("recorded");
            json.WriteNumber("packets", stored.Packets);
            json.WriteNumber("bytes", stored.Bytes);
            json.WriteNumber("segments_evicted", stored.SegmentsEvicted);
            json.WriteNumber("packets_dropped", stored.PacketsDropped);
            if (stored.LastError is not null)
                json.WriteString("last_error", stored.LastError);
            json.WriteEndObject();
        }

        if (_result.Drops is Capture.CaptureDrops captureDrops)
        {
            json.WriteStartObject("capture");
            json.WriteNumber("received", captureDrops.Received);
            json.WriteNumber("kernel_drops", captureDrops.KernelDropped);
            json.WriteNumber("interface_drops", captureDrops.InterfaceDropped);
            json.WriteEndObject();
        }

        json.WriteNumber("events", _result.EventsWritten);
        json.WriteNumber("elapsed_s", _result.Elapsed.TotalSeconds);
        json.WriteNumber("workers", _result.Workers);
        json.WriteEndObject();
        json.Flush();
        stream.WriteByte((byte)'\n');
        stream.Flush();
    }

    private static string FormatBytes(long bytes) => bytes switch
    {
        < 1024 => $"{bytes} B",
        < 1024 * 1024 => $"{bytes / 1024.0:F1} KiB",
        < 1024L * 1024 * 1024 => $"{bytes / (1024.0 * 1024):F1} MiB",
        _ => $"{bytes / (1024.0 * 1024 * 1024):F2} GiB",
    };
}
