using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Text;
using Assay.Capture;
using Assay.Decoding;
using Assay.Protocols.Dns;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Dns;

/// <summary>
/// ORACLE: DNS transactions of zeek/Traces/wikipedia.pcap against Zeek's dns.log (zeek/Baseline/opt.basic/dns.log),
/// per originator 5-tuple + transaction ID, compared on query, qtype_name, rcode_name, answers and TTLs. Rows are built
/// the way Zeek logs them: one per query (with its response when one matched, else when the flow ends), one per
/// response that matched no query (its query field is the first question, or the first answer's owner for mDNS).
/// NetBIOS name service (port 137) is left out: Zeek decodes NetBIOS's first-level name encoding, we do not.
/// </summary>
public class DnsWikipediaOracleTests(ITestOutputHelper output)
{
    private static readonly int[] s_dnsPorts = [53, 5353, 5355];

    private sealed class Flow
    {
        public required string Originator;
        public required string Responder;
        public DnsTransactionTable Table;
        public readonly Dictionary<long, (string Query, string Type)> Queries = [];
    }

    private struct Collect : IDnsTransactionSink
    {
        public Flow Flow;
        public List<string> Rows;

        public readonly void OnUnanswered(in DnsPendingQuery query)
        {
            var (name, type) = Flow.Queries[query.PacketNumber];
            Rows.Add(Row(Flow, query.Id, name, type, "-", []));
        }
    }

    private static string Row(Flow flow, ushort id, string query, string type, string rcode, List<(string Answer, uint Ttl)> answers)
    {
        string a = answers.Count == 0 ? "-" : string.Join(",", answers.Select(x => x.Answer));
        string t = answers.Count == 0 ? "-" : string.Join(",", answers.Select(x => x.Ttl.ToString("F6", CultureInfo.InvariantCulture)));
        // Zeek writes the query in lower case.
        return $"{flow.Originator} {flow.Responder} {id} | {query.ToLowerInvariant()} | {type} | {rcode} | {a} | {t}";
    }

    [Fact]
    public void TransactionsMatchZeekDnsLog()
    {
        if (Corpus.Root is null)
            return;
        var zeek = new List<string>();
        int netbios = 0;
        foreach (string line in File.ReadLines(Corpus.Path("zeek/Baseline/opt.basic/dns.log")))
        {
            if (line.StartsWith('#'))
                continue;
            string[] f = line.Split('\t');
            if (f[5] == "137")
            {
                netbios++;
                continue;
            }

            string rcode = f[15];
            zeek.Add($"{f[2]}:{f[3]} {f[4]}:{f[5]} {f[7]} | {f[9]} | {f[13]} | {rcode} | {f[21]} | {f[22]}");
        }

        List<string> ours = Run(Corpus.Path("zeek/Traces/wikipedia.pcap"));
        var remaining = new List<string>(ours);
        int agree = 0;
        var missing = new List<string>();
        foreach (string row in zeek)
        {
            if (remaining.Remove(row))
                agree++;
            else
                missing.Add(row);
        }

        output.WriteLine($"Zeek rows compared: {zeek.Count} (NetBIOS rows left out: {netbios}); agree: {agree}; ours only: {remaining.Count}");
        foreach (string row in missing)
            output.WriteLine($"zeek only: {row}");
        foreach (string row in remaining)
            output.WriteLine($"ours only: {row}");
        Assert.Equal(zeek.Count, agree);
        Assert.Empty(remaining);
    }

