using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Link;

/// <summary>
/// One IEEE 802.1Q / 802.1ad tag, as it follows a VLAN EtherType (the TPID already consumed).
/// <code>
///  0     3   4          16                32
///  | PCP | DEI | VLAN id | inner EtherType | payload ...
/// </code>
/// </summary>
public readonly ref struct VlanTag
{
    public const int Length = 4;

    /// <summary>Tags followed before giving up (<see cref="Anomaly.VlanTooManyLayers"/>); 3 as Suricata's decoder.</summary>
    public const int MaxLayers = 3;

    private const ushort VlanIdMask = 0x0FFF;

    private readonly ReadOnlySpan<byte> _tag;             // exactly Length bytes

    private VlanTag(ReadOnlySpan<byte> tag, ReadOnlySpan<byte> payload)
    {
        _tag = tag;
        Payload = payload;
    }

    public ushort ControlInformation => BinaryPrimitives.ReadUInt16BigEndian(_tag);
    public ushort VlanId => (ushort)(ControlInformation & VlanIdMask);
    public byte Priority => (byte)(_tag[0] >> 5);
    public ushort EtherType => BinaryPrimitives.ReadUInt16BigEndian(_tag[2..]);
    public ReadOnlySpan<byte> Payload { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> data, ref AnomalySet anomalies, out VlanTag tag)
    {
        if (data.Length < Length)
        {
            tag = default;
            anomalies.Add(Anomaly.VlanHeaderTooSmall);
            return false;
        }

        tag = new VlanTag(data[..Length], data[Length..]);
        return true;
    }
}
