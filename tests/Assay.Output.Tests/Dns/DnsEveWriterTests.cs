using System.Text.Json;
using Assay.Flows;
using Assay.Protocols.Dns;
using Assay.Protocols.Tests.Dns;
using static Assay.Protocols.Tests.Dns.DnsMessageBuilder;
using static Assay.Tests.Output.Dns.DnsEventHarness;

namespace Assay.Tests.Output.Dns;

public class DnsEveWriterTests
{
    private static string[] Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToArray();

    [Fact]
    public void AQueryIsARequestEventFromTheClient()
    {
        JsonElement e = Event(DnsSamples.Query(0x8e04), toServer: true, txId: 0, packetNumber: 5);
        Assert.Equal("dns", e.GetProperty("event_type").GetString());
        Assert.Equal(77, e.GetProperty("flow_id").GetInt64());
        Assert.Equal(5, e.GetProperty("pcap_cnt").GetInt64());
        Assert.Equal("10.16.1.11", e.GetProperty("src_ip").GetString());
        Assert.Equal(54888, e.GetProperty("src_port").GetInt32());
        Assert.Equal("8.8.8.8", e.GetProperty("dest_ip").GetString());
        Assert.Equal(53, e.GetProperty("dest_port").GetInt32());
        Assert.Equal("UDP", e.GetProperty("proto").GetString());
        Assert.StartsWith("1:", e.GetProperty("community_id").GetString(), StringComparison.Ordinal);
        JsonElement dns = e.GetProperty("dns");
        Assert.Equal(3, dns.GetProperty("version").GetInt32());
        Assert.Equal("request", dns.GetProperty("type").GetString());
        Assert.Equal(0, dns.GetProperty("tx_id").GetInt32());
        Assert.Equal(0x8e04, dns.GetProperty("id").GetInt32());
        Assert.Equal("100", dns.GetProperty("flags").GetString());
        Assert.True(dns.GetProperty("rd").GetBoolean());
        Assert.False(dns.TryGetProperty("qr", out _));
        Assert.False(dns.TryGetProperty("ra", out _));
        Assert.Equal(0, dns.GetProperty("opcode").GetInt32());
        Assert.Equal("NOERROR", dns.GetProperty("rcode").GetString());
        JsonElement q = Assert.Single(dns.GetProperty("queries").EnumerateArray().ToArray());
        Assert.Equal("www.example.com", q.GetProperty("rrname").GetString());
        Assert.Equal("A", q.GetProperty("rrtype").GetString());
        Assert.False(dns.TryGetProperty("answers", out _));
        Assert.False(dns.TryGetProperty("grouped", out _));
    }

    [Fact]
    public void AResponseIsFromTheServerWithAnswersGroupedAuthoritiesAndAdditionals()
    {
        JsonElement e = Event(DnsSamples.CompressedResponse(), toServer: false, txId: 1);
        Assert.Equal("8.8.8.8", e.GetProperty("src_ip").GetString());
        Assert.Equal(53, e.GetProperty("src_port").GetInt32());
        Assert.Equal("10.16.1.11", e.GetProperty("dest_ip").GetString());
        JsonElement dns = e.GetProperty("dns");
        Assert.Equal("response", dns.GetProperty("type").GetString());
        Assert.Equal("8180", dns.GetProperty("flags").GetString());
        Assert.True(dns.GetProperty("qr").GetBoolean());
        Assert.True(dns.GetProperty("rd").GetBoolean());
        Assert.True(dns.GetProperty("ra").GetBoolean());
        JsonElement[] answers = dns.GetProperty("answers").EnumerateArray().ToArray();
        Assert.Equal(3, answers.Length);
        Assert.Equal(("www.example.com", "CNAME", 300, "edge.example.com"),
            (answers[0].GetProperty("rrname").GetString(), answers[0].GetProperty("rrtype").GetString(), answers[0].GetProperty("ttl").GetInt32(),
             answers[0].GetProperty("rdata").GetString()));
        Assert.Equal("93.184.216.34", answers[1].GetProperty("rdata").GetString());
        JsonElement grouped = dns.GetProperty("grouped");
        Assert.Equal(["CNAME", "A"], grouped.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["93.184.216.34", "93.184.216.35"], Strings(grouped.GetProperty("A")));
        JsonElement ns = Assert.Single(dns.GetProperty("authorities").EnumerateArray().ToArray());
        Assert.Equal(("example.com", "NS", "ns1.example.com"), (ns.GetProperty("rrname").GetString(), ns.GetProperty("rrtype").GetString(), ns.GetProperty("rdata").GetString()));
        JsonElement[] additionals = dns.GetProperty("additionals").EnumerateArray().ToArray();
        Assert.Equal(2, additionals.Length);
        Assert.Equal("192.0.2.53", additionals[0].GetProperty("rdata").GetString());
        Assert.Equal("OPT", additionals[1].GetProperty("rrtype").GetString());
        Assert.Equal("", additionals[1].GetProperty("rrname").GetString());
        JsonElement option = Assert.Single(additionals[1].GetProperty("opt").EnumerateArray().ToArray());
        Assert.Equal((10, "abcd"), (option.GetProperty("code").GetInt32(), option.GetProperty("data").GetString()));
    }

