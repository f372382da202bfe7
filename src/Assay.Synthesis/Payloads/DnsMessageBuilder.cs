using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Assay.Synthesis.Payloads;

/// <summary>DNS RR types the builder writes (RFC 1035 §3.2.2, RFC 3596).</summary>
public enum DnsType : ushort
{
    A = 1,
    NS = 2,
    CName = 5,
    Ptr = 12,
    Txt = 16,
    Aaaa = 28,
    Opt = 41,
}

/// <summary>One resource record. Use the factories; <see cref="Target"/> holds the name for CNAME / NS / PTR.</summary>
public sealed record DnsRecord(string Name, DnsType Type, uint Ttl, IPAddress? Address = null, string? Target = null, byte[]? Data = null)
{
    public static DnsRecord A(string name, IPAddress address, uint ttl = 300) => new(name, DnsType.A, ttl, Address: address);

    public static DnsRecord Aaaa(string name, IPAddress address, uint ttl = 300) => new(name, DnsType.Aaaa, ttl, Address: address);

    public static DnsRecord CName(string name, string target, uint ttl = 300) => new(name, DnsType.CName, ttl, Target: target);

    /// <summary>Any type with raw RDATA.</summary>
    public static DnsRecord Raw(string name, DnsType type, byte[] data, uint ttl = 300) => new(name, type, ttl, Data: data);
}

/// <summary>DNS response codes (RFC 1035 §4.1.1).</summary>
public enum DnsResponseCode : byte
{
    NoError = 0,
    FormatError = 1,
    ServerFailure = 2,
    NameError = 3,
    NotImplemented = 4,
    Refused = 5,
}

/// <summary>
/// Writes DNS messages (RFC 1035 §4.1) with name compression (§4.1.4): every name, and every suffix of it, written at an offset
/// below 0x4000 becomes a pointer target for later names.
/// </summary>
/// <remarks>
/// Header: ID u16, flags u16 (QR, opcode 4 bits, AA, TC, RD, RA, Z, AD, CD, rcode 4 bits), QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT.
/// </remarks>
public sealed class DnsMessageBuilder
{
    private const int HeaderLength = 12;
    private const ushort ClassIn = 1;
    private const int MaxPointerOffset = 0x3FFF;

    private readonly List<(string Name, DnsType Type)> _questions = [];
    private readonly List<DnsRecord> _answers = [];
    private readonly List<DnsRecord> _authorities = [];
    private readonly List<DnsRecord> _additionals = [];

    public ushort Id { get; set; }
    public bool IsResponse { get; set; }
    public bool RecursionDesired { get; set; } = true;
    public bool RecursionAvailable { get; set; }
    public bool Authoritative { get; set; }
    public bool Truncated { get; set; }
    public DnsResponseCode ResponseCode { get; set; }

    /// <summary>Turn off to write every name in full (for testing decompression-free paths).</summary>
    public bool Compress { get; set; } = true;

    /// <summary>Adds an EDNS(0) OPT record (RFC 6891) advertising this UDP payload size.</summary>
    public ushort? EdnsUdpPayloadSize { get; set; }

    public DnsMessageBuilder Question(string name, DnsType type = DnsType.A)
    {
        _questions.Add((name, type));
        return this;
    }

    public DnsMessageBuilder Answer(DnsRecord record)
    {
        _answers.Add(record);
        return this;
    }

    public DnsMessageBuilder Authority(DnsRecord record)
    {
        _authorities.Add(record);
        return this;
    }

    public DnsMessageBuilder Additional(DnsRecord record)
    {
        _additionals.Add(record);
        return this;
    }

    /// <summary>A recursive query for one name.</summary>
    public static byte[] Query(ushort id, string name, DnsType type = DnsType.A) =>
        new DnsMessageBuilder { Id = id }.Question(name, type).Build();

    /// <summary>A recursive resolver's answer: the question echoed, then <paramref name="answers"/>.</summary>
    public static byte[] Response(ushort id, string name, DnsType type, IEnumerable<DnsRecord> answers, DnsResponseCode code = DnsResponseCode.NoError)
    {
        ArgumentNullException.ThrowIfNull(answers);
        var builder = new DnsMessageBuilder { Id = id, IsResponse = true, RecursionAvailable = true, ResponseCode = code }.Question(name, type);
        foreach (DnsRecord answer in answers)
            builder.Answer(answer);
        return builder.Build();
    }

