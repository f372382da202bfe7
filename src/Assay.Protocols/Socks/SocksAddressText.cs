using System.Buffers.Binary;

namespace Assay.Protocols.Socks;

/// <summary>Dotted-quad and RFC 5952 text for the target addresses a handshake carries (without IPAddress, banned on the hot path; one string per connection).</summary>
internal static class SocksAddressText
{
    private const int IPv6Groups = 8;
    private const int MaxIPv6TextLength = 39;

    public static string FormatIPv4(ReadOnlySpan<byte> address)
    {
        Span<char> text = stackalloc char[15];
        int n = 0;
        for (int i = 0; i < 4; i++)
        {
            if (i > 0)
                text[n++] = '.';
            address[i].TryFormat(text[n..], out int written, provider: System.Globalization.CultureInfo.InvariantCulture);
            n += written;
        }

        return new string(text[..n]);
    }

    /// <summary>Lower-case hex groups without leading zeros, the longest run of two or more zero groups (the first on a tie) as <c>::</c>.</summary>
    public static string FormatIPv6(ReadOnlySpan<byte> address)
    {
        Span<ushort> groups = stackalloc ushort[IPv6Groups];
        for (int i = 0; i < IPv6Groups; i++)
            groups[i] = BinaryPrimitives.ReadUInt16BigEndian(address[(2 * i)..]);

        int bestStart = -1, bestLength = 0;
        for (int i = 0; i < IPv6Groups;)
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }

            int start = i;
            while (i < IPv6Groups && groups[i] == 0)
                i++;
            if (i - start > bestLength)
            {
                bestStart = start;
                bestLength = i - start;
            }
        }

        if (bestLength < 2)
            bestStart = -1;

        Span<char> text = stackalloc char[MaxIPv6TextLength];
        int n = 0;
        for (int i = 0; i < IPv6Groups; i++)
        {
            if (i == bestStart)
            {
                text[n++] = ':';
                text[n++] = ':';
                i += bestLength - 1;
                continue;
            }

            if (n > 0 && text[n - 1] != ':')
                text[n++] = ':';
            groups[i].TryFormat(text[n..], out int written, "x", System.Globalization.CultureInfo.InvariantCulture);
            n += written;
        }

        return new string(text[..n]);
    }
}
