using System.Buffers.Binary;

namespace Assay.Protocols.Dns;

public static partial class DnsParser
{
    /// <summary>
    /// Checks that RDATA has the shape its type requires. Types we do not decode are accepted as opaque bytes.
    /// Names inside RDATA may point anywhere in the message but must end within RDATA.
    /// </summary>
    private static bool ValidateData(ReadOnlySpan<byte> message, DnsRecordType type, int offset, int length, out DnsNameFlags nameFlags)
    {
        nameFlags = DnsNameFlags.None;
        int end = offset + length;
        switch (type)
        {
            case DnsRecordType.A:
                return length == 4;
            case DnsRecordType.AAAA:
                return length == 16;
            case DnsRecordType.CNAME:
            case DnsRecordType.NS:
            case DnsRecordType.PTR:
            case DnsRecordType.DNAME:
                return NameWithin(message, offset, end, ref nameFlags) >= 0;
            case DnsRecordType.MX:
                // PREFERENCE u16, EXCHANGE name (RFC 1035 §3.3.9)
                return length >= 3 && NameWithin(message, offset + 2, end, ref nameFlags) >= 0;
            case DnsRecordType.SRV:
                // PRIORITY u16, WEIGHT u16, PORT u16, TARGET name (RFC 2782)
                return length >= 7 && NameWithin(message, offset + 6, end, ref nameFlags) >= 0;
            case DnsRecordType.SOA:
            {
                // MNAME, RNAME, SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM (u32 each) (RFC 1035 §3.3.13)
                int rname = NameWithin(message, offset, end, ref nameFlags);
                int numbers = rname < 0 ? -1 : NameWithin(message, rname, end, ref nameFlags);
                return numbers >= 0 && end - numbers >= DnsRData.SoaNumbersLength;
            }

            case DnsRecordType.TXT:
            {
                // One or more <character-string>s: length u8 + bytes, filling RDATA exactly (RFC 1035 §3.3.14).
                int position = offset;
                while (position < end)
                    position += 1 + message[position];
                return position == end;
            }

            case DnsRecordType.SVCB:
            case DnsRecordType.HTTPS:
            {
                // SvcPriority u16, TargetName (uncompressed), SvcParams: key u16, length u16, value (RFC 9460 §2.2)
                if (length < 3)
                    return false;
                int parameters = NameWithin(message, offset + 2, end, ref nameFlags);
                return parameters >= 0 && IsTlvSequence(message, parameters, end);
            }

            case DnsRecordType.OPT:
                // EDNS options: OPTION-CODE u16, OPTION-LENGTH u16, data (RFC 6891 §6.1.2)
                return IsTlvSequence(message, offset, end);
            case DnsRecordType.SSHFP:
                // ALGORITHM u8, FP TYPE u8, FINGERPRINT (RFC 4255 §3.1)
                return length >= 2;
            default:
                return true;
        }
    }

    /// <summary>Walks the name at <paramref name="offset"/>; returns its wire end if that is within <paramref name="end"/>, else -1.</summary>
    private static int NameWithin(ReadOnlySpan<byte> message, int offset, int end, ref DnsNameFlags flags)
    {
        if (offset >= end)
            return -1;
        int nameEnd = WalkName(message, offset, default, out _, out DnsNameFlags nameFlags);
        flags |= nameFlags;
        return nameEnd >= 0 && nameEnd <= end ? nameEnd : -1;
    }

    /// <summary>A run of (u16 key, u16 length, value) items that ends exactly at <paramref name="end"/>.</summary>
    internal static bool IsTlvSequence(ReadOnlySpan<byte> message, int offset, int end)
    {
        int position = offset;
        while (end - position >= 4)
            position += 4 + BinaryPrimitives.ReadUInt16BigEndian(message[(position + 2)..]);
        return position == end;
    }
}
