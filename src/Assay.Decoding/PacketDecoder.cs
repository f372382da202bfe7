namespace Assay.Decoding;

/// <summary>Decodes a frame from its link layer down to the transport header. Never throws on input.</summary>
public static class PacketDecoder
{
    /// <summary>
    /// Decodes <paramref name="frame"/> captured on <paramref name="linkType"/> into <paramref name="packet"/> (which is reset first).
    /// </summary>
    /// <returns><see langword="false"/> when no IP or ARP layer could be decoded; the reasons are in <paramref name="anomalies"/>.
    /// A packet whose transport header is malformed still returns <see langword="true"/> with its IP fields set.</returns>
    public static bool TryDecode(int linkType, ReadOnlySpan<byte> frame, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        packet = default;
        _ = linkType;
        _ = frame;
        anomalies.Add(Anomaly.LinkTypeUnsupported);
        return false;
    }
}
