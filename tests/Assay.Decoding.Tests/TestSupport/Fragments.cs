using Assay.Decoding.Link;

namespace Assay.Decoding.Tests.TestSupport;

/// <summary>Builds fragment trains (raw IP frames) and decodes them for the defragmenter.</summary>
internal static class Fragments
{
    public readonly record struct Fragment(byte[] Frame, DecodedPacket Packet);

    /// <summary>Splits <paramref name="payload"/> (the IP payload, e.g. a whole UDP datagram) into IPv4 fragments.</summary>
    public static List<Fragment> IPv4(byte protocol, byte[] payload, int fragmentSize, ushort id = 0x4242, byte[]? options = null,
        uint source = Frames.HostA)
    {
        var result = new List<Fragment>();
        for (int offset = 0; offset < payload.Length; offset += fragmentSize)
        {
            int length = Math.Min(fragmentSize, payload.Length - offset);
            bool more = offset + length < payload.Length;
            byte[] frame = Frames.IPv4(protocol, payload[offset..(offset + length)], source: source, id: id, moreFragments: more,
                fragmentOffset: offset, options: offset == 0 ? options : null);
            result.Add(Decode(frame));
        }

        return result;
    }

    /// <summary>
    /// Splits <paramref name="payload"/> (the fragmentable part) into IPv6 fragments behind <paramref name="unfragmentable"/>
    /// extension headers (whose last next-header must be 44) and a fragment header carrying <paramref name="nextHeader"/>.
    /// </summary>
    public static List<Fragment> IPv6(byte nextHeader, byte[] payload, int fragmentSize, uint id = 0x6666, byte firstHeader = 44,
        byte[]? unfragmentable = null)
    {
        unfragmentable ??= [];
        var result = new List<Fragment>();
        for (int offset = 0; offset < payload.Length; offset += fragmentSize)
        {
            int length = Math.Min(fragmentSize, payload.Length - offset);
            bool more = offset + length < payload.Length;
            byte[] frame = Frames.IPv6(firstHeader, Frames.Concat(unfragmentable, Frames.FragmentHeader(nextHeader, offset, more, id),
                payload[offset..(offset + length)]));
            result.Add(Decode(frame));
        }

        return result;
    }

    public static Fragment Decode(byte[] frame)
    {
        var decoded = Decoded.Of(LinkTypes.Raw, frame);
        if (!decoded.Packet.IsFragment)
            throw new InvalidOperationException("not a fragment: " + decoded.AnomalyList);
        return new Fragment(frame, decoded.Packet);
    }

    public static byte[] Pattern(int length, int seed = 0)
    {
        var bytes = new byte[length];
        for (int i = 0; i < length; i++)
            bytes[i] = (byte)((i * 7) + seed + (i >> 8));
        return bytes;
    }
}
