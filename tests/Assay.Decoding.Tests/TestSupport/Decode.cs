using Assay.Decoding.Link;

namespace Assay.Decoding.Tests.TestSupport;

/// <summary>One call to <see cref="PacketDecoder.TryDecode"/> with fresh state, for assertions.</summary>
internal readonly record struct Decoded(bool Ok, DecodedPacket Packet, AnomalySet Anomalies)
{
    public static Decoded Of(int linkType, byte[] frame)
    {
        DecodedPacket packet = default;
        AnomalySet anomalies = default;
        bool ok = PacketDecoder.TryDecode(linkType, frame, ref packet, ref anomalies);
        return new Decoded(ok, packet, anomalies);
    }

    public static Decoded Ethernet(byte[] frame) => Of(LinkTypes.Ethernet, frame);

    public static Decoded Raw(byte[] packet) => Of(LinkTypes.Raw, packet);

    public bool Has(Anomaly anomaly) => Anomalies.Contains(anomaly);

    public bool Has(PacketLayers layers) => (Packet.Layers & layers) == layers;

    /// <summary>The anomalies as names, for readable failure messages.</summary>
    public string AnomalyList
    {
        get
        {
            var names = new List<string>();
            for (int i = 0; i < Anomalies.Count; i++)
                names.Add(AnomalyNames.Get(Anomalies[i]));
            return string.Join(",", names);
        }
    }
}
