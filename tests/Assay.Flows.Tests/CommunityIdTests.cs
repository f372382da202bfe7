namespace Assay.Flows.Tests;

public class CommunityIdTests
{
    private static UInt128 V6(string text) => (UInt128)System.Net.IPAddress.Parse(text).GetAddressBytes().Aggregate(UInt128.Zero, (acc, b) => (acc << 8) | b);

    // Vectors from Zeek's baseline (zeek/Baseline/bifs.community_id.run-pcaps), which follows the spec.
    [Fact]
    public void TcpMatchesZeekVector()
    {
        string id = CommunityId.Compute(Packets.V4(128, 232, 110, 120), Packets.V4(66, 35, 250, 204), 34855, 80, 6, ipv6: false);
        Assert.Equal("1:LQU9qZlK+B5F3KDmev6m5PMibrg=", id);
    }

    [Fact]
    public void DirectionDoesNotMatter()
    {
        string forward = CommunityId.Compute(Packets.V4(192, 168, 1, 52), Packets.V4(8, 8, 8, 8), 54585, 53, 17, ipv6: false);
        string backward = CommunityId.Compute(Packets.V4(8, 8, 8, 8), Packets.V4(192, 168, 1, 52), 53, 54585, 17, ipv6: false);
        Assert.Equal("1:d/FP5EW3wiY1vCndhwleRRKHowQ=", forward);
        Assert.Equal(forward, backward);
    }

    [Fact]
    public void IcmpEchoUsesCounterpartType()
    {
        string request = CommunityId.Compute(Packets.V4(192, 168, 0, 89), Packets.V4(192, 168, 0, 1), 8, 0, 1, ipv6: false);
        string reply = CommunityId.Compute(Packets.V4(192, 168, 0, 1), Packets.V4(192, 168, 0, 89), 0, 0, 1, ipv6: false);
        Assert.Equal("1:X0snYXpgwiv9TZtqg64sgzUn6Dk=", request);
        Assert.Equal(request, reply);
    }

    [Fact]
    public void Ipv6TcpMatchesZeekVector()
    {
        string id = CommunityId.Compute(V6("2001:470:e5bf:dead:4957:2174:e82c:4887"), V6("2607:f8b0:400c:c03::1a"), 63943, 25, 6, ipv6: true);
        Assert.Equal("1:/qFaeAR+gFe1KYjMzVDsMv+wgU4=", id);
    }

    [Fact]
    public void OneWayIcmpv6IsNotReordered()
    {
        // Destination unreachable (type 1) has no counterpart: one-way, endpoints kept in packet order.
        string id = CommunityId.Compute(V6("3ffe:501:410:0:2c0:dfff:fe47:33e"), V6("3ffe:507:0:1:200:86ff:fe05:80da"), 1, 4, 58, ipv6: true);
        Assert.Equal("1:hLZd0XGWojozrvxqE0dWB1iM6R0=", id);
    }
}

public class Sha1BlockTests
{
    [Fact]
    public void MatchesThePlatformSha1ForEveryLengthThatFitsOneBlock()
    {
        var random = new Random(1);
        Span<byte> ours = stackalloc byte[20];
        for (int length = 0; length <= Sha1Block.MaxInputLength; length++)
        {
            for (int round = 0; round < 20; round++)
            {
                byte[] input = new byte[length];
                random.NextBytes(input);
                Sha1Block.Hash(input, ours);
#pragma warning disable CA5350 // the reference implementation for the test
                Assert.Equal(System.Security.Cryptography.SHA1.HashData(input), ours.ToArray());
#pragma warning restore CA5350
            }
        }
    }
}
