namespace Assay.Protocols.Dns;

/// <summary>
/// The result of <see cref="DnsParser.TryParse"/>: header fields and every record as offsets into the message. Reuse one
/// per worker: its record buffer grows to the largest message seen (at most <see cref="MaxRecords"/>) and is then
/// reused, so parsing allocates nothing in steady state.
/// </summary>
/// <remarks>
/// RFC 1035 §4.1.1 header, 12 bytes, big-endian:
/// <code>
///  0: ID u16
///  2: QR(1) OPCODE(4) AA(1) TC(1) RD(1) | RA(1) Z(1) AD(1) CD(1) RCODE(4)
///  4: QDCOUNT u16   6: ANCOUNT u16   8: NSCOUNT u16   10: ARCOUNT u16
/// </code>
/// </remarks>
public struct DnsMessageReader
{
    /// <summary>Records kept per section; the rest are walked (so later sections are still found) and counted in <see cref="SkippedRecords"/>.</summary>
    public const int MaxRecordsPerSection = 256;

    /// <summary>Records kept per message: <see cref="MaxRecordsPerSection"/> in each of the four sections.</summary>
    public const int MaxRecords = 4 * MaxRecordsPerSection;

    private const int InitialCapacity = 16;

    private DnsRecord[]? _records;
    private int _count;
    private int _answerStart;
    private int _authorityStart;
    private int _additionalStart;

    public ushort Id { readonly get; private set; }

    /// <summary>The raw flags word (bytes 2–3), as Suricata logs it in <c>dns.flags</c>.</summary>
    public ushort RawFlags { readonly get; private set; }

    /// <summary>Counts as the header declares them (QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT).</summary>
    public ushort DeclaredQuestions { readonly get; private set; }
    public ushort DeclaredAnswers { readonly get; private set; }
    public ushort DeclaredAuthorities { readonly get; private set; }
    public ushort DeclaredAdditionals { readonly get; private set; }

    /// <summary><see langword="true"/> when every declared record was read; otherwise the sections hold what was read before the problem.</summary>
    public bool IsComplete { readonly get; internal set; }

    /// <summary>Bytes from the start of the message to the end of the last record read (trailing bytes are not part of it).</summary>
    public int Length { readonly get; internal set; }

    /// <summary>Records walked but not kept because a section had more than <see cref="MaxRecordsPerSection"/>.</summary>
    public int SkippedRecords { readonly get; internal set; }

    /// <summary>Records kept whose RDATA does not have its type's shape (<see cref="DnsRecord.IsDataValid"/> is false).</summary>
    public int MalformedRecords { readonly get; internal set; }

    /// <summary>The union of every name's flags in the message.</summary>
    public DnsNameFlags NameFlags { readonly get; internal set; }

    public readonly DnsHeaderFlags Flags => (DnsHeaderFlags)(RawFlags & ~0x780F);

    public readonly bool IsResponse => (RawFlags & (ushort)DnsHeaderFlags.Response) != 0;

    /// <summary>OPCODE: 0 query, 1 inverse query, 2 status, 4 notify, 5 update, 6 DSO.</summary>
    public readonly int Opcode => (RawFlags >> 11) & 0xF;

    /// <summary>RCODE (the header's 4 bits; EDNS extended bits are in the OPT record's TTL).</summary>
    public readonly int ResponseCode => RawFlags & 0xF;

    public readonly ReadOnlySpan<DnsRecord> Questions => Slice(0, _answerStart);

    public readonly ReadOnlySpan<DnsRecord> Answers => Slice(_answerStart, _authorityStart);

    public readonly ReadOnlySpan<DnsRecord> Authorities => Slice(_authorityStart, _additionalStart);

    public readonly ReadOnlySpan<DnsRecord> Additionals => Slice(_additionalStart, _count);

    /// <summary>Every record kept, in message order.</summary>
    public readonly ReadOnlySpan<DnsRecord> Records => Slice(0, _count);

    private readonly ReadOnlySpan<DnsRecord> Slice(int start, int end) =>
        _records is null ? default : new ReadOnlySpan<DnsRecord>(_records, start, end - start);

    internal void Reset(ushort id, ushort flags, ushort questions, ushort answers, ushort authorities, ushort additionals)
    {
        Id = id;
        RawFlags = flags;
        DeclaredQuestions = questions;
        DeclaredAnswers = answers;
        DeclaredAuthorities = authorities;
        DeclaredAdditionals = additionals;
        _count = _answerStart = _authorityStart = _additionalStart = 0;
        IsComplete = false;
        Length = 0;
        SkippedRecords = 0;
        MalformedRecords = 0;
        NameFlags = DnsNameFlags.None;
    }

    /// <summary>Marks where the next section starts; sections are entered in order, once each.</summary>
    internal void BeginSection(DnsSection section)
    {
        switch (section)
        {
            case DnsSection.Answer:
                _answerStart = _authorityStart = _additionalStart = _count;
                break;
            case DnsSection.Authority:
                _authorityStart = _additionalStart = _count;
                break;
            case DnsSection.Additional:
                _additionalStart = _count;
                break;
        }
    }

    internal void Add(in DnsRecord record)
    {
        if (_records is null || _count == _records.Length)
            Grow();
        _records![_count++] = record;
        // Later section starts follow the end until their section begins.
        switch (record.Section)
        {
            case DnsSection.Question:
                _answerStart = _authorityStart = _additionalStart = _count;
                break;
            case DnsSection.Answer:
                _authorityStart = _additionalStart = _count;
                break;
            case DnsSection.Authority:
                _additionalStart = _count;
                break;
        }
    }

    private void Grow()
    {
        int size = _records is null ? InitialCapacity : Math.Min(MaxRecords, _records.Length * 2);
        Array.Resize(ref _records, size);
    }
}
