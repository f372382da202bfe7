using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using System.Text.Unicode;
using Assay.Flows;
using Assay.Protocols.Dns;

namespace Assay.Output.Dns;

/// <summary>
/// Writes EVE <c>dns</c> events in Suricata 8's default form (DNS log version 3: one event per message, <c>dns.type</c>
/// <c>request</c> or <c>response</c>, detailed <c>answers</c> plus <c>grouped</c>). One instance per worker, used with
/// that worker's <see cref="EveFormatter"/>; it owns the scratch buffers names are decoded into, so writing allocates
/// nothing once they have grown.
/// </summary>
/// <remarks>
/// Byte strings (names, TXT, NULL data) are written as Suricata's <c>set_string_from_bytes</c> does: valid UTF-8 as is,
/// otherwise ASCII bytes as is and every other byte as the four characters <c>\xNN</c>. Addresses in A/AAAA records are
/// written as Suricata does (AAAA as eight four-digit groups, not RFC 5952). <c>src_*</c>/<c>dest_*</c> are the
/// packet's own direction, as Suricata logs DNS records.
/// </remarks>
public sealed class DnsEveWriter
{
    /// <summary>The <c>dns.version</c> written (Suricata 8's default).</summary>
    public const int Version = 3;

    private const string HexDigits = "0123456789abcdef";

    // Names written in every event, encoded once: a UTF-8 literal name is checked for escaping at every write.
    private static readonly JsonEncodedText s_flowId = JsonEncodedText.Encode("flow_id"u8);
    private static readonly JsonEncodedText s_pcapCnt = JsonEncodedText.Encode("pcap_cnt"u8);
    private static readonly JsonEncodedText s_dns = JsonEncodedText.Encode("dns"u8);
    private static readonly JsonEncodedText s_version = JsonEncodedText.Encode("version"u8);
    private static readonly JsonEncodedText s_type = JsonEncodedText.Encode("type"u8);
    private static readonly JsonEncodedText s_request = JsonEncodedText.Encode("request"u8);
    private static readonly JsonEncodedText s_response = JsonEncodedText.Encode("response"u8);
    private static readonly JsonEncodedText s_txId = JsonEncodedText.Encode("tx_id"u8);
    private static readonly JsonEncodedText s_id = JsonEncodedText.Encode("id"u8);
    private static readonly JsonEncodedText s_flags = JsonEncodedText.Encode("flags"u8);
    private static readonly JsonEncodedText s_qr = JsonEncodedText.Encode("qr"u8);
    private static readonly JsonEncodedText s_aa = JsonEncodedText.Encode("aa"u8);
    private static readonly JsonEncodedText s_tc = JsonEncodedText.Encode("tc"u8);
    private static readonly JsonEncodedText s_rd = JsonEncodedText.Encode("rd"u8);
    private static readonly JsonEncodedText s_ra = JsonEncodedText.Encode("ra"u8);
    private static readonly JsonEncodedText s_z = JsonEncodedText.Encode("z"u8);
    private static readonly JsonEncodedText s_opcode = JsonEncodedText.Encode("opcode"u8);
    private static readonly JsonEncodedText s_rcode = JsonEncodedText.Encode("rcode"u8);
    private static readonly JsonEncodedText s_queries = JsonEncodedText.Encode("queries"u8);
    private static readonly JsonEncodedText s_answers = JsonEncodedText.Encode("answers"u8);
    private static readonly JsonEncodedText s_authorities = JsonEncodedText.Encode("authorities"u8);
    private static readonly JsonEncodedText s_additionals = JsonEncodedText.Encode("additionals"u8);
    private static readonly JsonEncodedText s_grouped = JsonEncodedText.Encode("grouped"u8);
    private static readonly JsonEncodedText s_rrname = JsonEncodedText.Encode("rrname"u8);
    private static readonly JsonEncodedText s_rrtype = JsonEncodedText.Encode("rrtype"u8);
    private static readonly JsonEncodedText s_ttl = JsonEncodedText.Encode("ttl"u8);
    private static readonly JsonEncodedText s_rdata = JsonEncodedText.Encode("rdata"u8);

    private readonly byte[] _name = new byte[DnsParser.MaxDnsNameLength];
    private readonly byte[] _scratch = new byte[64];
    private byte[] _text = new byte[4 * DnsParser.MaxDnsNameLength];

