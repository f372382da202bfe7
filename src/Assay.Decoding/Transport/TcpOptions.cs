using System.Buffers.Binary;

namespace Assay.Decoding.Transport;

/// <summary>
/// TCP option walker (RFC 9293 §3.2): EOL ends the list, NOP is one byte, every other option is kind, length (≥ 2,
/// counting kind and length), data. Recognised: MSS (RFC 9293, length 4), window scale (RFC 7323 §2, length 3),
/// SACK-permitted (RFC 2018, length 2), SACK (RFC 2018, 2 + 8n, n = 1..4), timestamps (RFC 7323 §3, length 10).
/// </summary>
/// <remarks>
/// A length that runs past the header ends the walk with <see cref="Anomaly.TcpOptionLengthInvalid"/>; a known option with
/// the wrong length is skipped with the same anomaly (as Suricata's <c>tcp.invalid_optlen</c>); a repeated known option
/// adds <see cref="Anomaly.TcpOptionDuplicate"/> and the first one wins; a window scale above 14 adds
/// <see cref="Anomaly.TcpOptionInvalid"/> and is clamped to 14 as RFC 7323 §2.3 tells receivers to do.
/// </remarks>
public static class TcpOptions
{
    public const byte EndOfList = 0;
    public const byte NoOperation = 1;
    public const byte MaximumSegmentSize = 2;
    public const byte WindowScale = 3;
    public const byte SackPermitted = 4;
    public const byte Sack = 5;
    public const byte Timestamps = 8;

    /// <summary>RFC 7323 §2.3: shifts above 14 are treated as 14.</summary>
    public const byte MaxWindowScale = 14;

    private const int SackBlockLength = 8;
    private const int MaxSackBlocks = 4;

    /// <summary>Reads the options into the TCP fields of <paramref name="packet"/>.</summary>
    public static void Read(ReadOnlySpan<byte> options, ref DecodedPacket packet, ref AnomalySet anomalies)
    {
        uint seen = 0;                                    // bit per known kind, for duplicate detection
        int i = 0;
        while (i < options.Length)
        {
            byte kind = options[i];
            if (kind == EndOfList)
                return;
            if (kind == NoOperation)
            {
                i++;
                continue;
            }

            if (options.Length - i < 2)
            {
                anomalies.Add(Anomaly.TcpOptionLengthInvalid);
                return;
            }

            int length = options[i + 1];
            if (length < 2 || length > options.Length - i)
            {
                anomalies.Add(Anomaly.TcpOptionLengthInvalid);
                return;
            }

            ReadOnlySpan<byte> option = options.Slice(i, length);
            i += length;
            if (kind > Timestamps)
                continue;                                 // unknown or unchecked kinds (TFO, MPTCP, ...)

            uint bit = 1u << kind;
            bool duplicate = (seen & bit) != 0;
            seen |= bit;
            if (duplicate && kind is MaximumSegmentSize or WindowScale or SackPermitted or Timestamps)
            {
                anomalies.Add(Anomaly.TcpOptionDuplicate);
                continue;
            }

            switch (kind)
            {
                case MaximumSegmentSize when length == 4:
                    packet.TcpMss = BinaryPrimitives.ReadUInt16BigEndian(option[2..]);
                    break;
                case WindowScale when length == 3:
                    byte shift = option[2];
                    if (shift > MaxWindowScale)
                    {
                        anomalies.Add(Anomaly.TcpOptionInvalid);
                        shift = MaxWindowScale;
                    }

                    packet.TcpWindowScale = shift;
                    break;
                case SackPermitted when length == 2:
                    packet.TcpSackPermitted = true;
                    break;
                case Sack when length > 2 && ((length - 2) % SackBlockLength) == 0 && (length - 2) / SackBlockLength <= MaxSackBlocks:
                    if (duplicate)
                        anomalies.Add(Anomaly.TcpOptionDuplicate);
                    else
                        packet.TcpSackBlocks = (byte)((length - 2) / SackBlockLength);
                    break;
                case Timestamps when length == 10:
                    packet.TcpHasTimestamps = true;
                    packet.TcpTimestampValue = BinaryPrimitives.ReadUInt32BigEndian(option[2..]);
                    packet.TcpTimestampEcho = BinaryPrimitives.ReadUInt32BigEndian(option[6..]);
                    break;
                case MaximumSegmentSize or WindowScale or SackPermitted or Sack or Timestamps:
                    anomalies.Add(Anomaly.TcpOptionLengthInvalid);
                    break;
                default:
                    break;                                // 6, 7 (obsolete echo) and others below 8: no check
            }
        }
    }
}
