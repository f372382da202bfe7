using System.Buffers.Binary;
using Assay.Decoding;

namespace Assay.Protocols.Dns;

/// <summary>
/// DNS message parser (RFC 1035 §4, as carried in a UDP payload or one DNS-over-TCP frame without its length prefix,
/// see <see cref="DnsTcpFraming"/>). Never throws and never allocates: it fills a reusable
/// <see cref="DnsMessageReader"/> with offsets and validates every name and the RDATA of the types it knows.
/// </summary>
/// <remarks>
/// Malformed input yields a named <see cref="Anomaly"/> and, where the structure allows, a partial result: records before
/// the problem are kept, a record whose RDATA is malformed is kept without its data, a name cut by a cap is kept cut.
/// </remarks>
public static partial class DnsParser
{
    public const int HeaderLength = 12;

    private const int IdOffset = 0;
    private const int FlagsOffset = 2;
    private const int QuestionCountOffset = 4;
    private const int AnswerCountOffset = 6;
    private const int AuthorityCountOffset = 8;
    private const int AdditionalCountOffset = 10;

    /// <summary>QTYPE + QCLASS after a question's name.</summary>
    private const int QuestionFixedLength = 4;

    /// <summary>TYPE + CLASS + TTL + RDLENGTH after a resource record's name.</summary>
    private const int RecordFixedLength = 10;

