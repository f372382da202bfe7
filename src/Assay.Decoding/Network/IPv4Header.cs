using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Network;

/// <summary>
/// IPv4 header (RFC 791 §3.1). All fields big-endian.
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
/// |Version|  IHL  |Type of Service|          Total Length         |
/// |         Identification        |Flags|      Fragment Offset    |
/// |  Time to Live |    Protocol   |         Header Checksum       |
/// |                       Source Address                          |
/// |                    Destination Address                        |
/// |                    Options                    |    Padding    |
/// </code>
/// </summary>
/// <remarks>
/// Lenient where captures are routinely imperfect, strict where offsets would go wrong:
/// <list type="bullet">
/// <item>a bad header checksum is reported (<see cref="Anomaly.IPv4ChecksumInvalid"/>) and decoding continues — captures
/// taken on the sending host carry 0 or a partial sum when the NIC offloads it;</item>
/// <item>a total length beyond the captured bytes (snap length, truncation) is reported and the payload is clipped;</item>
/// <item>a total length of 0 is what TCP segmentation offload leaves in locally captured super-segments: reported as
/// <see cref="Anomaly.IPv4TotalLengthTooSmall"/> and the captured length used, as Wireshark does;</item>
/// <item>bytes after the total length (Ethernet minimum-frame padding) are not payload.</item>
/// </list>
/// </remarks>
public readonly ref struct IPv4Header
{
    public const int MinLength = 20;
    public const int MaxLength = 60;
    private const int TotalLengthOffset = 2;
    private const int IdentificationOffset = 4;
    private const int FlagsOffset = 6;
    private const int TtlOffset = 8;
    private const int ProtocolOffset = 9;
    private const int ChecksumOffset = 10;
    private const int SourceOffset = 12;
    private const int DestinationOffset = 16;

    private const ushort MoreFragmentsFlag = 0x2000;
    private const ushort DontFragmentFlag = 0x4000;
    private const ushort FragmentOffsetMask = 0x1FFF;

    private readonly ReadOnlySpan<byte> _header;          // exactly HeaderLength bytes

    private IPv4Header(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload, int datagramLength)
    {
        _header = header;
        Payload = payload;
        DatagramLength = datagramLength;
    }

    public int HeaderLength => _header.Length;
    public ushort TotalLength => BinaryPrimitives.ReadUInt16BigEndian(_header[TotalLengthOffset..]);

    /// <summary>The datagram length used for decoding: <see cref="TotalLength"/>, or the captured length when it is 0 (TSO).</summary>
    public int DatagramLength { get; }

    public ushort Identification => BinaryPrimitives.ReadUInt16BigEndian(_header[IdentificationOffset..]);
    public ushort FlagsAndOffset => BinaryPrimitives.ReadUInt16BigEndian(_header[FlagsOffset..]);
    public bool DontFragment => (FlagsAndOffset & DontFragmentFlag) != 0;
    public bool MoreFragments => (FlagsAndOffset & MoreFragmentsFlag) != 0;

    /// <summary>Fragment offset in bytes (the field counts 8-byte units).</summary>
    public int FragmentOffset => (FlagsAndOffset & FragmentOffsetMask) << 3;

    /// <summary>More-fragments set or a non-zero offset: this datagram is a fragment.</summary>
    public bool IsFragment => (FlagsAndOffset & (MoreFragmentsFlag | FragmentOffsetMask)) != 0;

    public byte Ttl => _header[TtlOffset];
    public byte Protocol => _header[ProtocolOffset];
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_header[ChecksumOffset..]);
    public uint SourceAddress => BinaryPrimitives.ReadUInt32BigEndian(_header[SourceOffset..]);
    public uint DestinationAddress => BinaryPrimitives.ReadUInt32BigEndian(_header[DestinationOffset..]);
    public ReadOnlySpan<byte> Options => _header[MinLength..];

    /// <summary>The bytes after the header, up to the total length and clipped to what was captured.</summary>
    public ReadOnlySpan<byte> Payload { get; }

    /// <summary>An IPv4 address as the IPv4-mapped IPv6 address ::ffff:a.b.c.d, read as a big-endian 128-bit integer.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt128 ToMapped(uint address) => new(0, 0xFFFF_0000_0000UL | address);

    /// <returns><see langword="false"/> when the bytes are not an IPv4 header whose offsets can be trusted; the reason is
    /// added to <paramref name="anomalies"/>. Checksum, option and truncation problems add an anomaly but return true.</returns>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> packet, ref AnomalySet anomalies, out IPv4Header header)
    {
        header = default;
        if (packet.Length < MinLength)
        {
            anomalies.Add(Anomaly.IPv4PacketTooSmall);
            return false;
        }

        int versionAndLength = packet[0];
        if ((versionAndLength >> 4) != 4)
        {
            anomalies.Add(Anomaly.IPv4WrongVersion);
            return false;
        }

        int headerLength = (versionAndLength & 0x0F) << 2;
        // One unsigned compare covers both "shorter than 20" (wraps to a huge value) and "longer than the packet".
        if ((uint)(headerLength - MinLength) > (uint)(packet.Length - MinLength))
        {
            anomalies.Add(headerLength < MinLength ? Anomaly.IPv4HeaderLengthTooSmall : Anomaly.IPv4HeaderLengthPastEnd);
            return false;
        }

        int totalLength = BinaryPrimitives.ReadUInt16BigEndian(packet[TotalLengthOffset..]);
        int length = totalLength;
        if (totalLength < headerLength)
        {
            anomalies.Add(Anomaly.IPv4TotalLengthTooSmall);
            if (totalLength != 0)
                return false;
            length = packet.Length;                       // TSO super-segment: the NIC fills the length in later
        }
        else if (totalLength > packet.Length)
        {
            anomalies.Add(Anomaly.IPv4TotalLengthPastEnd);
            length = packet.Length;
        }

        ReadOnlySpan<byte> headerBytes = packet[..headerLength];
        if (!HasValidChecksum(headerBytes))
            anomalies.Add(Anomaly.IPv4ChecksumInvalid);
        if (headerLength > MinLength)
            ValidateOptions(headerBytes[MinLength..], ref anomalies);

        header = new IPv4Header(headerBytes, packet[headerLength..length], totalLength == 0 ? length : totalLength);
        return true;
    }

    /// <summary>Sums the header as 32-bit words: at most 15 of them, so a 64-bit accumulator cannot overflow.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static bool HasValidChecksum(ReadOnlySpan<byte> header)
    {
        ulong sum = (ulong)BinaryPrimitives.ReadUInt32BigEndian(header)
            + BinaryPrimitives.ReadUInt32BigEndian(header[4..])
            + BinaryPrimitives.ReadUInt32BigEndian(header[8..])
            + BinaryPrimitives.ReadUInt32BigEndian(header[12..])
            + BinaryPrimitives.ReadUInt32BigEndian(header[16..]);
        for (int i = MinLength; i + 4 <= header.Length; i += 4)
            sum += BinaryPrimitives.ReadUInt32BigEndian(header[i..]);
        return InternetChecksum.Fold(sum) == 0xFFFF;
    }

    /// <summary>Option type numbers (IANA "IP Option Numbers") whose lengths are checked.</summary>
    private static class OptionType
    {
        public const byte EndOfList = 0;
        public const byte NoOperation = 1;
        public const byte RecordRoute = 7;
        public const byte QuickStart = 25;
        public const byte Timestamp = 68;
        public const byte Security = 130;
        public const byte LooseSourceRoute = 131;
        public const byte StreamId = 136;
        public const byte StrictSourceRoute = 137;
        public const byte RouterAlert = 148;
    }

    /// <summary>
    /// Walks the options (RFC 791 §3.1 "Options"): EOL ends the list, NOP is one byte, every other option is
    /// type-length-value with length ≥ 2 covering type and length. A length that runs past the header stops the walk with
    /// <see cref="Anomaly.IPv4OptionLengthInvalid"/>; a known option with an impossible length or pointer adds
    /// <see cref="Anomaly.IPv4OptionInvalid"/> (the checks Suricata's decode-ipv4.c makes).
    /// </summary>
    internal static void ValidateOptions(ReadOnlySpan<byte> options, ref AnomalySet anomalies)
    {
        int i = 0;
        while (i < options.Length)
        {
            byte type = options[i];
            if (type == OptionType.EndOfList)
                return;
            if (type == OptionType.NoOperation)
            {
                i++;
                continue;
            }

            if (options.Length - i < 2)
            {
                anomalies.Add(Anomaly.IPv4OptionLengthInvalid);
                return;
            }

            int length = options[i + 1];
            if (length < 2 || length > options.Length - i)
            {
                anomalies.Add(Anomaly.IPv4OptionLengthInvalid);
                return;
            }

            bool valid = type switch
            {
                // Route options: type, length, pointer, then 4-byte addresses; pointer is 1-based and starts at 4.
                OptionType.RecordRoute or OptionType.LooseSourceRoute or OptionType.StrictSourceRoute
                    => length >= 3 && options[i + 2] >= 4 && ((length - 3) & 3) == 0,
                // Timestamp: type, length, pointer, overflow/flags, then entries; pointer starts at 5 (RFC 791).
                OptionType.Timestamp => length >= 4 && options[i + 2] >= 5,
                OptionType.StreamId => length == 4,
                OptionType.RouterAlert => length == 4,        // RFC 2113
                OptionType.QuickStart => length == 8,         // RFC 4782
                OptionType.Security => length >= 3,           // RFC 1108 / RFC 791 (11)
                _ => true,
            };
            if (!valid)
                anomalies.Add(Anomaly.IPv4OptionInvalid);
            i += length;
        }
    }
}
