using System.Buffers.Binary;

namespace Assay.Protocols.Dns;

/// <summary>MX RDATA (RFC 1035 §3.3.9): the exchange name is at <see cref="ExchangeOffset"/>.</summary>
public readonly record struct DnsMx(ushort Preference, int ExchangeOffset);

/// <summary>SRV RDATA (RFC 2782): the target name is at <see cref="TargetOffset"/>.</summary>
public readonly record struct DnsSrv(ushort Priority, ushort Weight, ushort Port, int TargetOffset);

/// <summary>SOA RDATA (RFC 1035 §3.3.13).</summary>
public readonly record struct DnsSoa(int MNameOffset, int RNameOffset, uint Serial, uint Refresh, uint Retry, uint Expire, uint Minimum);

/// <summary>SVCB / HTTPS RDATA (RFC 9460 §2.2): priority 0 is alias mode; the parameters are a <see cref="DnsTlvEnumerator"/>.</summary>
public readonly record struct DnsSvcb(ushort Priority, int TargetOffset, int ParametersOffset, int ParametersLength);

/// <summary>SSHFP RDATA (RFC 4255 §3.1).</summary>
public readonly record struct DnsSshfp(byte Algorithm, byte FingerprintType, int FingerprintOffset, int FingerprintLength);

/// <summary>
/// Typed views of a record's RDATA. Each <c>TryRead…</c> returns <see langword="false"/> when the record is of another
/// type or its data was found malformed (<see cref="DnsRecord.IsDataValid"/>); offsets point into the same message.
/// </summary>
public static class DnsRData
{
    /// <summary>SERIAL, REFRESH, RETRY, EXPIRE, MINIMUM after the two SOA names.</summary>
    public const int SoaNumbersLength = 20;

    /// <summary>The RDATA bytes of a record.</summary>
    public static ReadOnlySpan<byte> Data(ReadOnlySpan<byte> message, in DnsRecord record) => message.Slice(record.DataOffset, record.DataLength);

    /// <summary>The address of an A (4 bytes) or AAAA (16 bytes) record.</summary>
    public static bool TryReadAddress(ReadOnlySpan<byte> message, in DnsRecord record, out ReadOnlySpan<byte> address)
    {
        address = default;
        if (!record.IsDataValid || record.Type is not (DnsRecordType.A or DnsRecordType.AAAA))
            return false;
        address = Data(message, record);
        return true;
    }

    /// <summary>Where the single name of a CNAME, NS, PTR or DNAME record starts.</summary>
    public static bool TryReadNameTarget(in DnsRecord record, out int nameOffset)
    {
        nameOffset = record.DataOffset;
        return record.IsDataValid && record.Type is DnsRecordType.CNAME or DnsRecordType.NS or DnsRecordType.PTR or DnsRecordType.DNAME;
    }

    public static bool TryReadMx(ReadOnlySpan<byte> message, in DnsRecord record, out DnsMx mx)
    {
        mx = default;
        if (!record.IsDataValid || record.Type != DnsRecordType.MX)
            return false;
        mx = new DnsMx(BinaryPrimitives.ReadUInt16BigEndian(message[record.DataOffset..]), record.DataOffset + 2);
        return true;
    }

    public static bool TryReadSrv(ReadOnlySpan<byte> message, in DnsRecord record, out DnsSrv srv)
    {
        srv = default;
        if (!record.IsDataValid || record.Type != DnsRecordType.SRV)
            return false;
        ReadOnlySpan<byte> data = Data(message, record);
        srv = new DnsSrv(BinaryPrimitives.ReadUInt16BigEndian(data), BinaryPrimitives.ReadUInt16BigEndian(data[2..]),
            BinaryPrimitives.ReadUInt16BigEndian(data[4..]), record.DataOffset + 6);
        return true;
    }

    public static bool TryReadSoa(ReadOnlySpan<byte> message, in DnsRecord record, out DnsSoa soa)
    {
        soa = default;
        if (!record.IsDataValid || record.Type != DnsRecordType.SOA)
            return false;
        int rname = DnsParser.GetNameEnd(message, record.DataOffset);
        int numbers = rname < 0 ? -1 : DnsParser.GetNameEnd(message, rname);
        if (numbers < 0)
            return false;
        ReadOnlySpan<byte> n = message.Slice(numbers, SoaNumbersLength);
        soa = new DnsSoa(record.DataOffset, rname, BinaryPrimitives.ReadUInt32BigEndian(n), BinaryPrimitives.ReadUInt32BigEndian(n[4..]),
            BinaryPrimitives.ReadUInt32BigEndian(n[8..]), BinaryPrimitives.ReadUInt32BigEndian(n[12..]), BinaryPrimitives.ReadUInt32BigEndian(n[16..]));
        return true;
    }