    private static List<string> Run(string path)
    {
        var rows = new List<string>();
        var flows = new Dictionary<string, Flow>();
        var reader = new DnsMessageReader();
        var name = new byte[DnsParser.MaxDnsNameLength];
        using IPacketSource source = CaptureFile.Open(path);
        long number = 0;
        while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> frame) == ReadStatus.Packet)
        {
            number++;
            var packet = new DecodedPacket();
            AnomalySet anomalies = default;
            if (!PacketDecoder.TryDecode(header.LinkType, frame, ref packet, ref anomalies) || packet.Protocol != (byte)IpProtocol.Udp)
                continue;
            if (!s_dnsPorts.Contains(packet.SourcePort) && !s_dnsPorts.Contains(packet.DestinationPort))
                continue;
            ReadOnlySpan<byte> message = frame.Slice(packet.PayloadOffset, packet.PayloadLength);
            if (!DnsParser.TryParse(message, ref reader, ref anomalies))
                continue;

            string src = Endpoint(packet.Source, packet.IPVersion, packet.SourcePort);
            string dst = Endpoint(packet.Destination, packet.IPVersion, packet.DestinationPort);
            if (!flows.TryGetValue(src + " " + dst, out Flow? flow) && !flows.TryGetValue(dst + " " + src, out flow))
                flows[src + " " + dst] = flow = new Flow { Originator = src, Responder = dst };

            var sink = new Collect { Flow = flow, Rows = rows };
            if (!reader.IsResponse)
            {
                DnsRecord q = reader.Questions[0];
                flow.Queries[number] = (Text(message, q.NameOffset, name), TypeName(q.Type));
                flow.Table.OnQuery(in reader, message, header.TimestampNanos, number, ref anomalies, ref sink);
                continue;
            }

            var answers = new List<(string, uint)>();
            foreach (DnsRecord a in reader.Answers)
                answers.Add((Answer(message, a, name), a.Ttl));
            string rcode = Encoding.ASCII.GetString(DnsMnemonics.ResponseCode(reader.ResponseCode));
            if (flow.Table.TryMatchResponse(in reader, message, ref anomalies, out DnsPendingQuery matched, out _))
            {
                var (query, type) = flow.Queries[matched.PacketNumber];
                rows.Add(Row(flow, reader.Id, query, type, rcode, answers));
            }
            else if (!reader.Questions.IsEmpty)
            {
                rows.Add(Row(flow, reader.Id, Text(message, reader.Questions[0].NameOffset, name), TypeName(reader.Questions[0].Type), rcode, answers));
            }
            else
            {
                // Zeek logs an mDNS announcement under its first answer's owner name, with no query type.
                rows.Add(Row(flow, reader.Id, Text(message, reader.Answers[0].NameOffset, name), "-", rcode, answers));
            }
        }

        foreach (Flow flow in flows.Values)
        {
            var sink = new Collect { Flow = flow, Rows = rows };
            flow.Table.Flush(ref sink);
        }

        return rows;
    }

    private static string Answer(ReadOnlySpan<byte> message, in DnsRecord record, byte[] name)
    {
        if (DnsRData.TryReadAddress(message, record, out ReadOnlySpan<byte> address))
            return new IPAddress(address).ToString();
        if (DnsRData.TryReadNameTarget(record, out int target))
            return Text(message, target, name);
        if (DnsRData.TryReadSrv(message, record, out DnsSrv srv))
            return Text(message, srv.TargetOffset, name);
        if (DnsRData.TryReadMx(message, record, out DnsMx mx))
            return Text(message, mx.ExchangeOffset, name);
        return "?";
    }

    private static string TypeName(DnsRecordType type)
    {
        ReadOnlySpan<byte> mnemonic = DnsMnemonics.RecordType(type);
        return mnemonic.IsEmpty ? ((int)type).ToString(CultureInfo.InvariantCulture) : Encoding.ASCII.GetString(mnemonic);
    }

    private static string Text(ReadOnlySpan<byte> message, int offset, byte[] buffer) =>
        Encoding.Latin1.GetString(buffer, 0, DnsParser.ReadName(message, offset, buffer, out _));

    private static string Endpoint(UInt128 address, byte version, ushort port)
    {
        var bytes = new byte[16];
        BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        IPAddress ip = version == 4 ? new IPAddress(bytes.AsSpan(12, 4)) : new IPAddress(bytes);
        return $"{ip}:{port}";
    }
}
