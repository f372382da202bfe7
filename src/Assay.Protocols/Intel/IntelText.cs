using System.Buffers;
using System.Globalization;

namespace Assay.Protocols.Intel;

/// <summary>
/// Parsing of list values at load time: IPv4/IPv6 text into the <see cref="UInt128"/> form used everywhere (IPv4 mapped
/// as <c>::ffff:a.b.c.d</c>, as <c>IPv4Header.ToMapped</c> and <c>FlowKey</c> do), and DNS name validation. Hand-written
/// because <c>System.Net.IPAddress</c> is banned in this project; strict on purpose (no octal, no zone ids, no
/// abbreviated IPv4) so a list means one thing.
/// </summary>
internal static class IntelText
{
    /// <summary>Longest DNS name in presentation form without the trailing dot (RFC 1035 §2.3.4: 255 octets on the wire).</summary>
    public const int MaxDomainLength = 253;

    /// <summary>Longest label (RFC 1035 §2.3.4).</summary>
    public const int MaxLabelLength = 63;

    private static readonly SearchValues<char> s_digitsAndDots = SearchValues.Create("0123456789.");

    private static readonly UInt128 s_ipv4MappedPrefix = new(0, 0xFFFF_0000_0000UL);

    /// <summary>Only digits and dots: IPv4 text (valid or not), never a DNS name.</summary>
    public static bool LooksLikeIPv4(ReadOnlySpan<char> text) => text.IndexOfAnyExcept(s_digitsAndDots) < 0;

    public static UInt128 MapIPv4(uint address) => s_ipv4MappedPrefix | address;

    /// <summary>An IPv4 dotted quad or an IPv6 address (RFC 4291 §2.2 text forms, without a zone id).</summary>
    public static bool TryParseAddress(ReadOnlySpan<char> text, out UInt128 address, out bool isIPv4)
    {
        isIPv4 = text.IndexOf(':') < 0;
        if (isIPv4)
        {
            bool ok = TryParseIPv4(text, out uint v4);
            address = ok ? MapIPv4(v4) : default;
            return ok;
        }

        return TryParseIPv6(text, out address);
    }

    public static bool TryParseIPv4(ReadOnlySpan<char> text, out uint address)
    {
        address = 0;
        int octets = 0;
        while (true)
        {
            int dot = text.IndexOf('.');
            ReadOnlySpan<char> part = dot < 0 ? text : text[..dot];
            // 1-3 digits, no leading zero (it would be octal to inet_aton), at most 255.
            if (part.Length is 0 or > 3 || (part.Length > 1 && part[0] == '0'))
                return false;
            uint value = 0;
            foreach (char c in part)
            {
                if (!char.IsAsciiDigit(c))
                    return false;
                value = (value * 10) + (uint)(c - '0');
            }

            if (value > 255)
                return false;
            address = (address << 8) | value;
            octets++;
            if (dot < 0)
                return octets == 4;
            if (octets == 4)
                return false;
            text = text[(dot + 1)..];
        }
    }

    public static bool TryParseIPv6(ReadOnlySpan<char> text, out UInt128 address)
    {
        address = default;
        Span<ushort> head = stackalloc ushort[8];
        Span<ushort> tail = stackalloc ushort[8];
        int headCount = 0, tailCount = 0;
        bool compressed = false;

        int gap = text.IndexOf("::");
        ReadOnlySpan<char> left = text, right = default;
        if (gap >= 0)
        {
            compressed = true;
            left = text[..gap];
            right = text[(gap + 2)..];
            if (right.IndexOf("::") >= 0)
                return false;
        }

        if (!TryParseGroups(left, head, ref headCount, allowIPv4: !compressed) ||
            (compressed && !TryParseGroups(right, tail, ref tailCount, allowIPv4: true)))
        {
            return false;
        }

        int total = headCount + tailCount;
        if (compressed ? total > 7 : total != 8)
            return false;

        UInt128 value = 0;
        for (int i = 0; i < headCount; i++)
            value = (value << 16) | head[i];
        for (int i = total; i < 8; i++)
            value <<= 16;
        for (int i = 0; i < tailCount; i++)
            value = (value << 16) | tail[i];
        address = value;
        return true;
    }

    /// <summary>Colon-separated hex groups; the last may be a dotted quad (two groups). Empty input is zero groups.</summary>
    private static bool TryParseGroups(ReadOnlySpan<char> text, Span<ushort> groups, ref int count, bool allowIPv4)
    {
        if (text.IsEmpty)
            return true;
        while (true)
        {
            int colon = text.IndexOf(':');
            ReadOnlySpan<char> part = colon < 0 ? text : text[..colon];
            if (colon < 0 && allowIPv4 && part.IndexOf('.') >= 0)
            {
                if (count > 6 || !TryParseIPv4(part, out uint v4))
                    return false;
                groups[count++] = (ushort)(v4 >> 16);
                groups[count++] = (ushort)v4;
                return true;
            }

            if (part.Length is 0 or > 4 || count == 8 ||
                !ushort.TryParse(part, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out ushort group))
            {
                return false;
            }

            groups[count++] = group;
            if (colon < 0)
                return true;
            text = text[(colon + 1)..];
        }
    }

    /// <summary>
    /// Validates and lower-cases a DNS name: letters, digits, '-' and '_' in labels of 1-63 characters that do not start
    /// or end with '-', at least two labels, at most 253 characters. One trailing dot and a leading <c>*.</c> are dropped.
    /// </summary>
    public static bool TryNormalizeDomain(ReadOnlySpan<char> text, out string domain, out string? error)
    {
        domain = string.Empty;
        if (text.StartsWith("*."))
            text = text[2..];
        if (text.EndsWith('.'))
            text = text[..^1];
        if (text.IsEmpty)
        {
            error = "empty domain name";
            return false;
        }

        if (text.Length > MaxDomainLength)
        {
            error = $"domain name longer than {MaxDomainLength} characters";
            return false;
        }

        int labels = 0;
        foreach (Range range in text.Split('.'))
        {
            ReadOnlySpan<char> label = text[range];
            labels++;
            if (label.IsEmpty || label.Length > MaxLabelLength)
            {
                error = label.IsEmpty ? "empty label in domain name" : $"label longer than {MaxLabelLength} characters";
                return false;
            }

            if (label[0] == '-' || label[^1] == '-')
            {
                error = "label starts or ends with '-'";
                return false;
            }

            foreach (char c in label)
            {
                if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
                {
                    error = $"invalid character '{c}' in domain name";
                    return false;
                }
            }
        }

        if (labels < 2)
        {
            error = "a single-label name would match a whole top-level domain";
            return false;
        }

        if (text.IndexOfAnyExcept(s_digitsAndDots) < 0)
        {
            error = "looks like an IPv4 address, not a domain name";
            return false;
        }

        domain = text.ToString().ToLowerInvariant();
        error = null;
        return true;
    }

    /// <summary>A port 1-65535 in plain decimal.</summary>
    public static bool TryParsePort(ReadOnlySpan<char> text, out ushort port)
    {
        port = 0;
        if (text.IsEmpty || text.Length > 5 || text.IndexOfAnyExceptInRange('0', '9') >= 0)
            return false;
        int value = int.Parse(text, NumberStyles.None, CultureInfo.InvariantCulture);
        if (value is 0 or > ushort.MaxValue)
            return false;
        port = (ushort)value;
        return true;
    }
}
