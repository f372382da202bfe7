using System.Text.Json;
using System.Text.RegularExpressions;
using Assay.Flows;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>Community ID of every connection equals Zeek's (zeek/Baseline/bifs.community_id.run-pcaps, traces in zeek/Traces/communityid).</summary>
public partial class CommunityIdCorpusTests(ITestOutputHelper output)
{
    [GeneratedRegex(@"orig_h=([^,]+), orig_p=(\d+)/(\w+), resp_h=([^,]+), resp_p=(\d+)/\w+, proto=(\d+), ctx=\[\]\], (\S+)")]
    private static partial Regex LineRegex();

    [Theory]
    [InlineData("tcp")]
    [InlineData("udp")]
    [InlineData("icmp")]
    [InlineData("icmp6")]
    [InlineData("ipv6")]
    [InlineData("sctp")]
    [InlineData("arp")]
    public void CommunityIdEqualsZeeks(string name)
    {
        if (Corpus.Root is null)
            return;
        string baseline = Corpus.Path($"zeek/Baseline/bifs.community_id.run-pcaps/{name}.pcap.out");
        var run = EngineHarness.Analyze(Corpus.Path($"zeek/Traces/communityid/{name}.pcap"));
        var flows = run.OfType("flow").ToList();
        var expected = File.ReadLines(baseline).Select(l => LineRegex().Match(l)).Where(m => m.Success).ToList();

        if (name == "arp")
        {
            // Zeek logs no connection for ARP, and neither do we: ARP has no IP flow.
            Assert.Empty(expected);
            Assert.Empty(flows);
            Assert.True(run.Result.Decode.Arp > 0);
            return;
        }

        Assert.NotEmpty(expected);
        int agree = 0;
        foreach (Match m in expected)
        {
            string origH = m.Groups[1].Value, respH = m.Groups[4].Value, zeekId = m.Groups[7].Value;
            int origP = int.Parse(m.Groups[2].Value), respP = int.Parse(m.Groups[5].Value);
            bool icmp = m.Groups[3].Value == "icmp";
            bool unknown = m.Groups[3].Value == "unknown";   // Zeek parsed no ports (SCTP): match on addresses
            var candidates = flows.Where(f => Matches(f, origH, origP, respH, respP, icmp, unknown)).ToList();
            Assert.True(candidates.Count == 1, $"{candidates.Count} flows match {m.Value}; ours:\n" + string.Join("\n", flows.Select(f => f.ToString())));
            JsonElement flow = candidates[0];
            string ours = flow.GetProperty("community_id").GetString()!;
            if (name == "sctp")
            {
                // Zeek does not parse SCTP, so it hashes ports 0; the spec (and Assay) hash SCTP's ports. Check that our
                // hash of the same tuple with Zeek's zero ports is Zeek's value, and that ours uses the real ports.
                Assert.Equal(zeekId, CommunityId.Compute(Parse(origH), Parse(respH), 0, 0, 132, ipv6: false));
                Assert.Equal(CommunityId.Compute(Parse(origH), Parse(respH), (ushort)flow.GetProperty("src_port").GetInt32(),
                    (ushort)flow.GetProperty("dest_port").GetInt32(), 132, ipv6: false), ours);
                agree++;
                continue;
            }

            Assert.Equal(zeekId, ours);
            agree++;
        }

        output.WriteLine($"{name}: {agree}/{expected.Count} connections agree with Zeek");
    }

    private static bool Matches(JsonElement flow, string origH, int origP, string respH, int respP, bool icmp, bool unknown)
    {
        string src = flow.GetProperty("src_ip").GetString()!, dst = flow.GetProperty("dest_ip").GetString()!;
        if (icmp)
        {
            // Zeek's orig_p is the first packet's ICMP type; resp_p is the counterpart type for request/reply pairs,
            // else the code.
            int type = flow.GetProperty("icmp_type").GetInt32(), code = flow.GetProperty("icmp_code").GetInt32();
            bool v6 = flow.GetProperty("proto").GetString() == "IPv6-ICMP";
            int resp = CommunityId.TryGetIcmpCounterpart((byte)type, v6, out byte counterpart) ? counterpart : code;
            return src == origH && dst == respH && type == origP && resp == respP;
        }

        if (unknown)
            return src == origH && dst == respH;

        if (!flow.TryGetProperty("src_port", out JsonElement sp))
            return src == origH && dst == respH;
        int s = sp.GetInt32(), d = flow.GetProperty("dest_port").GetInt32();
        return (src == origH && dst == respH && s == origP && d == respP) || (src == respH && dst == origH && s == respP && d == origP);
    }

    private static UInt128 Parse(string address)
    {
        byte[] bytes = System.Net.IPAddress.Parse(address).MapToIPv6().GetAddressBytes();
        UInt128 value = 0;
        foreach (byte b in bytes)
            value = (value << 8) | b;
        return value;
    }
}