    /// <summary>SVCB or HTTPS (RFC 9460).</summary>
    public static bool TryReadSvcb(ReadOnlySpan<byte> message, in DnsRecord record, out DnsSvcb svcb)
    {
        svcb = default;
        if (!record.IsDataValid || record.Type is not (DnsRecordType.SVCB or DnsRecordType.HTTPS))
            return false;
        int target = record.DataOffset + 2;
        int parameters = DnsParser.GetNameEnd(message, target);
        if (parameters < 0)
            return false;
        svcb = new DnsSvcb(BinaryPrimitives.ReadUInt16BigEndian(message[record.DataOffset..]), target, parameters,
            record.DataOffset + record.DataLength - parameters);
        return true;
    }

    public static bool TryReadSshfp(ReadOnlySpan<byte> message, in DnsRecord record, out DnsSshfp sshfp)
    {
        sshfp = default;
        if (!record.IsDataValid || record.Type != DnsRecordType.SSHFP)
            return false;
        sshfp = new DnsSshfp(message[record.DataOffset], message[record.DataOffset + 1], record.DataOffset + 2, record.DataLength - 2);
        return true;
    }

    /// <summary>The character-strings of a TXT record, each without its length byte.</summary>
    public static DnsTxtEnumerator EnumerateText(ReadOnlySpan<byte> message, in DnsRecord record) =>
        record.IsDataValid && record.Type == DnsRecordType.TXT ? new DnsTxtEnumerator(Data(message, record)) : default;

    /// <summary>The options of an OPT record (EDNS, RFC 6891 §6.1.2).</summary>
    public static DnsTlvEnumerator EnumerateOptions(ReadOnlySpan<byte> message, in DnsRecord record) =>
        record.IsDataValid && record.Type == DnsRecordType.OPT ? new DnsTlvEnumerator(Data(message, record)) : default;

    /// <summary>The SvcParams of an SVCB/HTTPS record.</summary>
    public static DnsTlvEnumerator EnumerateParameters(ReadOnlySpan<byte> message, in DnsSvcb svcb) =>
        new(message.Slice(svcb.ParametersOffset, svcb.ParametersLength));
}

/// <summary>Enumerates TXT character-strings (u8 length + bytes). Stops at the first string that would run past the data.</summary>
public ref struct DnsTxtEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public DnsTxtEnumerator(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        Current = default;
    }

    public ReadOnlySpan<byte> Current { get; private set; }

    public readonly DnsTxtEnumerator GetEnumerator() => this;

    public bool MoveNext()
    {
        if (_position >= _data.Length)
            return false;
        int length = _data[_position];
        if (_data.Length - _position - 1 < length)
            return false;
        Current = _data.Slice(_position + 1, length);
        _position += 1 + length;
        return true;
    }
}

/// <summary>Enumerates (u16 key, u16 length, value) items: EDNS options, SVCB parameters. Stops at an item that would run past the data.</summary>
public ref struct DnsTlvEnumerator
{
    private readonly ReadOnlySpan<byte> _data;
    private int _position;

    public DnsTlvEnumerator(ReadOnlySpan<byte> data)
    {
        _data = data;
        _position = 0;
        Key = 0;
        Value = default;
    }

    public ushort Key { get; private set; }

    public ReadOnlySpan<byte> Value { get; private set; }

    public readonly DnsTlvEnumerator GetEnumerator() => this;

    /// <summary>The enumerator itself, so <c>foreach</c> reads <see cref="Key"/> and <see cref="Value"/>.</summary>
    public readonly DnsTlvEnumerator Current => this;

    public bool MoveNext()
    {
        if (_data.Length - _position < 4)
            return false;
        int length = BinaryPrimitives.ReadUInt16BigEndian(_data[(_position + 2)..]);
        if (_data.Length - _position - 4 < length)
            return false;
        Key = BinaryPrimitives.ReadUInt16BigEndian(_data[_position..]);
        Value = _data.Slice(_position + 4, length);
        _position += 4 + length;
        return true;
    }
}
