using System.Buffers.Text;

namespace Assay.Output;

/// <summary>Formats addresses and timestamps straight into UTF-8 bytes: the output boundary, without strings.</summary>
public static class Utf8Format
{
    /// <summary>Longest text <see cref="WriteAddress"/> produces ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff").</summary>
    public const int MaxAddressLength = 39;

    /// <summary>Length of <see cref="WriteTimestamp"/>'s output: <c>2024-01-31T12:34:56.123456+0000</c>.</summary>
    public const int TimestampLength = 31;

    private const long NanosPerSecond = 1_000_000_000L;
    private const long UnixEpochTicks = 621355968000000000L;

    /// <summary>Writes an address: dotted quad for IPv4 (stored IPv4-mapped), RFC 5952 text for IPv6.</summary>
    public static int WriteAddress(UInt128 address, bool ipv6, Span<byte> destination)
    {
        if (!ipv6)
            return WriteIPv4((uint)address, destination);

        Span<ushort> groups = stackalloc ushort[8];
        for (int i = 0; i < 8; i++)
            groups[i] = (ushort)(address >> (112 - (16 * i)));

        // RFC 5952 §4.2: compress the longest run (≥ 2) of zero groups, the first one on a tie.
        int bestStart = -1, bestLength = 1;
        for (int i = 0; i < 8;)
        {
            if (groups[i] != 0)
            {
                i++;
                continue;
            }

            int start = i;
            while (i < 8 && groups[i] == 0)
                i++;
            if (i - start > bestLength)
            {
                bestStart = start;
                bestLength = i - start;
            }
        }

        int n = 0;
        for (int i = 0; i < 8; i++)
        {
            if (i == bestStart)
            {
                destination[n++] = (byte)':';
                if (i == 0)
                    destination[n++] = (byte)':';
                i += bestLength - 1;
                continue;
            }

            n += WriteHex(groups[i], destination[n..]);
            if (i < 7)
                destination[n++] = (byte)':';
        }

        return n;
    }

    /// <summary>An address as text, for output-side strings (events' sentences, summaries, command output).</summary>
    public static string AddressText(UInt128 address, bool ipv6)
    {
        Span<byte> buffer = stackalloc byte[MaxAddressLength];
        int n = WriteAddress(address, ipv6, buffer);
        return System.Text.Encoding.ASCII.GetString(buffer[..n]);
    }

    /// <summary><c>a.b.c.d:port</c>, or <c>[v6]:port</c>.</summary>
    public static string EndpointText(UInt128 address, ushort port, bool ipv6) =>
        ipv6 ? $"[{AddressText(address, ipv6)}]:{port}" : $"{AddressText(address, ipv6)}:{port}";

    public static int WriteIPv4(uint address, Span<byte> destination)
    {
        int n = 0;
        for (int shift = 24; shift >= 0; shift -= 8)
        {
            Utf8Formatter.TryFormat((byte)(address >> shift), destination[n..], out int written);
            n += written;
            if (shift != 0)
                destination[n++] = (byte)'.';
        }

        return n;
    }

    private static int WriteHex(ushort value, Span<byte> destination)
    {
        const string Digits = "0123456789abcdef";
        int n = 0;
        bool started = false;
        for (int shift = 12; shift >= 0; shift -= 4)
        {
            int nibble = (value >> shift) & 0xF;
            if (nibble == 0 && !started && shift != 0)
                continue;
            started = true;
            destination[n++] = (byte)Digits[nibble];
        }

        return n;
    }

    /// <summary>Suricata's EVE timestamp: ISO 8601, microseconds, explicit UTC offset (<c>2024-01-31T12:34:56.123456+0000</c>).</summary>
    public static int WriteTimestamp(long unixNanos, Span<byte> destination)
    {
        long seconds = Math.DivRem(unixNanos, NanosPerSecond, out long nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += NanosPerSecond;
        }

        // Clamp to DateTime's range: a corrupt capture may claim any time at all.
        long ticks = Math.Clamp(UnixEpochTicks + (seconds * TimeSpan.TicksPerSecond), 0, DateTime.MaxValue.Ticks);
        var time = new DateTime(ticks, DateTimeKind.Utc);
        int micros = (int)(nanos / 1000);
        Write4(time.Year, destination);
        destination[4] = (byte)'-';
        Write2(time.Month, destination[5..]);
        destination[7] = (byte)'-';
        Write2(time.Day, destination[8..]);
        destination[10] = (byte)'T';
        Write2(time.Hour, destination[11..]);
        destination[13] = (byte)':';
        Write2(time.Minute, destination[14..]);
        destination[16] = (byte)':';
        Write2(time.Second, destination[17..]);
        destination[19] = (byte)'.';
        Write2(micros / 10000, destination[20..]);
        Write2(micros / 100 % 100, destination[22..]);
        Write2(micros % 100, destination[24..]);
        "+0000"u8.CopyTo(destination[26..]);
        return TimestampLength;
    }

    private static void Write2(int value, Span<byte> destination)
    {
        destination[0] = (byte)('0' + (value / 10));
        destination[1] = (byte)('0' + (value % 10));
    }

    private static void Write4(int value, Span<byte> destination)
    {
        Write2(value / 100, destination);
        Write2(value % 100, destination[2..]);
    }

    /// <summary>Suricata's name for an IP protocol in the <c>proto</c> field.</summary>
    public static ReadOnlySpan<byte> ProtocolName(byte protocol) => protocol switch
    {
        1 => "ICMP"u8,
        2 => "IGMP"u8,
        6 => "TCP"u8,
        17 => "UDP"u8,
        47 => "GRE"u8,
        50 => "ESP"u8,
        51 => "AH"u8,
        58 => "IPv6-ICMP"u8,
        132 => "SCTP"u8,
        _ => default,
    };
}