    [Fact]
    public void EveryDecodedTypeHasSuricatasShape()
    {
        JsonElement dns = Event(DnsSamples.EveryType(), toServer: false).GetProperty("dns");
        Assert.True(dns.GetProperty("aa").GetBoolean());
        JsonElement[] a = dns.GetProperty("answers").EnumerateArray().ToArray();
        // TXT with two strings becomes two entries, as Suricata logs it.
        Assert.Equal(15, a.Length);
        Assert.Equal("192.0.2.1", a[0].GetProperty("rdata").GetString());
        Assert.Equal("2001:0db8:0000:0000:0000:0000:0000:0001", a[1].GetProperty("rdata").GetString());
        Assert.Equal("example.com", a[2].GetProperty("rdata").GetString());
        Assert.Equal("host.example.com", a[3].GetProperty("rdata").GetString());
        Assert.Equal("mail.example.com", a[4].GetProperty("rdata").GetString());
        Assert.Equal("ns1.example.com", a[5].GetProperty("rdata").GetString());
        Assert.Equal("v=spf1 -all", a[6].GetProperty("rdata").GetString());
        Assert.Equal("second", a[7].GetProperty("rdata").GetString());
        Assert.Equal("TXT", a[7].GetProperty("rrtype").GetString());
        JsonElement soa = a[8].GetProperty("soa");
        Assert.Equal(("ns1.example.com", "hostmaster.example.com", 2024010101L, 7200, 900, 1209600, 86400),
            (soa.GetProperty("mname").GetString(), soa.GetProperty("rname").GetString(), soa.GetProperty("serial").GetInt64(), soa.GetProperty("refresh").GetInt32(),
             soa.GetProperty("retry").GetInt32(), soa.GetProperty("expire").GetInt32(), soa.GetProperty("minimum").GetInt32()));
        JsonElement srv = a[9].GetProperty("srv");
        Assert.Equal((10, 60, 5060, "sip.example.com"),
            (srv.GetProperty("priority").GetInt32(), srv.GetProperty("weight").GetInt32(), srv.GetProperty("port").GetInt32(), srv.GetProperty("name").GetString()));
        Assert.Equal("HTTPS", a[10].GetProperty("rrtype").GetString());
        Assert.Equal(["rrname", "rrtype", "ttl"], a[10].EnumerateObject().Select(p => p.Name));
        Assert.Equal("SVCB", a[11].GetProperty("rrtype").GetString());
        JsonElement sshfp = a[12].GetProperty("sshfp");
        Assert.Equal(("de:ad:be:ef", 1, 1), (sshfp.GetProperty("fingerprint").GetString(), sshfp.GetProperty("algo").GetInt32(), sshfp.GetProperty("type").GetInt32()));
        // Invalid UTF-8 as Suricata writes it: ASCII kept, other bytes as \xNN.
        Assert.Equal("hi\u0003\\xc5", a[13].GetProperty("rdata").GetString());
        Assert.Equal("65280", a[14].GetProperty("rrtype").GetString());
        Assert.False(a[14].TryGetProperty("rdata", out _));

        JsonElement grouped = dns.GetProperty("grouped");
        Assert.Equal(["A", "AAAA", "CNAME", "PTR", "MX", "NS", "TXT", "SOA", "SRV", "SSHFP", "NULL"], grouped.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["v=spf1 -all", "second"], Strings(grouped.GetProperty("TXT")));
        Assert.Equal("sip.example.com", grouped.GetProperty("SRV")[0].GetProperty("name").GetString());
    }

    [Fact]
    public void ATruncatedNameIsFlagged()
    {
        // A name that grows past the cap through pointers: "a" then 20 × 63-byte labels.
        var b = new DnsMessageBuilder(9, 0x0100);
        int previous = b.Position;
        b.QuestionRaw(Name("a"), DnsRecordType.A);
        for (int i = 0; i < 20; i++)
        {
            int here = b.Position;
            b.QuestionRaw(NameWithPointer(new string('q', 63), previous), DnsRecordType.A);
            previous = here;
        }

        JsonElement last = Event(b.Build()).GetProperty("dns").GetProperty("queries")[20];
        Assert.Equal(DnsParser.MaxDnsNameLength, last.GetProperty("rrname").GetString()!.Length);
        Assert.True(last.GetProperty("rrname_truncated").GetBoolean());
        Assert.Equal(["rrname", "rrtype", "rrname_truncated"], last.EnumerateObject().Select(p => p.Name));
    }

