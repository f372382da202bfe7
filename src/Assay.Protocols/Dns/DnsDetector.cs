using System.Buffers.Binary;

namespace Assay.Protocols.Dns;

/// <summary>
/// Content sniffing for protocol detection on ports other than 53: does a UDP payload look like a DNS message?
/// Cheap and conservative: header counts must fit the payload, OPCODE must be assigned, and the first name must be a
/// well-formed run of labels followed by a plausible CLASS.
/// </summary>
public static class DnsDetector
{
    /// <summary>More questions than this is not a real client (servers accept exactly one, RFC 9619).</summary>
    public const int MaxPlausibleQuestions = 16;

    /// <summary>Smallest question on the wire: root name (1) + QTYPE + QCLASS.</summary>
    private const int MinQuestionLength = 5;

    /// <summary>Smallest resource record: root name (1) + TYPE, CLASS, TTL, RDLENGTH.</summary>
    private const int MinRecordLength = 11;

    public static bool LooksLikeDns(ReadOnlySpan<byte> udpPayload)
    {
        if (udpPayload.Length < DnsParser.HeaderLength)
            return false;
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(udpPayload[2..]);
        int questions = BinaryPrimitives.ReadUInt16BigEndian(udpPayload[4..]);
        int records = BinaryPrimitives.ReadUInt16BigEndian(udpPayload[6..]) + BinaryPrimitives.ReadUInt16BigEndian(udpPayload[8..])
            + BinaryPrimitives.ReadUInt16BigEndian(udpPayload[10..]);
        bool response = (flags & (ushort)DnsHeaderFlags.Response) != 0;
        if (!DnsParser.IsKnownOpcode((flags >> 11) & 0xF) || questions > MaxPlausibleQuestions)
            return false;
        if (!response && (questions == 0 || (flags & 0xF) != 0))
            return false;    // a query asks something and carries no RCODE
        if (questions + records == 0)
            return false;
        // Every declared record must be able to fit.
        if (DnsParser.HeaderLength + (long)questions * MinQuestionLength + (long)records * MinRecordLength > udpPayload.Length)
            return false;

        // The first name is never compressed (there is nothing before it to point at) in a real message.
        int position = DnsParser.HeaderLength;
        while (true)
        {
            if (position >= udpPayload.Length)
                return false;
            int length = udpPayload[position];
            if (length == 0)
                break;
            if (length > DnsParser.MaxLabelLength || udpPayload.Length - position - 1 < length)
                return false;
            position += 1 + length;
        }

        position++;
        if (udpPayload.Length - position < 4)
            return false;
        // CLASS without mDNS's top bit (unicast-response / cache-flush): IN, CH, HS, NONE, ANY.
        int @class = BinaryPrimitives.ReadUInt16BigEndian(udpPayload[(position + 2)..]) & 0x7FFF;
        return @class is 1 or 3 or 4 or 254 or 255;
    }
}
