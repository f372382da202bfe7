using System.Text;
using Assay.Protocols.Dns;
using static Assay.Protocols.Tests.Dns.DnsMessageBuilder;

namespace Assay.Protocols.Tests.Dns;

public class DnsDetectorTests
{
    [Fact]
    public void QueriesAndResponsesLookLikeDns()
    {
        Assert.True(DnsDetector.LooksLikeDns(DnsSamples.Query()));
        Assert.True(DnsDetector.LooksLikeDns(DnsSamples.CompressedResponse()));
        Assert.True(DnsDetector.LooksLikeDns(DnsSamples.EveryType()));
    }

    [Fact]
    public void AnMdnsAnnouncementWithoutQuestionsLooksLikeDns()
    {
        byte[] m = new DnsMessageBuilder(0, 0x8400).Record(DnsSection.Answer, "gemini.local", DnsRecordType.A, 120, [141, 142, 220, 50], @class: 0x8001).Build();
        Assert.True(DnsDetector.LooksLikeDns(m));
    }

    public static TheoryData<string, byte[]> NotDns => new()
    {
        { "empty", [] },
        { "short", new byte[11] },
        { "all zero", new byte[64] },
        { "http", Encoding.ASCII.GetBytes("GET / HTTP/1.1\r\nHost: example.com\r\n\r\n") },
        { "tls client hello", [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0x5A, 0x1B, 0x00, 0x00, 0x00, 0x20, 0x01] },
        { "query without question", new DnsMessageBuilder().Build() },
        { "query with rcode", new DnsMessageBuilder(1, 0x0103).Question("x.example", DnsRecordType.A).Build() },
        { "opcode 9", new DnsMessageBuilder(1, 9 << 11).Question("x.example", DnsRecordType.A).Build() },
        { "counts larger than the payload", new DnsMessageBuilder().Question("x.example", DnsRecordType.A).Count(DnsSection.Answer, 40).Build() },
        { "first name compressed", new DnsMessageBuilder().QuestionRaw(Pointer(12), DnsRecordType.A).Build() },
        { "odd class", new DnsMessageBuilder().Question("x.example", DnsRecordType.A, @class: 77).Build() },
        { "stun binding request", [0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12] },
    };

    [Theory]
    [MemberData(nameof(NotDns))]
    public void OtherPayloadsDoNot(string what, byte[] payload) => Assert.False(DnsDetector.LooksLikeDns(payload), what);

    [Fact]
    public void RandomBytesRarelyLookLikeDns()
    {
        var random = new Random(53);
        var payload = new byte[120];
        int hits = 0;
        for (int i = 0; i < 10_000; i++)
        {
            random.NextBytes(payload);
            if (DnsDetector.LooksLikeDns(payload))
                hits++;
        }

        Assert.True(hits < 10, $"{hits} random payloads passed");
    }
}
