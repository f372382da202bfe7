using System.Buffers.Binary;

namespace Assay.Synthesis.Packets;

/// <summary>
/// Splits IP datagrams into fragments (RFC 791 §3.2 for IPv4, RFC 8200 §4.5 for IPv6). Input and output are IP packets without
/// a link header; frame them with <see cref="PacketBuilder.IPPacket"/>. The single-fragment methods take any byte range of the
/// datagram's payload, so tests can build overlapping, duplicated or out-of-order fragments.
/// </summary>
public static class Fragmenter
{
    private const int IPv4FlagsOffset = 6;
    private const ushort MoreFragmentsBit = 0x2000;
    private const ushort OffsetMask = 0x1FFF;
    private const int FragmentHeaderLength = 8;

    /// <summary>Fragments so that no packet exceeds <paramref name="mtu"/> bytes. Fragment data is a multiple of 8 except the last.</summary>
    public static List<byte[]> FragmentIPv4(ReadOnlySpan<byte> datagram, int mtu)
    {
        int headerLength = IPv4HeaderLength(datagram);
        int payloadLength = IPv4TotalLength(datagram) - headerLength;
        int laterHeaderLength = CopiedOptionsHeaderLength(datagram, headerLength);
        var fragments = new List<byte[]>();
        int offset = 0;
        while (offset < payloadLength || fragments.Count == 0)
        {
            int header = offset == 0 ? headerLength : laterHeaderLength;
            int room = (mtu - header) & ~7;
            if (room <= 0)
                throw new ArgumentOutOfRangeException(nameof(mtu), mtu, "The MTU leaves no room for fragment data.");
            int length = Math.Min(room, payloadLength - offset);
            bool more = offset + length < payloadLength;
            fragments.Add(IPv4Fragment(datagram, offset, length, more));
            offset += length;
        }

        return fragments;
    }

