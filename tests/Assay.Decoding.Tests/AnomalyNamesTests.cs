namespace Assay.Decoding.Tests;

public class AnomalyNamesTests
{
    [Fact]
    public void EveryMemberHasAUniqueDottedName()
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (Anomaly anomaly in Enum.GetValues<Anomaly>())
        {
            string name = AnomalyNames.Get(anomaly);
            Assert.NotEqual("unknown", name);
            Assert.True(seen.Add(name), $"duplicate name {name}");
            if (anomaly != Anomaly.None)
                Assert.Contains(".", name, StringComparison.Ordinal);
        }

        Assert.Equal(Enum.GetValues<Anomaly>().Length, AnomalyNames.Count);
    }

    [Fact]
    public void LastIsTheHighestMember()
    {
        foreach (Anomaly anomaly in Enum.GetValues<Anomaly>())
            Assert.True(anomaly <= AnomalyNames.Last, $"{anomaly} is after AnomalyNames.Last");
    }

    [Fact]
    public void ShippedNumbersDoNotMove()
    {
        Assert.Equal(1, (int)Anomaly.EthernetPacketTooSmall);
        Assert.Equal("flow.table_full", AnomalyNames.Get(Anomaly.FlowTableFull));
        Assert.True(Anomaly.IPRawInvalidVersion > Anomaly.FlowTableFull);
    }

    [Theory]
    [InlineData(Anomaly.TcpHeaderLengthTooSmall, "tcp")]
    [InlineData(Anomaly.FragmentOverlap, "defrag")]
    [InlineData(Anomaly.IPv6RoutingType0, "ipv6")]
    public void LayerIsTheNamePrefix(Anomaly anomaly, string layer) => Assert.Equal(layer, AnomalyNames.Layer(anomaly));
}