    [Fact]
    public void AnEmptyTxtRecordAndAnEmptyOptAreLeftOut()
    {
        byte[] m = new DnsMessageBuilder(1, 0x8180).Question("t.example", DnsRecordType.TXT)
            .Answer("t.example", DnsRecordType.TXT, 5, [])
            .Record(DnsSection.Additional, "", DnsRecordType.OPT, 0, [], @class: 4096).Build();
        JsonElement dns = Event(m).GetProperty("dns");
        Assert.False(dns.TryGetProperty("answers", out _));
        Assert.False(dns.TryGetProperty("grouped", out _));
        Assert.False(dns.TryGetProperty("additionals", out _));
    }

    [Fact]
    public void AnUnassignedRcodeIsWrittenAsANumberAndTxIdCanBeLeftOut()
    {
        byte[] m = new DnsMessageBuilder(1, 0x818C).Question("x.example", DnsRecordType.A).Build();
        JsonElement dns = Event(m, txId: -1).GetProperty("dns");
        Assert.Equal("12", dns.GetProperty("rcode").GetString());
        Assert.False(dns.TryGetProperty("tx_id", out _));
    }

    [Fact]
    public void MalformedRecordsAreWrittenWithoutTheirData()
    {
        byte[] m = new DnsMessageBuilder(1, 0x8180).Question("x.example", DnsRecordType.A)
            .Answer("x.example", DnsRecordType.A, 1, [1, 2, 3]).Answer("x.example", DnsRecordType.A, 1, [4, 3, 2, 1]).Build();
        JsonElement dns = Event(m).GetProperty("dns");
        JsonElement[] a = dns.GetProperty("answers").EnumerateArray().ToArray();
        Assert.False(a[0].TryGetProperty("rdata", out _));
        Assert.Equal("4.3.2.1", a[1].GetProperty("rdata").GetString());
        Assert.Equal(["4.3.2.1"], Strings(dns.GetProperty("grouped").GetProperty("A")));
    }

    [Fact]
    public void AnIPv6FlowOverTcpWritesItsTuple()
    {
        var flow = UdpFlow();
        flow.ClientAddress = ((UInt128)0x20010db8 << 96) | 1;
        flow.ServerAddress = ((UInt128)0x20010db8 << 96) | 2;
        flow.IPVersion = 6;
        flow.Protocol = 6;
        flow.VlanId = 10;
        byte[] m = DnsSamples.Query();
        var reader = new DnsMessageReader();
        Assay.Decoding.AnomalySet anomalies = default;
        Assert.True(DnsParser.TryParse(m, ref reader, ref anomalies));
        JsonElement e = Assert.Single(WriteEvents((eve, dns) => dns.Write(eve, in flow, 0, 0, true, 0, in reader, m)));
        Assert.Equal("2001:db8::1", e.GetProperty("src_ip").GetString());
        Assert.Equal("TCP", e.GetProperty("proto").GetString());
        Assert.Equal(10, e.GetProperty("vlan")[0].GetInt32());
        Assert.False(e.TryGetProperty("pcap_cnt", out _));
    }

    [Fact]
    public void EveryEventFitsSuricatasSchema()
    {
        if (Corpus.Root is null)
            return;
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Corpus.Path("suricata-eve/etc/schema.json")));
        byte[][] messages = [DnsSamples.Query(), DnsSamples.CompressedResponse(), DnsSamples.EveryType()];
        var problems = new List<string>();
        foreach (byte[] m in messages)
        {
            JsonElement e = Event(m, toServer: (m[2] & 0x80) == 0);
            EveSchema.Check(schema.RootElement, e, "", problems);
        }

        // The every-type sample includes an SSHFP answer and types the schema knows; OPT in additionals has its own shape.
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
    [Fact]
    public void PrefixesAndDamagedMessagesStillWriteValidJson()
    {
        var random = new Random(8180);
        var messages = new List<byte[]>();
        foreach (byte[] sample in (byte[][])[DnsSamples.Query(), DnsSamples.CompressedResponse(), DnsSamples.EveryType()])
        {
            for (int length = DnsParser.HeaderLength; length <= sample.Length; length++)
                messages.Add(sample[..length]);
            for (int i = 0; i < 2000; i++)
            {
                byte[] damaged = (byte[])sample.Clone();
                for (int f = 0; f < 1 + random.Next(6); f++)
                    damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
                messages.Add(damaged);
            }
        }

        FlowRecord flow = UdpFlow();
        var reader = new DnsMessageReader();
        List<JsonElement> events = WriteEvents((eve, dns) =>
        {
            foreach (byte[] m in messages)
            {
                Assay.Decoding.AnomalySet anomalies = default;
                if (DnsParser.TryParse(m, ref reader, ref anomalies))
                    dns.Write(eve, in flow, 0, 1, true, 0, in reader, m);
            }
        });
        Assert.Equal(messages.Count, events.Count);
        Assert.All(events, e => Assert.Equal(3, e.GetProperty("dns").GetProperty("version").GetInt32()));
    }
}