    /// <summary>
    /// One IPv4 fragment carrying payload bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of the datagram.
    /// The first fragment keeps all options; later ones keep only options with the copied bit (RFC 791 §3.1). An input that is
    /// itself a fragment keeps its offset base, and its MF bit on the last piece.
    /// </summary>
    public static byte[] IPv4Fragment(ReadOnlySpan<byte> datagram, int offset, int length, bool moreFragments)
    {
        if ((offset & 7) != 0)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "Fragment offsets are multiples of 8.");
        int headerLength = IPv4HeaderLength(datagram);
        ReadOnlySpan<byte> payload = datagram[headerLength..IPv4TotalLength(datagram)];
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, payload.Length);

        byte[] options = offset == 0 ? datagram[20..headerLength].ToArray() : CopiedOptions(datagram, headerLength);
        ushort original = BinaryPrimitives.ReadUInt16BigEndian(datagram[IPv4FlagsOffset..]);
        int baseOffset = (original & OffsetMask) * 8;
        bool originalMore = (original & MoreFragmentsBit) != 0;
        ushort flags = (ushort)((original & ~(MoreFragmentsBit | OffsetMask)) | (moreFragments || originalMore ? MoreFragmentsBit : 0)
            | ((baseOffset + offset) >> 3));

        int newHeaderLength = Wire.IPv4HeaderLength + options.Length;
        byte[] fragment = new byte[newHeaderLength + length];
        Wire.WriteIPv4(fragment, datagram[12..16], datagram[16..20], datagram[9], fragment.Length,
            BinaryPrimitives.ReadUInt16BigEndian(datagram[4..]), flags, datagram[8], datagram[1], options);
        payload.Slice(offset, length).CopyTo(fragment.AsSpan(newHeaderLength));
        return fragment;
    }

    /// <summary>Fragments an IPv6 packet so that no fragment exceeds <paramref name="mtu"/> bytes.</summary>
    public static List<byte[]> FragmentIPv6(ReadOnlySpan<byte> packet, int mtu, uint identification)
    {
        (int unfragmentableEnd, _) = FindFragmentablePart(packet);
        int fragmentableLength = IPv6TotalLength(packet) - unfragmentableEnd;
        int room = (mtu - unfragmentableEnd - FragmentHeaderLength) & ~7;
        if (room <= 0)
            throw new ArgumentOutOfRangeException(nameof(mtu), mtu, "The MTU leaves no room for fragment data.");
        var fragments = new List<byte[]>();
        int offset = 0;
        while (offset < fragmentableLength || fragments.Count == 0)
        {
            int length = Math.Min(room, fragmentableLength - offset);
            bool more = offset + length < fragmentableLength;
            fragments.Add(IPv6Fragment(packet, offset, length, more, identification));
            offset += length;
        }

        return fragments;
    }

    /// <summary>
    /// One IPv6 fragment: the per-fragment headers (base header plus extension headers up to and including Routing), a Fragment
    /// header, then bytes [<paramref name="offset"/>, offset + <paramref name="length"/>) of the fragmentable part.
    /// </summary>
    public static byte[] IPv6Fragment(ReadOnlySpan<byte> packet, int offset, int length, bool moreFragments, uint identification)
    {
        if ((offset & 7) != 0)
            throw new ArgumentOutOfRangeException(nameof(offset), offset, "Fragment offsets are multiples of 8.");
        (int unfragmentableEnd, int nextHeaderField) = FindFragmentablePart(packet);
        ReadOnlySpan<byte> fragmentable = packet[unfragmentableEnd..IPv6TotalLength(packet)];
        ArgumentOutOfRangeException.ThrowIfGreaterThan(offset + length, fragmentable.Length);

        byte[] fragment = new byte[unfragmentableEnd + FragmentHeaderLength + length];
        packet[..unfragmentableEnd].CopyTo(fragment);
        fragment[nextHeaderField] = (byte)IPProtocolNumber.Fragment;
        BinaryPrimitives.WriteUInt16BigEndian(fragment.AsSpan(4), (ushort)(fragment.Length - Wire.IPv6HeaderLength));
        Span<byte> header = fragment.AsSpan(unfragmentableEnd, FragmentHeaderLength);
        header[0] = packet[nextHeaderField];
        header[1] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)(offset | (moreFragments ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(header[4..], identification);
        fragmentable.Slice(offset, length).CopyTo(fragment.AsSpan(unfragmentableEnd + FragmentHeaderLength));
        return fragment;
    }

    private static int IPv4HeaderLength(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length < Wire.IPv4HeaderLength || (datagram[0] >> 4) != 4)
            throw new ArgumentException("Not an IPv4 datagram.", nameof(datagram));
        return (datagram[0] & 0x0F) * 4;
    }

    private static int IPv4TotalLength(ReadOnlySpan<byte> datagram) =>
        Math.Min(BinaryPrimitives.ReadUInt16BigEndian(datagram[2..]), datagram.Length);

    private static int IPv6TotalLength(ReadOnlySpan<byte> packet) =>
        Math.Min(Wire.IPv6HeaderLength + BinaryPrimitives.ReadUInt16BigEndian(packet[4..]), packet.Length);

    private static int CopiedOptionsHeaderLength(ReadOnlySpan<byte> datagram, int headerLength) =>
        Wire.IPv4HeaderLength + ((CopiedOptions(datagram, headerLength).Length + 3) & ~3);

    /// <summary>The options whose type has the copied bit (0x80), in order.</summary>
    private static byte[] CopiedOptions(ReadOnlySpan<byte> datagram, int headerLength)
    {
        var copied = new List<byte>();
        int i = Wire.IPv4HeaderLength;
        while (i < headerLength)
        {
            byte type = datagram[i];
            if (type == 0)
                break;
            if (type == 1)
            {
                i++;
                continue;
            }

            int length = i + 1 < headerLength ? Math.Max((int)datagram[i + 1], 2) : headerLength - i;
            length = Math.Min(length, headerLength - i);
            if ((type & 0x80) != 0)
            {
                foreach (byte b in datagram.Slice(i, length))
                    copied.Add(b);
            }

            i += length;
        }

        return [.. copied];
    }

    /// <summary>
    /// Walks Hop-by-Hop / Destination Options / Routing headers. The unfragmentable part ends after the last Hop-by-Hop or
    /// Routing header (Destination Options before a Routing header travel with it); returns that end and the offset of the
    /// next-header byte that names what follows it.
    /// </summary>
    private static (int End, int NextHeaderField) FindFragmentablePart(ReadOnlySpan<byte> packet)
    {
        if (packet.Length < Wire.IPv6HeaderLength || (packet[0] >> 4) != 6)
            throw new ArgumentException("Not an IPv6 packet.", nameof(packet));
        int end = Wire.IPv6HeaderLength;
        int field = 6;
        int position = Wire.IPv6HeaderLength;
        int nextHeader = packet[6];
        while (nextHeader is (byte)IPProtocolNumber.HopByHop or (byte)IPProtocolNumber.Routing or (byte)IPProtocolNumber.DestinationOptions
               && position + 2 <= packet.Length)
        {
            int length = (packet[position + 1] + 1) * 8;
            if (nextHeader != (byte)IPProtocolNumber.DestinationOptions)
            {
                end = position + length;
                field = position;
            }

            nextHeader = packet[position];
            position += length;
        }

        return (end, field);
    }
}
