using System.Buffers.Binary;

namespace Assay.Flows;

/// <summary>
/// Community ID flow hashing, version 1 (https://github.com/corelight/community-id-spec):
/// <c>"1:" + base64(sha1(seed:u16be · saddr · daddr · proto:u8 · 0:u8 · sport:u16be · dport:u16be))</c>, where the
/// endpoints are ordered so the smaller (address, port) comes first, and ICMP/ICMPv6 use type and code (or the
/// counterpart type for request/reply pairs) in place of ports. Computed once per flow at the output boundary.
/// </summary>
public static class CommunityId
{
    public const int Length = 30;   // "1:" + 28 base64 characters of a 20-byte SHA-1

    /// <summary>Writes the Community ID as UTF-8 into <paramref name="destination"/> (at least <see cref="Length"/> bytes).</summary>
    /// <param name="source">IPv4-mapped or IPv6 address of the flow's initiator.</param>
    /// <param name="sourcePort">Initiator port, or ICMP type.</param>
    /// <param name="destinationPort">Responder port, or ICMP code.</param>
    public static int Write(UInt128 source, UInt128 destination, ushort sourcePort, ushort destinationPort, byte protocol, bool ipv6,
        Span<byte> output, ushort seed = 0)
    {
        bool oneWay = false;
        if (protocol is 1 or 58)
        {
            // ICMP: the "ports" are type and code; a type with a counterpart uses it as the destination port.
            byte type = (byte)sourcePort;
            if (TryGetIcmpCounterpart(type, protocol == 58, out byte counterpart))
                destinationPort = counterpart;
            else
                oneWay = true;
        }

        bool swap = !oneWay && (source > destination || (source == destination && sourcePort > destinationPort));
        if (swap)
        {
            (source, destination) = (destination, source);
            (sourcePort, destinationPort) = (destinationPort, sourcePort);
        }

        Span<byte> input = stackalloc byte[2 + 16 + 16 + 4 + 4];
        int n = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input, seed);
        n += 2;
        n += WriteAddress(source, ipv6, input[n..]);
        n += WriteAddress(destination, ipv6, input[n..]);
        input[n++] = protocol;
        input[n++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(input[n..], sourcePort);
        n += 2;
        BinaryPrimitives.WriteUInt16BigEndian(input[n..], destinationPort);
        n += 2;

        Span<byte> hash = stackalloc byte[20];
        // The Community ID spec fixes SHA-1: an identifier, not a security boundary.
        Sha1Block.Hash(input[..n], hash);
        output[0] = (byte)'1';
        output[1] = (byte)':';
        System.Buffers.Text.Base64.EncodeToUtf8(hash, output[2..], out _, out int written);
        return 2 + written;
    }

    /// <summary>The Community ID as a string (tooling and tests).</summary>
    public static string Compute(UInt128 source, UInt128 destination, ushort sourcePort, ushort destinationPort, byte protocol, bool ipv6, ushort seed = 0)
    {
        Span<byte> buffer = stackalloc byte[Length + 2];
        int n = Write(source, destination, sourcePort, destinationPort, protocol, ipv6, buffer, seed);
        return System.Text.Encoding.ASCII.GetString(buffer[..n]);
    }

    private static int WriteAddress(UInt128 address, bool ipv6, Span<byte> destination)
    {
        if (ipv6)
        {
            BinaryPrimitives.WriteUInt128BigEndian(destination, address);
            return 16;
        }

        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)address);
        return 4;
    }

    /// <summary>Whether <paramref name="type"/> is the asking half of a request/reply pair (echo request, solicitation, …).</summary>
    public static bool IsIcmpRequest(byte type, bool v6) => v6
        ? type is 128 or 133 or 135 or 130 or 144 or 146
        : type is 8 or 13 or 15 or 10 or 17;

    /// <summary>The ICMP type that answers (or is answered by) <paramref name="type"/>, per the Community ID spec's tables.</summary>
    public static bool TryGetIcmpCounterpart(byte type, bool v6, out byte counterpart)
    {
        counterpart = 0;
        if (!v6)
        {
            counterpart = type switch
            {
                8 => 0, 0 => 8,     // echo
                13 => 14, 14 => 13, // timestamp
                15 => 16, 16 => 15, // information
                10 => 9, 9 => 10,   // router solicitation / advertisement
                17 => 18, 18 => 17, // address mask
                _ => 255,
            };
            return counterpart != 255;
        }

        counterpart = type switch
        {
            128 => 129, 129 => 128, // echo
            133 => 134, 134 => 133, // router solicitation / advertisement
            135 => 136, 136 => 135, // neighbour solicitation / advertisement
            130 => 131, 131 => 130, // multicast listener query / report
            144 => 145, 145 => 144, // home agent address discovery
            146 => 147, 147 => 146, // mobile prefix
            _ => 0,
        };
        return counterpart != 0;
    }
}
