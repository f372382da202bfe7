using System.Buffers.Binary;

namespace Assay.Decoding.Link;

/// <summary>
/// BSD loopback header, LINKTYPE_NULL (0) and LINKTYPE_LOOP (108): a 4-byte address family (AF_) value.
/// NULL stores it in the capturing host's byte order, which the file does not record, so both orders are accepted
/// (libpcap's rule: a value with the low 16 bits zero is byte-swapped). LOOP stores it big-endian.
/// The AF_INET6 value differs by OS: 24 (NetBSD, OpenBSD, BSD/OS), 28 (FreeBSD, DragonFly), 30 (macOS, iOS).
/// </summary>
public readonly ref struct NullHeader
{
    public const int Length = 4;

    public const uint FamilyIPv4 = 2;
    public const uint FamilyIPv6NetBsd = 24;
    public const uint FamilyIPv6FreeBsd = 28;
    public const uint FamilyIPv6Darwin = 30;

    private NullHeader(uint family, ReadOnlySpan<byte> payload)
    {
        Family = family;
        Payload = payload;
    }

    /// <summary>The address family in host order.</summary>
    public uint Family { get; }

    /// <summary>The EtherType equivalent of <see cref="Family"/>, 0 when it is neither IPv4 nor IPv6.</summary>
    public ushort EtherType => Family switch
    {
        FamilyIPv4 => (ushort)Link.EtherType.IPv4,
        FamilyIPv6NetBsd or FamilyIPv6FreeBsd or FamilyIPv6Darwin => (ushort)Link.EtherType.IPv6,
        _ => 0,
    };

    public ReadOnlySpan<byte> Payload { get; }

    /// <param name="frame">The captured frame.</param>
    /// <param name="bigEndian"><see langword="true"/> for LINKTYPE_LOOP; <see langword="false"/> for NULL (either order).</param>
    /// <param name="anomalies">Receives the reason on failure.</param>
    /// <param name="header">The header when the frame is long enough and the family is IPv4 or IPv6.</param>
    public static bool TryRead(ReadOnlySpan<byte> frame, bool bigEndian, ref AnomalySet anomalies, out NullHeader header)
    {
        header = default;
        if (frame.Length < Length)
        {
            anomalies.Add(Anomaly.NullPacketTooSmall);
            return false;
        }

        uint family;
        if (bigEndian)
        {
            family = BinaryPrimitives.ReadUInt32BigEndian(frame);
        }
        else
        {
            family = BinaryPrimitives.ReadUInt32LittleEndian(frame);
            // Families are small numbers: if the low half is empty, the capturing host was the other byte order.
            if ((family & 0xFFFF) == 0)
                family = BinaryPrimitives.ReverseEndianness(family);
        }

        header = new NullHeader(family, frame[Length..]);
        if (header.EtherType == 0)
        {
            anomalies.Add(Anomaly.NullUnknownFamily);
            return false;
        }

        return true;
    }
}
