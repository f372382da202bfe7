namespace Assay.Tests.Oracles;

/// <summary>DNS over TCP through reassembly: suricata-verify's dns-tcp-ts-gap (a request lost in a gap) checks, Suricata 8 form.</summary>
public class DnsOverTcpTests
{
    [Fact]
    public void SuricataVerifyDnsTcpTsGapCountsHold()
    {
        if (Corpus.Root is null)
            return;
        var dns = EngineHarness.Analyze(Corpus.Path("suricata-verify/tests/dns-tcp-ts-gap/input.pcap")).OfType("dns").ToList();
        // test.yaml (min-version 8): 2 requests; 3 responses with 12 answers each.
        Assert.Equal(2, dns.Count(e => e.GetProperty("dns").GetProperty("type").GetString() == "request"));
        var responses = dns.Where(e => e.GetProperty("dns").GetProperty("type").GetString() == "response").ToList();
        Assert.Equal(3, responses.Count);
        Assert.All(responses, r => Assert.Equal(12, r.GetProperty("dns").GetProperty("answers").GetArrayLength()));
        Assert.All(dns, e => Assert.Equal("TCP", e.GetProperty("proto").GetString()));
    }
}
