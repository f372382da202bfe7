using System.Runtime.CompilerServices;

namespace Assay.Decoding.Network;

/// <summary>
/// One IPv6 extension header in the common type-length form (RFC 8200 §4.3–4.6, RFC 4302 §2 for AH).
/// <code>
///  0             8                  16
///  | Next Header | Hdr Ext Len      | type-specific data ...
/// </code>
/// Length is (Hdr Ext Len + 1) × 8 bytes, except AH where it is (Payload Len + 2) × 4. The fragment header
/// (fixed 8 bytes) has its own reader, <see cref="IPv6FragmentHeader"/>.
/// </summary>
public readonly ref struct IPv6ExtensionHeader
{
    public const int MinLength = 8;

    /// <summary>Extension headers followed before giving up (<see cref="Anomaly.IPv6TooManyExtensionHeaders"/>). RFC 8200
    /// §4.1's recommended order has at most 7 (HBH, DstOpts, Routing, Fragment, AH, ESP, DstOpts); one spare for Mobility-era
    /// stacks. Long chains are an evasion and DoS technique (RFC 7112, RFC 9098), not traffic.</summary>
    public const int MaxHeaders = 8;

    private const int RoutingTypeOffset = 2;
    private const int OptionsOffset = 2;

    private readonly ReadOnlySpan<byte> _header;          // exactly Length bytes

    private IPv6ExtensionHeader(byte type, ReadOnlySpan<byte> header)
    {
        Type = type;
        _header = header;
    }

    /// <summary>The protocol number that announced this header (0, 43, 51 or 60).</summary>
    public byte Type { get; }
    public byte NextHeader => _header[0];
    public int Length => _header.Length;
    public ReadOnlySpan<byte> Bytes => _header;

    /// <summary>For a routing header: the routing type (0 is deprecated, RFC 5095).</summary>
    public byte RoutingType => _header[RoutingTypeOffset];

    /// <summary>For hop-by-hop and destination options: the TLV-encoded options area.</summary>
    public ReadOnlySpan<byte> Options => _header[OptionsOffset..];

    /// <summary><see langword="true"/> for the types this reader handles (the chain continues after them).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool IsExtension(byte protocol) =>
        protocol is (byte)IpProtocol.HopByHop or (byte)IpProtocol.Routing or (byte)IpProtocol.Fragment
            or (byte)IpProtocol.DestinationOptions or (byte)IpProtocol.AuthenticationHeader;

    /// <param name="type">The protocol number announcing the header (HBH, Routing, DstOpts or AH).</param>
    /// <param name="data">The bytes from the start of the header to the end of the IPv6 payload.</param>
    /// <param name="anomalies">Receives the reason on failure.</param>
    /// <param name="header">The header, exactly its length.</param>
    public static bool TryRead(byte type, ReadOnlySpan<byte> data, ref AnomalySet anomalies, out IPv6ExtensionHeader header)
    {
        header = default;
        if (data.Length < MinLength)
        {
            anomalies.Add(Anomaly.IPv6ExtensionHeaderTooSmall);
            return false;
        }

        int length = type == (byte)IpProtocol.AuthenticationHeader ? (data[1] + 2) << 2 : (data[1] + 1) << 3;
        if (length > data.Length)
        {
            anomalies.Add(Anomaly.IPv6ExtensionHeaderPastEnd);
            return false;
        }

        header = new IPv6ExtensionHeader(type, data[..length]);
        return true;
    }

    /// <summary>
    /// Walks hop-by-hop or destination options (RFC 8200 §4.2): Pad1 is a single zero byte, every other option is
    /// type, length, data. An option running past the header adds <see cref="Anomaly.IPv6OptionLengthInvalid"/>.
    /// </summary>
    public static void ValidateOptions(ReadOnlySpan<byte> options, ref AnomalySet anomalies)
    {
        const byte Pad1 = 0;
        int i = 0;
        while (i < options.Length)
        {
            if (options[i] == Pad1)
            {
                i++;
                continue;
            }

            if (options.Length - i < 2 || options[i + 1] > options.Length - i - 2)
            {
                anomalies.Add(Anomaly.IPv6OptionLengthInvalid);
                return;
            }

            i += 2 + options[i + 1];
        }
    }
}
