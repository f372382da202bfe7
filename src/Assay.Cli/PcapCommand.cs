using System.CommandLine;
using System.Globalization;
using Assay.Capture;
using Assay.Live;
using Assay.Store;

namespace Assay.Cli;

/// <summary>
/// <c>assay pcap -d DIR [--flow ID | --community-id CID] [--host IP] [--port N] [--proto P] [--since T] [--until T] [FILTER] -w OUT</c>:
/// packets back out of the store, as a pcap in time order. The index narrows the segments and positions read; a BPF
/// FILTER (libpcap's own compiler, so tcpdump's syntax and meaning) is applied to what the index returns.
/// </summary>
internal static class PcapCommand
{
    public static Command Create()
    {
        var dataDir = CommonOptions.DataDirectory(required: true);
        var flow = new Option<long?>("--flow") { Description = "Packets of the flow with this flow_id (from any event)." };
        var communityId = new Option<string>("--community-id") { Description = "Packets of the flows with this Community ID." };
        var host = new Option<string>("--host") { Description = "Packets to or from this IP address." };
        var port = new Option<int?>("--port") { Description = "Packets to or from this port." };
        var proto = new Option<string>("--proto") { Description = "Only this IP protocol: tcp, udp, icmp, icmp6, sctp or a number." };
        var since = new Option<string>("--since") { Description = "From this time (ISO 8601 such as 2026-11-27T03:07:00Z, or Unix seconds)." };
        var until = new Option<string>("--until") { Description = "Up to this time (same forms)." };
        var write = new Option<string>("--write", "-w") { Description = "Output pcap file, or - for stdout (pipe into tcpdump -r - or Wireshark -k -i -).", Required = true };
        var filter = new Argument<string[]>("filter")
        {
            Description = "A BPF filter in tcpdump's syntax (host/net/port/proto, and/or/not, parentheses), applied on top of the options.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var command = new Command("pcap", "Write stored packets back out as a pcap: by flow, Community ID, host, port, protocol, time and BPF filter.")
        {
            dataDir, flow, communityId, host, port, proto, since, until, write, filter,
        };
        command.SetAction(parse =>
        {
            var request = new Request(parse.GetValue(dataDir)!, parse.GetValue(flow), parse.GetValue(communityId), parse.GetValue(host),
                parse.GetValue(port), parse.GetValue(proto), parse.GetValue(since), parse.GetValue(until), parse.GetValue(write)!,
                string.Join(' ', parse.GetValue(filter) ?? []));
            return Run(request);
        });
        return command;
    }

    private sealed record Request(DirectoryInfo Dir, long? Flow, string? CommunityId, string? Host, int? Port, string? Proto, string? Since,
        string? Until, string Output, string Filter);

    private static int Run(Request r)
    {
        if (r.Flow is not null && r.CommunityId is not null)
            return ExitCodes.Fail(ExitCodes.Usage, "give --flow or --community-id, not both");
        var query = new PacketQuery();
        if (r.Host is not null)
        {
            if (!FlowLookup.TryAddress(r.Host, out UInt128 address, out _))
                return ExitCodes.Fail(ExitCodes.Usage, $"--host {r.Host}: not an IP address");
            query = query with { Host = address };
        }

        if (r.Port is int p)
        {
            if (p is < 0 or > 65535)
                return ExitCodes.Fail(ExitCodes.Usage, $"--port {p}: expected 0 to 65535");
            query = query with { Port = (ushort)p };
        }

        if (r.Proto is not null)
        {
            byte protocol = FlowLookup.Protocol(r.Proto);
            if (protocol == 0)
                return ExitCodes.Fail(ExitCodes.Usage, $"--proto {r.Proto}: expected tcp, udp, icmp, icmp6, sctp or a protocol number");
            query = query with { Protocol = protocol };
        }

        long? since = FlowLookup.ParseTime(r.Since), until = FlowLookup.ParseTime(r.Until);
        if (r.Since is not null && since is null)
            return ExitCodes.Fail(ExitCodes.Usage, $"--since {r.Since}: expected an ISO 8601 time or Unix seconds");
        if (r.Until is not null && until is null)
            return ExitCodes.Fail(ExitCodes.Usage, $"--until {r.Until}: expected an ISO 8601 time or Unix seconds");
        query = query with { SinceNanos = since, UntilNanos = until };

        string packets = Path.Combine(r.Dir.FullName, DataLayout.PacketsDirectory);
        if (!Directory.Exists(packets))
            return ExitCodes.Fail(ExitCodes.BadInput, $"{r.Dir.FullName}: no packet store (run assay analyze or assay sense with -d {r.Dir.FullName} first)");

        var queries = new List<PacketQuery>();
        if (r.Flow is not null || r.CommunityId is not null)
        {
            string eve = Path.Combine(r.Dir.FullName, DataLayout.EveFile);
            if (!File.Exists(eve))
                return ExitCodes.Fail(ExitCodes.BadInput, $"{r.Dir.FullName}: no {DataLayout.EveFile} to find the flow in");
            List<FlowLookup.Found> flows = FlowLookup.Find(eve, r.Flow, r.CommunityId);
            if (flows.Count == 0)
                return ExitCodes.Fail(ExitCodes.BadInput, r.Flow is not null ? $"no flow with flow_id {r.Flow} in {eve}" : $"no flow with community_id {r.CommunityId} in {eve}");
            foreach (FlowLookup.Found found in flows)
            {
                PacketQuery flowQuery = FlowLookup.Query(found);
                queries.Add(query with
                {
                    Flow = flowQuery.Flow,
                    SinceNanos = Max(query.SinceNanos, flowQuery.SinceNanos),
                    UntilNanos = Min(query.UntilNanos, flowQuery.UntilNanos),
                });
            }
        }
        else
        {
            queries.Add(query);
        }

        var filters = new Dictionary<int, BpfFilter>();
        try
        {
            using PacketStoreReader store = PacketStoreReader.Open(r.Dir.FullName);
            using Stream output = r.Output == "-" ? Console.OpenStandardOutput() : File.Create(r.Output);
            PcapWriter? writer = null;
            int linkType = -1;
            long written = 0, skipped = 0;
            try
            {
                // Several flows (a Community ID reused over time) are written one after the other, each in time order.
                foreach (PacketQuery q in queries)
                {
                    foreach (StoredPacket packet in store.Query(q))
                    {
                        if (r.Filter.Length > 0)
                        {
                            if (!filters.TryGetValue(packet.LinkType, out BpfFilter? bpf))
                                filters[packet.LinkType] = bpf = BpfFilter.Compile(r.Filter, packet.LinkType);
                            if (!bpf.Matches(packet.Data.Span, packet.OriginalLength))
                                continue;
                        }

                        if (writer is null)
                        {
                            writer = new PcapWriter(output, packet.LinkType, nanoseconds: true, ownsStream: false);
                            linkType = packet.LinkType;
                        }

                        if (packet.LinkType != linkType)
                        {
                            skipped++;   // a pcap holds one link type: packets of another are left out and counted
                            continue;
                        }

                        writer.Write(packet.TimestampNanos, packet.Data.Span, packet.OriginalLength);
                        written++;
                    }
                }

                writer ??= new PcapWriter(output, 1, nanoseconds: true, ownsStream: false);   // an empty but valid pcap
            }
            finally
            {
                writer?.Dispose();
                foreach (BpfFilter bpf in filters.Values)
                    bpf.Dispose();
            }

            Console.Error.WriteLine($"assay: {written.ToString("N0", CultureInfo.InvariantCulture)} packets written to {(r.Output == "-" ? "stdout" : r.Output)}"
                + (skipped > 0 ? $" ({skipped:N0} of another link type left out)" : ""));
            return ExitCodes.Success;
        }
        catch (BpfFilterException e)
        {
            return ExitCodes.Fail(ExitCodes.Usage, e.Message);
        }
        catch (StoreException e)
        {
            return ExitCodes.Fail(ExitCodes.BadInput, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ExitCodes.Fail(ExitCodes.OutputError, $"{r.Output}: {e.Message}");
        }
    }

    private static long? Max(long? a, long? b) => a is null ? b : b is null ? a : Math.Max(a.Value, b.Value);

    private static long? Min(long? a, long? b) => a is null ? b : b is null ? a : Math.Min(a.Value, b.Value);
}
