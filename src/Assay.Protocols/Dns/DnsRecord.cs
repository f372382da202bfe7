namespace Assay.Protocols.Dns;

/// <summary>
/// One question or resource record, as offsets into the message it was parsed from (nothing is copied).
/// </summary>
/// <remarks>
/// RFC 1035 §4.1.2 (question) and §4.1.3 (resource record):
/// <code>
/// NAME (labels / pointer) | TYPE u16 | CLASS u16                                  question
/// NAME (labels / pointer) | TYPE u16 | CLASS u16 | TTL u32 | RDLENGTH u16 | RDATA   resource record
/// </code>
/// Names are decoded on demand with <see cref="DnsParser.ReadName"/>; typed RDATA with <see cref="DnsRData"/>.
/// </remarks>
public readonly struct DnsRecord
{
    internal DnsRecord(DnsSection section, int nameOffset, DnsNameFlags nameFlags, ushort type, ushort @class, uint ttl,
        int dataOffset, int dataLength, DnsNameFlags dataNameFlags, bool isDataValid)
    {
        Section = section;
        NameOffset = nameOffset;
        NameFlags = nameFlags;
        Type = (DnsRecordType)type;
        Class = @class;
        Ttl = ttl;
        DataOffset = dataOffset;
        DataLength = dataLength;
        DataNameFlags = dataNameFlags;
        IsDataValid = isDataValid;
    }

    public DnsSection Section { get; }

    /// <summary>Offset of the owner name in the message.</summary>
    public int NameOffset { get; }

    /// <summary>What decoding the owner name found (truncation, loops, …).</summary>
    public DnsNameFlags NameFlags { get; }

    public DnsRecordType Type { get; }

    /// <summary>CLASS (1 = IN). For OPT, the requestor's UDP payload size; mDNS uses the top bit (unicast / cache flush).</summary>
    public ushort Class { get; }

    /// <summary>TTL in seconds (0 for questions). For OPT, the extended RCODE, version and flags.</summary>
    public uint Ttl { get; }

    /// <summary>Offset of RDATA in the message (questions: where the question ends).</summary>
    public int DataOffset { get; }

    /// <summary>RDLENGTH (0 for questions).</summary>
    public int DataLength { get; }

    /// <summary>Flags of the names inside RDATA (CNAME/NS/PTR/MX/SRV target, SOA names).</summary>
    public DnsNameFlags DataNameFlags { get; }

    /// <summary>
    /// <see langword="false"/> when RDATA of a type we decode does not have that type's shape (A not 4 bytes, a name
    /// running past RDLENGTH, TXT strings not filling RDATA, …); the record is kept, its data is not used.
    /// </summary>
    public bool IsDataValid { get; }

    public bool IsQuestion => Section == DnsSection.Question;
}