    /// <summary>Writes one <c>dns</c> event for a parsed message.</summary>
    /// <param name="timestamp">Packet time (Unix nanoseconds).</param>
    /// <param name="packetNumber">1-based packet number (<c>pcap_cnt</c>); 0 to leave it out.</param>
    /// <param name="toServer">The packet went client → server (decides which side is <c>src_*</c>).</param>
    /// <param name="txId">The message's index in its flow (<c>dns.tx_id</c>, see <see cref="DnsTransactionTable"/>); negative to leave it out.</param>
    public void Write(EveFormatter eve, in FlowRecord flow, long timestamp, long packetNumber, bool toServer, long txId,
        in DnsMessageReader dns, ReadOnlySpan<byte> message)
    {
        Utf8JsonWriter json = eve.BeginEvent(timestamp, "dns"u8);
        json.WriteNumber(s_flowId, flow.FlowId);
        if (packetNumber > 0)
            json.WriteNumber(s_pcapCnt, packetNumber);
        eve.WriteFlowTuple(in flow, toServer);

        json.WriteStartObject(s_dns);
        json.WriteNumber(s_version, Version);
        json.WriteString(s_type, dns.IsResponse ? s_response : s_request);
        if (txId >= 0)
            json.WriteNumber(s_txId, txId);
        json.WriteNumber(s_id, dns.Id);
        Utf8Formatter.TryFormat(dns.RawFlags, _scratch, out int n, new StandardFormat('x'));
        json.WriteString(s_flags, _scratch.AsSpan(0, n));
        DnsHeaderFlags flags = dns.Flags;
        WriteFlag(json, s_qr, flags, DnsHeaderFlags.Response);
        WriteFlag(json, s_aa, flags, DnsHeaderFlags.AuthoritativeAnswer);
        WriteFlag(json, s_tc, flags, DnsHeaderFlags.Truncated);
        WriteFlag(json, s_rd, flags, DnsHeaderFlags.RecursionDesired);
        WriteFlag(json, s_ra, flags, DnsHeaderFlags.RecursionAvailable);
        WriteFlag(json, s_z, flags, DnsHeaderFlags.Z);
        json.WriteNumber(s_opcode, dns.Opcode);
        ReadOnlySpan<byte> rcode = DnsMnemonics.ResponseCode(dns.ResponseCode);
        if (rcode.IsEmpty)
        {
            Utf8Formatter.TryFormat(dns.ResponseCode, _scratch, out n);
            rcode = _scratch.AsSpan(0, n);
        }

        json.WriteString(s_rcode, rcode);

        ReadOnlySpan<DnsRecord> questions = dns.Questions;
        if (!questions.IsEmpty)
        {
            json.WriteStartArray(s_queries);
            foreach (ref readonly DnsRecord question in questions)
            {
                json.WriteStartObject();
                n = DnsParser.ReadName(message, question.NameOffset, _name, out DnsNameFlags nameFlags);
                WriteBytes(json, s_rrname, _name.AsSpan(0, n));
                WriteType(json, question.Type);
                if ((nameFlags & DnsNameFlags.Truncated) != 0)
                    json.WriteBoolean("rrname_truncated"u8, true);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        }

        WriteRecords(json, s_answers, dns.Answers, message);
        WriteGrouped(json, dns.Answers, message);
        WriteRecords(json, s_authorities, dns.Authorities, message);
        WriteRecords(json, s_additionals, dns.Additionals, message);
        json.WriteEndObject();
        eve.EndEvent();
    }

    private static void WriteFlag(Utf8JsonWriter json, JsonEncodedText name, DnsHeaderFlags flags, DnsHeaderFlags flag)
    {
        if ((flags & flag) != 0)
            json.WriteBoolean(name, true);
    }

    /// <summary>A section as Suricata's detailed form: one object per record, one per string of a TXT record.</summary>
    private void WriteRecords(Utf8JsonWriter json, JsonEncodedText property, ReadOnlySpan<DnsRecord> records, ReadOnlySpan<byte> message)
    {
        bool open = false;
        foreach (ref readonly DnsRecord record in records)
        {
            if (record.IsDataValid && record.Type == DnsRecordType.TXT)
            {
                foreach (ReadOnlySpan<byte> text in DnsRData.EnumerateText(message, record))
                {
                    Open(json, property, ref open);
                    json.WriteStartObject();
                    WriteOwner(json, in record, message);
                    WriteBytes(json, s_rdata, text);
                    json.WriteEndObject();
                }

                continue;
            }

            // An OPT record without options says nothing Suricata logs (it skips those).
            if (record.Type == DnsRecordType.OPT && (record.DataLength == 0 || !record.IsDataValid))
                continue;

            Open(json, property, ref open);
            json.WriteStartObject();
            WriteOwner(json, in record, message);
            WriteData(json, in record, message);
            json.WriteEndObject();
        }

        if (open)
            json.WriteEndArray();
    }

    private static void Open(Utf8JsonWriter json, JsonEncodedText property, ref bool open)
    {
        if (!open)
        {
            json.WriteStartArray(property);
            open = true;
        }
    }

    private void WriteOwner(Utf8JsonWriter json, in DnsRecord record, ReadOnlySpan<byte> message)
    {
        int n = DnsParser.ReadName(message, record.NameOffset, _name, out DnsNameFlags flags);
        WriteBytes(json, s_rrname, _name.AsSpan(0, n));
        if ((flags & DnsNameFlags.Truncated) != 0)
            json.WriteBoolean("rrname_truncated"u8, true);
        WriteType(json, record.Type);
        json.WriteNumber(s_ttl, record.Ttl);
    }

    /// <summary>The type-specific part of a detailed record, as Suricata's <c>dns_log_json_answer_detail</c>.</summary>
    private void WriteData(Utf8JsonWriter json, in DnsRecord record, ReadOnlySpan<byte> message)
    {
        if (!record.IsDataValid)
            return;
        switch (record.Type)
        {
            case DnsRecordType.A:
            case DnsRecordType.AAAA:
                json.WriteString(s_rdata, FormatAddress(DnsRData.Data(message, record)));
                break;
            case DnsRecordType.CNAME:
            case DnsRecordType.NS:
            case DnsRecordType.PTR:
            case DnsRecordType.DNAME:
                WriteName(json, "rdata"u8, "rdata_truncated"u8, message, record.DataOffset);
                break;
            case DnsRecordType.MX:
                DnsRData.TryReadMx(message, record, out DnsMx mx);
                WriteName(json, "rdata"u8, "rdata_truncated"u8, message, mx.ExchangeOffset);
                break;
            case DnsRecordType.NULL:
                WriteBytes(json, "rdata"u8, DnsRData.Data(message, record));
                break;
            case DnsRecordType.SOA:
                if (DnsRData.TryReadSoa(message, record, out DnsSoa soa))
                {
                    json.WritePropertyName("soa"u8);
                    WriteSoa(json, in soa, message);
                }

                break;
            case DnsRecordType.SRV:
                if (DnsRData.TryReadSrv(message, record, out DnsSrv srv))
                {
                    json.WritePropertyName("srv"u8);
                    WriteSrv(json, in srv, message);
                }

                break;
            case DnsRecordType.SSHFP:
                if (DnsRData.TryReadSshfp(message, record, out DnsSshfp sshfp))
                {
                    json.WritePropertyName("sshfp"u8);
                    WriteSshfp(json, in sshfp, message);
                }

                break;
            case DnsRecordType.OPT:
                json.WriteStartArray("opt"u8);
                foreach (DnsTlvEnumerator option in DnsRData.EnumerateOptions(message, record))
                {
                    json.WriteStartObject();
                    json.WriteNumber("code"u8, option.Key);
                    json.WriteString("data"u8, Hex(option.Value, separator: false));
                    json.WriteEndObject();
                }

                json.WriteEndArray();
                break;
        }
    }

    /// <summary>
    /// <c>dns.grouped</c>: answer data by type (A, AAAA, CNAME, MX, NS, PTR, TXT, NULL, SOA, SRV, SSHFP), types in order
    /// of first appearance. Written only when some answer has groupable data.
    /// </summary>
    private void WriteGrouped(Utf8JsonWriter json, ReadOnlySpan<DnsRecord> answers, ReadOnlySpan<byte> message)
    {
        bool open = false;
        for (int i = 0; i < answers.Length; i++)
        {
            DnsRecordType type = answers[i].Type;
            if (!IsGroupable(in answers[i]) || SeenBefore(answers, i))
                continue;
            if (!open)
            {
                json.WriteStartObject(s_grouped);
                open = true;
            }

            json.WriteStartArray(TypeName(type));
            for (int j = i; j < answers.Length; j++)
            {
                if (answers[j].Type == type && IsGroupable(in answers[j]))
                    WriteGroupedValue(json, in answers[j], message);
            }

            json.WriteEndArray();
        }

        if (open)
            json.WriteEndObject();
    }

    private static bool SeenBefore(ReadOnlySpan<DnsRecord> answers, int index)
    {
        for (int k = 0; k < index; k++)
        {
            if (answers[k].Type == answers[index].Type && IsGroupable(in answers[k]))
                return true;
        }

        return false;
    }

    private static bool IsGroupable(in DnsRecord record) => record.IsDataValid && record.Type switch
    {
        DnsRecordType.A or DnsRecordType.AAAA or DnsRecordType.CNAME or DnsRecordType.MX or DnsRecordType.NS or DnsRecordType.PTR
            or DnsRecordType.NULL or DnsRecordType.SOA or DnsRecordType.SRV or DnsRecordType.SSHFP => true,
        // A TXT record without strings contributes no value; an empty group would break the schema's minItems.
        DnsRecordType.TXT => record.DataLength != 0,
        _ => false,
    };

    private void WriteGroupedValue(Utf8JsonWriter json, in DnsRecord record, ReadOnlySpan<byte> message)
    {
        int n;
        switch (record.Type)
        {
            case DnsRecordType.A:
            case DnsRecordType.AAAA:
                json.WriteStringValue(FormatAddress(DnsRData.Data(message, record)));
                break;
            case DnsRecordType.CNAME:
            case DnsRecordType.NS:
            case DnsRecordType.PTR:
                n = DnsParser.ReadName(message, record.DataOffset, _name, out _);
                WriteBytesValue(json, _name.AsSpan(0, n));
                break;
            case DnsRecordType.MX:
                DnsRData.TryReadMx(message, record, out DnsMx mx);
                n = DnsParser.ReadName(message, mx.ExchangeOffset, _name, out _);
                WriteBytesValue(json, _name.AsSpan(0, n));
                break;
            case DnsRecordType.TXT:
                foreach (ReadOnlySpan<byte> text in DnsRData.EnumerateText(message, record))
                    WriteBytesValue(json, text);
                break;
            case DnsRecordType.NULL:
                WriteBytesValue(json, DnsRData.Data(message, record));
                break;
            case DnsRecordType.SOA:
                if (DnsRData.TryReadSoa(message, record, out DnsSoa soa))
                    WriteSoa(json, in soa, message);
                break;
            case DnsRecordType.SRV:
                if (DnsRData.TryReadSrv(message, record, out DnsSrv srv))
                    WriteSrv(json, in srv, message);
                break;
            case DnsRecordType.SSHFP:
                if (DnsRData.TryReadSshfp(message, record, out DnsSshfp sshfp))
                    WriteSshfp(json, in sshfp, message);
                break;
        }
    }

    private void WriteSoa(Utf8JsonWriter json, in DnsSoa soa, ReadOnlySpan<byte> message)
    {
        json.WriteStartObject();
        WriteName(json, "mname"u8, "mname_truncated"u8, message, soa.MNameOffset);
        WriteName(json, "rname"u8, "rname_truncated"u8, message, soa.RNameOffset);
        json.WriteNumber("serial"u8, soa.Serial);
        json.WriteNumber("refresh"u8, soa.Refresh);
        json.WriteNumber("retry"u8, soa.Retry);
        json.WriteNumber("expire"u8, soa.Expire);
        json.WriteNumber("minimum"u8, soa.Minimum);
        json.WriteEndObject();
    }

    private void WriteSrv(Utf8JsonWriter json, in DnsSrv srv, ReadOnlySpan<byte> message)
    {
        json.WriteStartObject();
        json.WriteNumber("priority"u8, srv.Priority);
        json.WriteNumber("weight"u8, srv.Weight);
        json.WriteNumber("port"u8, srv.Port);
        int n = DnsParser.ReadName(message, srv.TargetOffset, _name, out _);
        WriteBytes(json, "name"u8, _name.AsSpan(0, n));
        json.WriteEndObject();
    }

    private void WriteSshfp(Utf8JsonWriter json, in DnsSshfp sshfp, ReadOnlySpan<byte> message)
    {
        json.WriteStartObject();
        json.WriteString("fingerprint"u8, Hex(message.Slice(sshfp.FingerprintOffset, sshfp.FingerprintLength), separator: true));
        json.WriteNumber("algo"u8, sshfp.Algorithm);
        json.WriteNumber("type"u8, sshfp.FingerprintType);
        json.WriteEndObject();
    }

    /// <summary>A name property, plus <paramref name="truncatedName"/>: true when it was cut at <see cref="DnsParser.MaxDnsNameLength"/>.</summary>
    private void WriteName(Utf8JsonWriter json, ReadOnlySpan<byte> property, ReadOnlySpan<byte> truncatedName, ReadOnlySpan<byte> message, int offset)
    {
        int n = DnsParser.ReadName(message, offset, _name, out DnsNameFlags flags);
        WriteBytes(json, property, _name.AsSpan(0, n));
        if ((flags & DnsNameFlags.Truncated) != 0)
            json.WriteBoolean(truncatedName, true);
    }

    private void WriteType(Utf8JsonWriter json, DnsRecordType type) => json.WriteString(s_rrtype, TypeName(type));

    /// <summary>The type's mnemonic, or its number (as Suricata writes types it does not name).</summary>
    private ReadOnlySpan<byte> TypeName(DnsRecordType type)
    {
        ReadOnlySpan<byte> name = DnsMnemonics.RecordType(type);
        if (!name.IsEmpty)
            return name;
        Utf8Formatter.TryFormat((ushort)type, _scratch, out int n);
        return _scratch.AsSpan(0, n);
    }

    /// <summary>A (dotted quad) or AAAA (eight groups of four hex digits, as Suricata's <c>dns_print_addr</c>).</summary>
    private ReadOnlySpan<byte> FormatAddress(ReadOnlySpan<byte> address)
    {
        Span<byte> output = _scratch;
        int n = 0;
        if (address.Length == 4)
        {
            for (int i = 0; i < 4; i++)
            {
                if (i != 0)
                    output[n++] = (byte)'.';
                Utf8Formatter.TryFormat(address[i], output[n..], out int digits);
                n += digits;
            }

            return output[..n];
        }

        for (int i = 0; i < address.Length; i++)
        {
            if (i != 0 && (i & 1) == 0)
                output[n++] = (byte)':';
            output[n++] = (byte)HexDigits[address[i] >> 4];
            output[n++] = (byte)HexDigits[address[i] & 0xF];
        }

        return output[..n];
    }

    /// <summary>Lower-case hex, optionally with ':' between bytes (SSHFP fingerprints).</summary>
    private ReadOnlySpan<byte> Hex(ReadOnlySpan<byte> bytes, bool separator)
    {
        Span<byte> output = TextBuffer(3 * bytes.Length);
        int n = 0;
        for (int i = 0; i < bytes.Length; i++)
        {
            if (separator && i != 0)
                output[n++] = (byte)':';
            output[n++] = (byte)HexDigits[bytes[i] >> 4];
            output[n++] = (byte)HexDigits[bytes[i] & 0xF];
        }

        return output[..n];
    }

    private void WriteBytes(Utf8JsonWriter json, ReadOnlySpan<byte> property, ReadOnlySpan<byte> bytes) =>
        json.WriteString(property, AsUtf8(bytes));

    private void WriteBytes(Utf8JsonWriter json, JsonEncodedText property, ReadOnlySpan<byte> bytes) =>
        json.WriteString(property, AsUtf8(bytes));

    private void WriteBytesValue(Utf8JsonWriter json, ReadOnlySpan<byte> bytes) => json.WriteStringValue(AsUtf8(bytes));

    /// <summary>
    /// Suricata's <c>set_string_from_bytes</c>: valid UTF-8 unchanged; otherwise ASCII kept and every other byte written
    /// as <c>\xNN</c> (Utf8JsonWriter would reject invalid UTF-8).
    /// </summary>
    private ReadOnlySpan<byte> AsUtf8(ReadOnlySpan<byte> bytes)
    {
        if (Utf8.IsValid(bytes))
            return bytes;
        Span<byte> output = TextBuffer(4 * bytes.Length);
        int n = 0;
        foreach (byte b in bytes)
        {
            if (b < 0x80)
            {
                output[n++] = b;
                continue;
            }

            output[n++] = (byte)'\\';
            output[n++] = (byte)'x';
            output[n++] = (byte)HexDigits[b >> 4];
            output[n++] = (byte)HexDigits[b & 0xF];
        }

        return output[..n];
    }

    /// <summary>The text scratch buffer, grown (rarely: NULL or OPT data longer than a name) to hold <paramref name="length"/> bytes.</summary>
    private Span<byte> TextBuffer(int length)
    {
        if (_text.Length < length)
            _text = new byte[Math.Max(length, 2 * _text.Length)];
        return _text;
    }
}
