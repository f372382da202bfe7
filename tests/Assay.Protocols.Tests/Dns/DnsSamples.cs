using Assay.Protocols.Dns;
using static Assay.Protocols.Tests.Dns.DnsMessageBuilder;

namespace Assay.Protocols.Tests.Dns;

/// <summary>Hand-built messages shared by the DNS tests.</summary>
internal static class DnsSamples
{
    /// <summary>A recursive query for www.example.com A (dig's shape).</summary>
    public static byte[] Query(ushort id = 0x1234, string name = "www.example.com", DnsRecordType type = DnsRecordType.A) =>
        new DnsMessageBuilder(id, 0x0100).Question(name, type).Build();

    /// <summary>A response using compression throughout: CNAME, two A, an NS authority and an A glue additional plus EDNS OPT.</summary>
    public static byte[] CompressedResponse(ushort id = 0x1234)
    {
        var b = new DnsMessageBuilder(id, 0x8180);
        int question = b.Position;                                   // 12
        b.Question("www.example.com", DnsRecordType.A);
        int cnameTarget = b.Position + 2 + 10;                         // after the answer's pointer and fixed part
        b.RecordRaw(DnsSection.Answer, Pointer(question), DnsRecordType.CNAME, 300, NameWithPointer("edge", question + 4)); // edge.example.com
        b.RecordRaw(DnsSection.Answer, Pointer(cnameTarget), DnsRecordType.A, 60, [93, 184, 216, 34]);
        b.RecordRaw(DnsSection.Answer, Pointer(cnameTarget), DnsRecordType.A, 60, [93, 184, 216, 35]);
        int ns = b.Position + 2 + 10;
        b.RecordRaw(DnsSection.Authority, Pointer(question + 4), DnsRecordType.NS, 86400, NameWithPointer("ns1", question + 4));
        b.RecordRaw(DnsSection.Additional, Pointer(ns), DnsRecordType.A, 86400, [192, 0, 2, 53]);
        b.RecordRaw(DnsSection.Additional, [0], DnsRecordType.OPT, 0, [0x00, 0x0A, 0x00, 0x02, 0xAB, 0xCD], @class: 1232);
        return b.Build();
    }

    /// <summary>One answer of each decoded type, uncompressed.</summary>
    public static byte[] EveryType()
    {
        var b = new DnsMessageBuilder(0xBEEF, 0x8580);
        b.Question("example.com", DnsRecordType.ANY);
        b.Answer("example.com", DnsRecordType.A, 1, [192, 0, 2, 1]);
        b.Answer("example.com", DnsRecordType.AAAA, 2, [0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
        b.Answer("www.example.com", DnsRecordType.CNAME, 3, Name("example.com"));
        b.Answer("1.2.0.192.in-addr.arpa", DnsRecordType.PTR, 4, Name("host.example.com"));
        b.Answer("example.com", DnsRecordType.MX, 5, Mx(10, "mail.example.com"));
        b.Answer("example.com", DnsRecordType.NS, 6, Name("ns1.example.com"));
        b.Answer("example.com", DnsRecordType.TXT, 7, Txt("v=spf1 -all", "second"));
        b.Answer("example.com", DnsRecordType.SOA, 8, Soa("ns1.example.com", "hostmaster.example.com", 2024010101, 7200, 900, 1209600, 86400));
        b.Answer("_sip._udp.example.com", DnsRecordType.SRV, 9, Srv(10, 60, 5060, "sip.example.com"));
        b.Answer("example.com", DnsRecordType.HTTPS, 10, Svcb(1, "", (1, [2, (byte)'h', (byte)'2']), (3, [0x01, 0xBB])));
        b.Answer("_dns.example.com", DnsRecordType.SVCB, 11, Svcb(2, "dns.example.com", (1, [3, (byte)'d', (byte)'o', (byte)'t'])));
        b.Answer("example.com", DnsRecordType.SSHFP, 12, [1, 1, 0xDE, 0xAD, 0xBE, 0xEF]);
        b.Answer("example.com", DnsRecordType.NULL, 13, [(byte)'h', (byte)'i', 0x03, 0xC5]);
        b.Answer("example.com", (DnsRecordType)65280, 14, [1, 2, 3, 4, 5]);
        return b.Build();
    }
}
