using System.Buffers.Binary;

namespace Assay.Decoding.Link;

/// <summary>What an MPLS label stack carries; MPLS has no protocol field, so it is inferred (RFC 3032 §2.2, RFC 4385).</summary>
public enum MplsPayload : byte
{
    Unknown = 0,
    IPv4,
    IPv6,
    /// <summary>An Ethernet pseudowire behind the 4-byte control word (first nibble 0, RFC 4385 §3).</summary>
    EthernetPseudowire,
}

/// <summary>
/// An MPLS label stack (RFC 3032 §2.1): 4-byte entries up to the one with the bottom-of-stack bit.
/// <code>
///  0                   20   23 24       32
///  | label             | TC | S | TTL    |   × n, S = 1 on the last
/// </code>
/// The payload type is guessed as Suricata and Wireshark do: an explicit-null bottom label (0 = IPv4, 2 = IPv6) decides;
/// otherwise the first nibble after the stack (4, 6, or 0 for a pseudowire control word).
/// </summary>
public readonly ref struct MplsLabelStack
{
    public const int EntryLength = 4;

    /// <summary>Labels followed before giving up (<see cref="Anomaly.MplsTooManyLabels"/>); real networks use 1–4.</summary>
    public const int MaxLabels = 8;

    /// <summary>The pseudowire control word in front of an Ethernet payload (RFC 4385 §3).</summary>
    public const int ControlWordLength = 4;

    private const uint BottomOfStackBit = 0x100;
    private const int LabelShift = 12;
    private const uint IPv4ExplicitNull = 0;
    private const uint IPv6ExplicitNull = 2;

    private MplsLabelStack(int labelCount, uint topLabel, MplsPayload payloadType, ReadOnlySpan<byte> payload)
    {
        LabelCount = labelCount;
        TopLabel = topLabel;
        PayloadType = payloadType;
        Payload = payload;
    }

    public int LabelCount { get; }

    /// <summary>The outermost label (20 bits).</summary>
    public uint TopLabel { get; }

    /// <summary>Bytes of the stack: <see cref="LabelCount"/> × 4.</summary>
    public int Length => LabelCount * EntryLength;

    public MplsPayload PayloadType { get; }

    /// <summary>The bytes after the stack (for a pseudowire, still including the control word).</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <param name="data">The bytes after the MPLS EtherType.</param>
    /// <param name="maxLabels">Labels still allowed (the cap is shared by nested stacks).</param>
    /// <returns><see langword="false"/> when the stack is truncated, too deep, or its payload cannot be identified.</returns>
    public static bool TryRead(ReadOnlySpan<byte> data, int maxLabels, ref AnomalySet anomalies, out MplsLabelStack stack)
    {
        stack = default;
        int offset = 0;
        int count = 0;
        uint top = 0;
        uint entry;
        do
        {
            if (count == maxLabels)
            {
                anomalies.Add(Anomaly.MplsTooManyLabels);
                return false;
            }

            if (data.Length - offset < EntryLength)
            {
                anomalies.Add(Anomaly.MplsHeaderTooSmall);
                return false;
            }

            entry = BinaryPrimitives.ReadUInt32BigEndian(data[offset..]);
            if (count == 0)
                top = entry >> LabelShift;
            count++;
            offset += EntryLength;
        }
        while ((entry & BottomOfStackBit) == 0);

        ReadOnlySpan<byte> payload = data[offset..];
        uint bottom = entry >> LabelShift;
        MplsPayload type;
        if (bottom == IPv4ExplicitNull)
            type = MplsPayload.IPv4;
        else if (bottom == IPv6ExplicitNull)
            type = MplsPayload.IPv6;
        else if (payload.IsEmpty)
            type = MplsPayload.Unknown;
        else
        {
            type = (payload[0] >> 4) switch
            {
                4 => MplsPayload.IPv4,
                6 => MplsPayload.IPv6,
                0 => MplsPayload.EthernetPseudowire,
                _ => MplsPayload.Unknown,
            };
        }

        stack = new MplsLabelStack(count, top, type, payload);
        if (type == MplsPayload.Unknown)
        {
            anomalies.Add(payload.IsEmpty ? Anomaly.MplsHeaderTooSmall : Anomaly.MplsUnknownPayload);
            return false;
        }

        return true;
    }
}
