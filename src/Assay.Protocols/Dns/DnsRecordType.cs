namespace Assay.Protocols.Dns;

/// <summary>Resource record TYPE / question QTYPE values (IANA "Resource Record (RR) TYPEs"). Unlisted values are kept as numbers.</summary>
public enum DnsRecordType : ushort
{
    A = 1,
    NS = 2,
    MD = 3,
    MF = 4,
    CNAME = 5,
    SOA = 6,
    MB = 7,
    MG = 8,
    MR = 9,
    NULL = 10,
    WKS = 11,
    PTR = 12,
    HINFO = 13,
    MINFO = 14,
    MX = 15,
    TXT = 16,
    RP = 17,
    AFSDB = 18,
    X25 = 19,
    ISDN = 20,
    RT = 21,
    NSAP = 22,
    NSAPPTR = 23,
    SIG = 24,
    KEY = 25,
    PX = 26,
    GPOS = 27,
    AAAA = 28,
    LOC = 29,
    NXT = 30,
    SRV = 33,
    ATMA = 34,
    NAPTR = 35,
    KX = 36,
    CERT = 37,
    A6 = 38,
    DNAME = 39,
    OPT = 41,
    APL = 42,
    DS = 43,
    SSHFP = 44,
    IPSECKEY = 45,
    RRSIG = 46,
    NSEC = 47,
    DNSKEY = 48,
    DHCID = 49,
    NSEC3 = 50,
    NSEC3PARAM = 51,
    TLSA = 52,
    HIP = 55,
    CDS = 59,
    CDNSKEY = 60,
    SVCB = 64,
    HTTPS = 65,
    SPF = 99,
    TKEY = 249,
    TSIG = 250,
    MAILA = 254,
    ANY = 255,
    URI = 256,
    CAA = 257,
}

/// <summary>The four parts of a message after the header (RFC 1035 §4.1).</summary>
public enum DnsSection : byte
{
    Question,
    Answer,
    Authority,
    Additional,
}

/// <summary>Header flag bits (RFC 1035 §4.1.1, RFC 4035 §3.2 for AD and CD). OPCODE and RCODE are read separately.</summary>
[Flags]
public enum DnsHeaderFlags : ushort
{
    None = 0,
    CheckingDisabled = 0x0010,
    AuthenticData = 0x0020,
    /// <summary>The reserved Z bit; must be zero (Suricata's <c>z_flag_set</c> event).</summary>
    Z = 0x0040,
    RecursionAvailable = 0x0080,
    RecursionDesired = 0x0100,
    Truncated = 0x0200,
    AuthoritativeAnswer = 0x0400,
    Response = 0x8000,
}

/// <summary>
/// What happened while decoding one name. Recoverable outcomes (a partial name is still returned) as Suricata's
/// <c>DNSNameFlags</c>: the caller decides what to report.
/// </summary>
[Flags]
public enum DnsNameFlags : byte
{
    None = 0,
    /// <summary>The decoded name was cut at <see cref="DnsParser.MaxDnsNameLength"/> bytes.</summary>
    Truncated = 1,
    /// <summary>A compression pointer pointed at itself, or more than <see cref="DnsParser.MaxCompressionPointers"/> were followed.</summary>
    PointerLoop = 2,
    /// <summary>More than <see cref="DnsParser.MaxNameSegments"/> labels and pointers.</summary>
    LabelLimit = 4,
    /// <summary>A compression pointer pointed forward (RFC 1035 says "a prior occurrence"); followed anyway, as Suricata does.</summary>
    ForwardPointer = 8,
    /// <summary>A reserved label type (0x40, 0x80) or a pointer past the end of the message.</summary>
    Malformed = 16,
    /// <summary>The message ended inside the name.</summary>
    PastEnd = 32,
}