    public byte[] Build()
    {
        var writer = new Writer(Compress);
        Span<byte> header = stackalloc byte[HeaderLength];
        BinaryPrimitives.WriteUInt16BigEndian(header, Id);
        int flags = (IsResponse ? 0x8000 : 0) | (Authoritative ? 0x0400 : 0) | (Truncated ? 0x0200 : 0) | (RecursionDesired ? 0x0100 : 0)
            | (RecursionAvailable ? 0x0080 : 0) | (int)ResponseCode;
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)flags);
        BinaryPrimitives.WriteUInt16BigEndian(header[4..], (ushort)_questions.Count);
        BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)_answers.Count);
        BinaryPrimitives.WriteUInt16BigEndian(header[8..], (ushort)_authorities.Count);
        BinaryPrimitives.WriteUInt16BigEndian(header[10..], (ushort)(_additionals.Count + (EdnsUdpPayloadSize is null ? 0 : 1)));
        writer.Bytes(header);

        foreach ((string name, DnsType type) in _questions)
        {
            writer.Name(name);
            writer.UInt16((ushort)type);
            writer.UInt16(ClassIn);
        }

        foreach (DnsRecord record in _answers)
            writer.Record(record);
        foreach (DnsRecord record in _authorities)
            writer.Record(record);
        foreach (DnsRecord record in _additionals)
            writer.Record(record);
        if (EdnsUdpPayloadSize is ushort size)
        {
            // OPT: root name, type 41, CLASS = UDP payload size, TTL = extended rcode/version/flags, empty RDATA.
            writer.Byte(0);
            writer.UInt16((ushort)DnsType.Opt);
            writer.UInt16(size);
            writer.UInt32(0);
            writer.UInt16(0);
        }

        return writer.ToArray();
    }

    private sealed class Writer(bool compress)
    {
        private readonly List<byte> _bytes = new(512);
        private readonly Dictionary<string, int> _suffixOffsets = new(StringComparer.OrdinalIgnoreCase);

        public void Byte(byte value) => _bytes.Add(value);

        public void Bytes(ReadOnlySpan<byte> value)
        {
            foreach (byte b in value)
                _bytes.Add(b);
        }

        public void UInt16(ushort value)
        {
            _bytes.Add((byte)(value >> 8));
            _bytes.Add((byte)value);
        }

        public void UInt32(uint value)
        {
            UInt16((ushort)(value >> 16));
            UInt16((ushort)value);
        }

        public void Name(string name)
        {
            string[] labels = name.TrimEnd('.').Split('.', StringSplitOptions.RemoveEmptyEntries);
            for (int i = 0; i < labels.Length; i++)
            {
                string suffix = string.Join('.', labels, i, labels.Length - i);
                if (compress && _suffixOffsets.TryGetValue(suffix, out int target))
                {
                    UInt16((ushort)(0xC000 | target));
                    return;
                }

                if (_bytes.Count <= MaxPointerOffset)
                    _suffixOffsets.TryAdd(suffix, _bytes.Count);
                byte[] label = Encoding.ASCII.GetBytes(labels[i]);
                if (label.Length > 63)
                    throw new ArgumentException($"Label '{labels[i]}' is longer than 63 bytes.", nameof(name));
                Byte((byte)label.Length);
                Bytes(label);
            }

            Byte(0);
        }

        public void Record(DnsRecord record)
        {
            Name(record.Name);
            UInt16((ushort)record.Type);
            UInt16(ClassIn);
            UInt32(record.Ttl);
            int lengthAt = _bytes.Count;
            UInt16(0);
            int start = _bytes.Count;
            switch (record.Type)
            {
                case DnsType.A or DnsType.Aaaa when record.Address is not null:
                    if (record.Address.AddressFamily != (record.Type == DnsType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6))
                        throw new ArgumentException($"{record.Type} record with address {record.Address}.", nameof(record));
                    Bytes(record.Address.GetAddressBytes());
                    break;
                case DnsType.CName or DnsType.NS or DnsType.Ptr when record.Target is not null:
                    Name(record.Target);
                    break;
                default:
                    Bytes(record.Data ?? []);
                    break;
            }

            int length = _bytes.Count - start;
            _bytes[lengthAt] = (byte)(length >> 8);
            _bytes[lengthAt + 1] = (byte)length;
        }

        public byte[] ToArray() => [.. _bytes];
    }
}
