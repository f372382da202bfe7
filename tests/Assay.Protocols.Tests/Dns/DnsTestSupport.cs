using System.Text;
using Assay.Decoding;
using Assay.Protocols.Dns;

namespace Assay.Protocols.Tests.Dns;

internal static class Dns
{
    public static DnsMessageReader Parse(byte[] message, out AnomalySet anomalies)
    {
        var reader = new DnsMessageReader();
        anomalies = default;
        Assert.True(DnsParser.TryParse(message, ref reader, ref anomalies));
        return reader;
    }

    public static DnsMessageReader Parse(byte[] message) => Parse(message, out _);

    public static string Name(byte[] message, int offset) => Name(message, offset, out _);

    public static string Name(byte[] message, int offset, out DnsNameFlags flags)
    {
        var buffer = new byte[DnsParser.MaxDnsNameLength];
        int n = DnsParser.ReadName(message, offset, buffer, out flags);
        return Encoding.Latin1.GetString(buffer, 0, n);
    }

    public static List<Anomaly> List(in AnomalySet anomalies)
    {
        var list = new List<Anomaly>();
        for (int i = 0; i < anomalies.Count; i++)
            list.Add(anomalies[i]);
        return list;
    }
}