    /// <summary>
    /// Parses one message. Returns <see langword="false"/> only when there is no header (fewer than 12 bytes); otherwise
    /// <paramref name="reader"/> holds what could be read and <see cref="DnsMessageReader.IsComplete"/> says whether
    /// that is everything the header declared. Problems are added to <paramref name="anomalies"/>, each kind once.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> message, ref DnsMessageReader reader, ref AnomalySet anomalies)
    {
        if (message.Length < HeaderLength)
        {
            reader.Reset(0, 0, 0, 0, 0, 0);
            AddOnce(ref anomalies, Anomaly.DnsMessageTruncated);
            return false;
        }

        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(message[FlagsOffset..]);
        reader.Reset(
            BinaryPrimitives.ReadUInt16BigEndian(message[IdOffset..]),
            flags,
            BinaryPrimitives.ReadUInt16BigEndian(message[QuestionCountOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[AnswerCountOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[AuthorityCountOffset..]),
            BinaryPrimitives.ReadUInt16BigEndian(message[AdditionalCountOffset..]));

        if ((flags & (ushort)DnsHeaderFlags.Z) != 0)
            AddOnce(ref anomalies, Anomaly.DnsZFlagSet);
        if (!IsKnownOpcode(reader.Opcode))
            AddOnce(ref anomalies, Anomaly.DnsInvalidOpcode);

        int position = HeaderLength;
        SectionResult result = ReadSection(message, DnsSection.Question, reader.DeclaredQuestions, ref position, ref reader);
        if (result == SectionResult.Done)
            result = ReadSection(message, DnsSection.Answer, reader.DeclaredAnswers, ref position, ref reader);
        if (result == SectionResult.Done)
            result = ReadSection(message, DnsSection.Authority, reader.DeclaredAuthorities, ref position, ref reader);
        if (result == SectionResult.Done)
            result = ReadSection(message, DnsSection.Additional, reader.DeclaredAdditionals, ref position, ref reader);

        reader.IsComplete = result == SectionResult.Done;
        reader.Length = position;

        if (result == SectionResult.Truncated)
            AddOnce(ref anomalies, Anomaly.DnsMessageTruncated);
        else if (result == SectionResult.Malformed)
            AddOnce(ref anomalies, Anomaly.DnsMalformed);
        if (reader.MalformedRecords != 0)
            AddOnce(ref anomalies, Anomaly.DnsMalformed);
        if (reader.SkippedRecords != 0)
            AddOnce(ref anomalies, Anomaly.DnsTooManyRecords);
        AddNameAnomalies(reader.NameFlags, ref anomalies);
        return true;
    }

    /// <summary>OPCODEs assigned by IANA: 0 query, 1 inverse query (obsolete), 2 status, 4 notify, 5 update, 6 DSO.</summary>
    public static bool IsKnownOpcode(int opcode) => opcode is 0 or 1 or 2 or 4 or 5 or 6;

    private enum SectionResult
    {
        Done,
        Truncated,
        Malformed,
    }

    private static SectionResult ReadSection(ReadOnlySpan<byte> message, DnsSection section, int count, ref int position, ref DnsMessageReader reader)
    {
        reader.BeginSection(section);
        bool question = section == DnsSection.Question;
        for (int i = 0; i < count; i++)
        {
            bool keep = i < DnsMessageReader.MaxRecordsPerSection;
            int nameOffset = position;
            DnsNameFlags nameFlags;
            int nameEnd;
            if (keep)
            {
                nameEnd = WalkName(message, nameOffset, default, out _, out nameFlags);
                reader.NameFlags |= nameFlags;
            }
            else
            {
                // Past the cap only the wire length matters: no pointer is followed, so a flood of records costs one pass.
                nameEnd = SkipName(message, nameOffset, out nameFlags);
            }

            if (nameEnd < 0)
                return (nameFlags & DnsNameFlags.PastEnd) != 0 ? SectionResult.Truncated : SectionResult.Malformed;

            int fixedLength = question ? QuestionFixedLength : RecordFixedLength;
            // (uint) compare: nameEnd <= message.Length always holds here, so this is "fewer than fixedLength bytes left".
            if ((uint)(message.Length - nameEnd) < (uint)fixedLength)
                return SectionResult.Truncated;

            ReadOnlySpan<byte> fixedPart = message.Slice(nameEnd, fixedLength);
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(fixedPart);
            ushort @class = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[2..]);
            if (question)
            {
                position = nameEnd + QuestionFixedLength;
                if (keep)
                    reader.Add(new DnsRecord(section, nameOffset, nameFlags, type, @class, 0, position, 0, DnsNameFlags.None, isDataValid: true));
                else
                    reader.SkippedRecords++;
                continue;
            }

            uint ttl = BinaryPrimitives.ReadUInt32BigEndian(fixedPart[4..]);
            int dataLength = BinaryPrimitives.ReadUInt16BigEndian(fixedPart[8..]);
            int dataOffset = nameEnd + RecordFixedLength;
            if (message.Length - dataOffset < dataLength)
                return SectionResult.Truncated;
            position = dataOffset + dataLength;
            if (!keep)
            {
                reader.SkippedRecords++;
                continue;
            }

            bool valid = ValidateData(message, (DnsRecordType)type, dataOffset, dataLength, out DnsNameFlags dataFlags);
            reader.NameFlags |= dataFlags;
            reader.Add(new DnsRecord(section, nameOffset, nameFlags, type, @class, ttl, dataOffset, dataLength, dataFlags, valid));
            // RDLENGTH is still trustworthy when RDATA is malformed, so parsing goes on with the next record.
            if (!valid)
                reader.MalformedRecords++;
        }

        return SectionResult.Done;
    }

    private static void AddNameAnomalies(DnsNameFlags flags, ref AnomalySet anomalies)
    {
        if ((flags & DnsNameFlags.PointerLoop) != 0)
            AddOnce(ref anomalies, Anomaly.DnsPointerLoop);
        if ((flags & DnsNameFlags.Truncated) != 0)
            AddOnce(ref anomalies, Anomaly.DnsNameTooLong);
        if ((flags & DnsNameFlags.LabelLimit) != 0)
            AddOnce(ref anomalies, Anomaly.DnsNameLabelLimit);
        if ((flags & DnsNameFlags.ForwardPointer) != 0)
            AddOnce(ref anomalies, Anomaly.DnsForwardPointer);
        if ((flags & DnsNameFlags.Malformed) != 0)
            AddOnce(ref anomalies, Anomaly.DnsMalformed);
        if ((flags & DnsNameFlags.PastEnd) != 0)
            AddOnce(ref anomalies, Anomaly.DnsMessageTruncated);
    }

    private static void AddOnce(ref AnomalySet anomalies, Anomaly anomaly)
    {
        if (!anomalies.Contains(anomaly))
            anomalies.Add(anomaly);
    }
}
