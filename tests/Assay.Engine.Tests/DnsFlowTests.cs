using System.Net;
using System.Text.Json;
using Assay.Capture;
using Assay.Engine;
using Assay.Synthesis.Packets;
using Assay.Synthesis.Payloads;

namespace Assay.Tests.Engine;

/// <summary>
/// One UDP flow carrying several DNS exchanges: a UDP DNS flow gives its state back between exchanges (nothing waits for
/// an answer), so numbering, pairing and the Community ID must carry across that.
/// </summary>
public sealed class DnsFlowTests : IDisposable
{
    private static readonly IPAddress s_client = IPAddress.Parse("10.9.0.2");
    private static readonly IPAddress s_resolver = IPAddress.Parse("10.9.0.53");
    private static readonly long s_start = new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds() * 1_000_000;

    private readonly string _dir = Directory.CreateTempSubdirectory("assay-dnsflow-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static byte[] Datagram(bool fromClient, byte[] message) => new PacketBuilder()
        .Ethernet(MacAddress.Local(fromClient ? 2UL : 53UL), MacAddress.Local(fromClient ? 53UL : 2UL))
        .IPv4(fromClient ? s_client : s_resolver, fromClient ? s_resolver : s_client)
        .Udp(fromClient ? (ushort)41000 : (ushort)53, fromClient ? (ushort)53 : (ushort)41000)
        .Payload(message)
        .Build();

    private static byte[] Answer(ushort id, string name, string address) =>
        DnsMessageBuilder.Response(id, name, DnsType.A, [DnsRecord.A(name, IPAddress.Parse(address))]);

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void ExchangesOnOneFlowKeepTheirTxIdsPairingAndCommunityId(int workers)
    {
        // query 1, answer 1, query 2, answer 2, queries 3 and 4 answered in reverse order, query 5 never answered.
        (bool FromClient, byte[] Message)[] script =
        [
            (true, DnsMessageBuilder.Query(1, "a.example")), (false, Answer(1, "a.example", "192.0.2.1")),
            (true, DnsMessageBuilder.Query(2, "b.example")), (false, Answer(2, "b.example", "192.0.2.2")),
            (true, DnsMessageBuilder.Query(3, "c.example")), (true, DnsMessageBuilder.Query(4, "d.example")),
            (false, Answer(4, "d.example", "192.0.2.4")), (false, Answer(3, "c.example", "192.0.2.3")),
            (true, DnsMessageBuilder.Query(5, "e.example")),
        ];
        string path = Path.Combine(_dir, $"dns-{workers}.pcap");
        using (var writer = PcapWriter.Create(path, 1, nanoseconds: true))
        {
            for (int i = 0; i < script.Length; i++)
                writer.Write(s_start + i * 1_000_000L, Datagram(script[i].FromClient, script[i].Message));
        }

        var run = EngineHarness.Analyze(path, new AnalysisOptions { Workers = workers });
        JsonElement[] dns = [.. run.OfType("dns")];
        Assert.Equal(script.Length, dns.Length);
        Assert.Equal([0L, 1, 2, 3, 4, 5, 6, 7, 8], dns.Select(e => e.GetProperty("dns").GetProperty("tx_id").GetInt64()));
        Assert.Single(dns.Select(e => e.GetProperty("flow_id").GetInt64()).Distinct());
        JsonElement flow = Assert.Single(run.OfType("flow"));
        string communityId = flow.GetProperty("community_id").GetString()!;
        Assert.All(dns, e => Assert.Equal(communityId, e.GetProperty("community_id").GetString()));
        // Every answer was paired with its query: no unmatched-response anomaly.
        Assert.DoesNotContain(run.OfType("anomaly"), e => e.GetProperty("anomaly").GetProperty("event").GetString() == "dns.unmatched_response");
        string[] answered = [.. dns.Where(e => e.GetProperty("dns").GetProperty("type").GetString() == "response")
            .Select(e => e.GetProperty("dns").GetProperty("queries")[0].GetProperty("rrname").GetString()!)];
        Assert.Equal(["a.example", "b.example", "d.example", "c.example"], answered);
    }
}
