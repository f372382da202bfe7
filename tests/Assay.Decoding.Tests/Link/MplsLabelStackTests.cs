using Assay.Decoding.Link;
using Assay.Decoding.Tests.TestSupport;

namespace Assay.Decoding.Tests.Link;

public class MplsLabelStackTests
{
    private static byte[] Tcp4 => Frames.IPv4(6, Frames.Tcp(80, 1234, payload: [9, 9]));

    [Fact]
    public void SingleLabelWithIPv4NibbleDecodesIPv4()
    {
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x8847, Frames.Concat(Frames.Mpls(16000, bottom: true), Tcp4)));

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.True(decoded.Has(PacketLayers.Mpls | PacketLayers.IPv4 | PacketLayers.Tcp));
        Assert.Equal(1, decoded.Packet.MplsLabelCount);
        Assert.Equal(16000u, decoded.Packet.MplsLabel);
        Assert.Equal(18, decoded.Packet.NetworkOffset);
        Assert.Equal(0x0800, decoded.Packet.EtherType);
    }

    [Fact]
    public void LabelStackWithIPv6NibbleDecodesIPv6()
    {
        byte[] frame = Frames.Ethernet(0x8848, Frames.Concat(Frames.Mpls(100, false), Frames.Mpls(200, false), Frames.Mpls(300, true),
            Frames.IPv6(6, Frames.Tcp(1, 2))));

        var decoded = Decoded.Ethernet(frame);

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(3, decoded.Packet.MplsLabelCount);
        Assert.Equal(100u, decoded.Packet.MplsLabel);
        Assert.Equal(26, decoded.Packet.NetworkOffset);
        Assert.True(decoded.Has(PacketLayers.IPv6 | PacketLayers.Tcp));
    }

    [Fact]
    public void ExplicitNullLabelDecidesThePayload()
    {
        AnomalySet anomalies = default;
        // Label 2 (IPv6 explicit null) wins over a payload that starts with nibble 4.
        Assert.True(MplsLabelStack.TryRead(Frames.Concat(Frames.Mpls(2, true), [0x45, 0, 0, 0]), 8, ref anomalies, out MplsLabelStack stack));
        Assert.Equal(MplsPayload.IPv6, stack.PayloadType);
    }

    [Fact]
    public void PseudowireControlWordThenEthernetIsFollowed()
    {
        byte[] inner = Frames.Ethernet(0x8100, Frames.Concat(Frames.Vlan(55, 0x0800), Tcp4));
        byte[] frame = Frames.Ethernet(0x8847, Frames.Concat(Frames.Mpls(999, true), new byte[4], inner));

        var decoded = Decoded.Ethernet(frame);

        Assert.True(decoded.Ok, decoded.AnomalyList);
        Assert.Equal(55, decoded.Packet.VlanId);
        Assert.Equal(14 + 4 + 4 + 14 + 4, decoded.Packet.NetworkOffset);
        Assert.True(decoded.Has(PacketLayers.Mpls | PacketLayers.Vlan | PacketLayers.Tcp));
    }

    [Fact]
    public void TooManyLabelsIsReported()
    {
        var labels = new List<byte[]>();
        for (int i = 0; i < MplsLabelStack.MaxLabels; i++)
            labels.Add(Frames.Mpls((uint)(100 + i), false));
        labels.Add(Frames.Mpls(1, true));
        labels.Add(Tcp4);

        var decoded = Decoded.Ethernet(Frames.Ethernet(0x8847, Frames.Concat([.. labels])));

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.MplsTooManyLabels));
        Assert.True(decoded.Has(PacketLayers.Mpls));
    }

    [Fact]
    public void UnknownPayloadNibbleIsReported()
    {
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x8847, Frames.Concat(Frames.Mpls(100, true), [0x95, 1, 2, 3])));

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.MplsUnknownPayload));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(7)]
    public void TruncatedStackIsReported(int length)
    {
        byte[] stack = Frames.Concat(Frames.Mpls(100, false), Frames.Mpls(200, true));
        var decoded = Decoded.Ethernet(Frames.Ethernet(0x8847, stack[..length]));

        Assert.False(decoded.Ok);
        Assert.True(decoded.Has(Anomaly.MplsHeaderTooSmall));
    }
}
