using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;

namespace Assay.Synthesis.Packets;

/// <summary>The RFC 1071 one's-complement checksum used by IPv4, ICMP, TCP and UDP.</summary>
/// <remarks>
/// Sums are carried in a <see cref="ulong"/> and folded at the end. Because 2^16 ≡ 1 (mod 2^16 − 1), adding whole big-endian
/// 32-bit words gives the same folded result as adding their two 16-bit halves, so the loop reads four bytes at a time.
/// </remarks>
public static class InternetChecksum
{
    /// <summary>Adds <paramref name="data"/> (an odd trailing byte is padded with zero) to a running sum.</summary>
    public static ulong Add(ulong sum, ReadOnlySpan<byte> data)
    {
        int i = 0;
        for (; i + 4 <= data.Length; i += 4)
            sum += BinaryPrimitives.ReadUInt32BigEndian(data[i..]);
        if (i + 2 <= data.Length)
        {
            sum += BinaryPrimitives.ReadUInt16BigEndian(data[i..]);
            i += 2;
        }

        if (i < data.Length)
            sum += (uint)data[i] << 8;
        return sum;
    }

    /// <summary>Folds a running sum to 16 bits and complements it: the value to store in a checksum field.</summary>
    public static ushort Finish(ulong sum)
    {
        while ((sum >> 16) != 0)
            sum = (sum & 0xFFFF) + (sum >> 16);
        return (ushort)~sum;
    }

    public static ushort Compute(ReadOnlySpan<byte> data) => Finish(Add(0, data));

    /// <summary>The TCP/UDP/ICMPv6 pseudo-header sum (RFC 9293 §3.1, RFC 8200 §8.1) for 4- or 16-byte addresses.</summary>
    public static ulong PseudoHeader(ReadOnlySpan<byte> source, ReadOnlySpan<byte> destination, IPProtocolNumber protocol, int upperLayerLength)
    {
        ulong sum = Add(0, source);
        sum = Add(sum, destination);
        return sum + (uint)protocol + (uint)upperLayerLength;
    }

    public static ulong PseudoHeader(IPAddress source, IPAddress destination, IPProtocolNumber protocol, int upperLayerLength)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(destination);
        Span<byte> s = stackalloc byte[16];
        Span<byte> d = stackalloc byte[16];
        source.TryWriteBytes(s, out int sl);
        destination.TryWriteBytes(d, out int dl);
        return PseudoHeader(s[..sl], d[..dl], protocol, upperLayerLength);
    }

    internal static int AddressLength(IPAddress address) => address.AddressFamily == AddressFamily.InterNetworkV6 ? 16 : 4;
}
