using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Assay.Capture;
using Assay.Decoding;
using Assay.Flows;
using Assay.Output.Dns;
using Assay.Protocols.Dns;
using Xunit.Abstractions;

namespace Assay.Tests.Output.Dns;

/// <summary>
/// ORACLE: suricata-verify's DNS tests (suricata-verify/tests/dns-*, tests/dns/*). Each pcap goes through decoding,
/// the flow table, the DNS parser (UDP and TCP, port 53 or content-detected) and <see cref="DnsEveWriter"/>; then every
/// <c>test.yaml</c> filter about <c>dns</c> events whose fields we produce is evaluated as suricata-verify does (count of
/// events matching all keys). Tests needing another EVE configuration (DNS log v2, type filters, formats) are skipped.
/// </summary>
public class SuricataVerifyDnsTests(ITestOutputHelper output)
{
    /// <summary>Match keys we do not write: the packet source label (constant <c>wire/pcap</c> in Suricata).</summary>
    private static readonly string[] s_ignoredKeys = ["pkt_src"];

    /// <summary>Share of the applicable tests that must pass.</summary>
    private const double RequiredPassRate = 0.9;

    [Fact]
    public void DnsChecksOfSuricataVerifyPass()
    {
        if (Corpus.Root is null)
            return;
        string root = Corpus.Path("suricata-verify/tests");
        var dirs = new List<string>();
        dirs.AddRange(Directory.GetDirectories(root, "dns-*"));
        dirs.AddRange(Directory.GetDirectories(Path.Combine(root, "dns")));
        dirs.Sort(StringComparer.Ordinal);

        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Corpus.Path("suricata-eve/etc/schema.json")));
        var schemaProblems = new List<string>();
        int applicable = 0, passed = 0, filtersEvaluated = 0, filtersPassed = 0;
        var failures = new List<string>();
        foreach (string dir in dirs)
        {
            string yaml = Path.Combine(dir, "test.yaml");
            if (!File.Exists(yaml))
                continue;
            string name = Path.GetRelativePath(root, dir);
            SuricataVerifyTest test = SuricataVerifyTest.Read(yaml);
            string? skip = SkipReason(dir, test);
            string? pcap = skip is null ? FindPcap(dir, test) : null;
            if (skip is null && pcap is null)
                skip = "pcap not in the corpus";
            List<SuricataVerifyTest.Filter> filters = skip is null ? test.Filters.Where(IsAboutDnsEvents).ToList() : [];
            if (skip is null && filters.Count == 0)
                skip = "no dns-event checks (alerts, flows, stats only)";
            if (skip is not null)
            {
                output.WriteLine($"skip {name}: {skip}");
                continue;
            }

            applicable++;
            List<JsonElement> events = Run(pcap!, DetectionPort(test.Args));
            foreach (JsonElement e in events)
                EveSchema.Check(schema.RootElement, e, name, schemaProblems);
            bool ok = true;
            foreach (SuricataVerifyTest.Filter filter in filters)
            {
                filtersEvaluated++;
                int count = events.Count(e => filter.Match.All(m => s_ignoredKeys.Contains(m.Key) || Matches(e, m.Key, m.Value)));
                if (count == filter.Count)
                {
                    filtersPassed++;
                    continue;
                }

                ok = false;
                failures.Add($"{name}: expected {filter.Count}, got {count}: {string.Join(", ", filter.Match.Select(m => $"{m.Key}={m.Value}"))}");
            }

            if (ok)
                passed++;
            output.WriteLine($"{(ok ? "pass" : "FAIL")} {name}: {events.Count} dns events, {filters.Count} filters");
        }

        output.WriteLine($"suricata-verify DNS tests: {passed} of {applicable} applicable pass; filters {filtersPassed} of {filtersEvaluated}");
        foreach (string f in failures)
            output.WriteLine(f);
        Assert.True(schemaProblems.Count == 0, string.Join("\n", schemaProblems.Distinct().Take(30)));
        Assert.True(applicable > 0);
        Assert.True(passed >= RequiredPassRate * applicable, string.Join("\n", failures));
    }

    private static string? SkipReason(string dir, SuricataVerifyTest test)
    {
        if (dir.Contains("over-http2", StringComparison.Ordinal))
            return "DNS over HTTP/2 (needs an HTTP/2 parser)";
        if (test.RequiresFeatures)
            return "requires build features";
        if (!SuricataVerifyTest.AppliesToSuricata8(test.MinVersion, test.LessThanVersion))
            return "not for Suricata 8";
        if (test.Env.Contains("SURICATA_EVE_DNS_VERSION", StringComparison.Ordinal))
            return "DNS log version set by environment";
        string config = Path.Combine(dir, "suricata.yaml");
        if (File.Exists(config))
        {
            string text = File.ReadAllText(config);
            int dns = text.IndexOf("- dns", StringComparison.Ordinal);
            if (dns >= 0)
            {
                string section = text[dns..Math.Min(text.Length, dns + 300)];
                foreach (string option in (string[])["version: 2", "types:", "requests:", "responses:", "formats:"])
                {
                    if (section.Contains(option, StringComparison.Ordinal))
                        return $"EVE dns configured ({option.TrimEnd(':', ' ', '2')})";
                }
            }
        }

        return null;
    }

    /// <summary>A port configured as DNS with <c>--set app-layer.protocols.dns…detection-ports.dp=N</c>, else 53.</summary>
    private static int DetectionPort(string args)
    {
        const string Option = "detection-ports.dp=";
        int at = args.IndexOf(Option, StringComparison.Ordinal);
        if (at < 0)
            return 53;
        string digits = new(args[(at + Option.Length)..].TakeWhile(char.IsAsciiDigit).ToArray());
        return int.Parse(digits, CultureInfo.InvariantCulture);
    }

    private static string? FindPcap(string dir, SuricataVerifyTest test)
    {
        if (test.Pcap is not null)
        {
            string path = Path.GetFullPath(Path.Combine(dir, test.Pcap));
            return File.Exists(path) ? path : null;
        }

        return Directory.GetFiles(dir).FirstOrDefault(f => f.EndsWith(".pcap", StringComparison.Ordinal) || f.EndsWith(".pcapng", StringComparison.Ordinal));
    }

    /// <summary>A filter we can judge: for Suricata 8, on eve.json, about dns events only.</summary>
    private static bool IsAboutDnsEvents(SuricataVerifyTest.Filter filter)
    {
        if (!SuricataVerifyTest.AppliesToSuricata8(filter.MinVersion, filter.LessThanVersion) || filter.Count < 0)
            return false;
        if (filter.FileName is not null && filter.FileName != "eve.json")
            return false;
        bool dnsEvent = false;
        foreach (var (key, value) in filter.Match)
        {
            if (key == "event_type")
            {
                if (value != "dns")
                    return false;
                dnsEvent = true;
            }
            else if (key.StartsWith("dns.", StringComparison.Ordinal))
            {
                dnsEvent = true;
            }
            else if (key is not ("src_ip" or "src_port" or "dest_ip" or "dest_port" or "proto" or "pcap_cnt" or "pkt_src" or "flow_id"))
            {
                return false;   // alert.*, flow.*, app_proto, anomaly.*, stats.*: other event types
            }
        }

        return dnsEvent;
    }

    /// <summary>suricata-verify's match: dotted path with [i] indices, <c>__len</c>, <c>has-key</c> / <c>not-has-key</c>.</summary>
    private static bool Matches(JsonElement e, string key, string expected)
    {
        if (key == "has-key")
            return TryGet(e, expected, out _);
        if (key == "not-has-key")
            return !TryGet(e, expected, out _);
        if (key.EndsWith(".__len", StringComparison.Ordinal))
        {
            if (!TryGet(e, key[..^".__len".Length], out JsonElement v))
                return false;
            int length = v.ValueKind == JsonValueKind.Array ? v.GetArrayLength() : v.ValueKind == JsonValueKind.String ? v.GetString()!.Length : -1;
            return length.ToString(CultureInfo.InvariantCulture) == expected;
        }

        if (!TryGet(e, key, out JsonElement value))
            return false;
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString() == expected,
            JsonValueKind.Number => decimal.TryParse(expected, NumberStyles.Float, CultureInfo.InvariantCulture, out decimal n) && value.GetDecimal() == n,
            JsonValueKind.True => expected is "true" or "True",
            JsonValueKind.False => expected is "false" or "False",
            _ => false,
        };
    }

    private static bool TryGet(JsonElement e, string path, out JsonElement value)
    {
        value = e;
        foreach (string part in path.Split('.'))
        {
            string name = part;
            int index = -1;
            int bracket = part.IndexOf('[', StringComparison.Ordinal);
            if (bracket >= 0)
            {
                name = part[..bracket];
                index = int.Parse(part[(bracket + 1)..^1], CultureInfo.InvariantCulture);
            }

            if (value.ValueKind != JsonValueKind.Object || !value.TryGetProperty(name, out value))
                return false;
            if (index >= 0)
            {
                if (value.ValueKind != JsonValueKind.Array || index >= value.GetArrayLength())
                    return false;
                value = value[index];
            }
        }

        return true;
    }

    private struct NoFlowSink : IFlowSink
    {
        public readonly void OnFlowEnd(ref FlowRecord flow)
        {
        }
    }

    /// <summary>Per flow: DNS transactions and, for TCP, each direction's in-order stream bytes.</summary>
    private sealed class DnsFlow
    {
        public DnsTransactionTable Table;
        public readonly Stream?[] Streams = new Stream?[2];
    }

    private sealed class Stream
    {
        public uint NextSequence;
        public List<byte> Buffer { get; } = [];
        public bool IsDns;
    }

    private struct NoTransactionSink : IDnsTransactionSink
    {
        public readonly void OnUnanswered(in DnsPendingQuery query)
        {
        }
    }

    /// <summary>The DNS events we write for a capture.</summary>
    private static List<JsonElement> Run(string pcap, int dnsPort)
    {
        var table = new FlowTable();
        var flows = new Dictionary<long, DnsFlow>();
        var reader = new DnsMessageReader();
        var scratch = new byte[DnsTcpFraming.MaxMessageLength];
        var flowSink = new NoFlowSink();
        var events = new List<JsonElement>();
        List<JsonElement> written = DnsEventHarness.WriteEvents((eve, writer) =>
        {
            using IPacketSource source = CaptureFile.Open(pcap);
            long number = 0;
            while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> frame) == ReadStatus.Packet)
            {
                number++;
                var packet = new DecodedPacket();
                AnomalySet anomalies = default;
                if (!PacketDecoder.TryDecode(header.LinkType, frame, ref packet, ref anomalies) || !packet.HasPorts || packet.PayloadLength == 0)
                    continue;
                FlowLookup lookup = table.Track(in packet, frame.Length, header.TimestampNanos, number, ref flowSink);
                if (lookup.Index == FlowTable.NoFlow)
                    continue;
                FlowRecord flow = table[lookup.Index];
                if (!flows.TryGetValue(flow.FlowId, out DnsFlow? dnsFlow))
                    flows[flow.FlowId] = dnsFlow = new DnsFlow();
                ReadOnlySpan<byte> payload = frame.Slice(packet.PayloadOffset, packet.PayloadLength);
                bool port53 = packet.SourcePort is 53 || packet.DestinationPort is 53 || packet.SourcePort == dnsPort || packet.DestinationPort == dnsPort;
                if (packet.Protocol == (byte)IpProtocol.Udp)
                {
                    if (port53 || DnsDetector.LooksLikeDns(payload))
                        Message(payload);
                    continue;
                }

                if (packet.Protocol != (byte)IpProtocol.Tcp)
                    continue;
                int side = lookup.ToServer ? 0 : 1;
                Stream stream = dnsFlow.Streams[side] ??= new Stream { NextSequence = packet.TcpSequence, IsDns = port53 };
                if (packet.TcpSequence != stream.NextSequence)
                {
                    if ((int)(packet.TcpSequence - stream.NextSequence) < 0)
                        continue;             // retransmission
                    stream.Buffer.Clear();    // gap: start again at this segment
                }

                stream.NextSequence = packet.TcpSequence + (uint)payload.Length;
                stream.Buffer.AddRange(payload.ToArray());
                if (!stream.IsDns)
                    stream.IsDns = stream.Buffer.Count > 2 && DnsDetector.LooksLikeDns(stream.Buffer.ToArray().AsSpan(2));
                if (!stream.IsDns)
                    continue;
                var sequence = new ReadOnlySequence<byte>(stream.Buffer.ToArray());
                var sequenceReader = new SequenceReader<byte>(sequence);
                OperationStatus status;
                while ((status = DnsTcpFraming.TryReadMessage(ref sequenceReader, out ReadOnlySequence<byte> framed)) == OperationStatus.Done)
                    Message(DnsTcpFraming.GetContiguous(framed, scratch));
                if (status == OperationStatus.InvalidData)
                    stream.Buffer.Clear();
                else
                    stream.Buffer.RemoveRange(0, (int)sequenceReader.Consumed);

                void Message(ReadOnlySpan<byte> message)
                {
                    if (!DnsParser.TryParse(message, ref reader, ref anomalies))
                        return;
                    long txId;
                    if (reader.IsResponse)
                    {
                        dnsFlow.Table.TryMatchResponse(in reader, message, ref anomalies, out _, out txId);
                    }
                    else
                    {
                        var none = new NoTransactionSink();
                        txId = dnsFlow.Table.OnQuery(in reader, message, header.TimestampNanos, number, ref anomalies, ref none);
                    }

                    writer.Write(eve, in flow, header.TimestampNanos, number, lookup.ToServer, txId, in reader, message);
                }
            }
        });
        events.AddRange(written);
        return events;
    }
}
