using System.Buffers.Binary;
using System.Text;
using Assay.Protocols.Dns;

namespace Assay.Protocols.Tests.Dns;

/// <summary>Builds DNS messages byte by byte for tests: names uncompressed unless written raw with <see cref="Pointer"/>.</summary>
internal sealed class DnsMessageBuilder
{
    private readonly List<byte> _bytes = [];
    private readonly ushort[] _counts = new ushort[4];

    public DnsMessageBuilder(ushort id = 0x1234, ushort flags = 0x0100)
    {
        Span<byte> header = stackalloc byte[12];
        header.Clear();
        BinaryPrimitives.WriteUInt16BigEndian(header, id);
        BinaryPrimitives.WriteUInt16BigEndian(header[2..], flags);
        _bytes.AddRange(header.ToArray());
    }

    /// <summary>Offset the next item will be written at (for pointers).</summary>
    public int Position => _bytes.Count;

    public DnsMessageBuilder Question(string name, DnsRecordType type, ushort @class = 1) => QuestionRaw(Name(name), type, @class);

    public DnsMessageBuilder QuestionRaw(byte[] name, DnsRecordType type, ushort @class = 1)
    {
        _bytes.AddRange(name);
        AddU16((ushort)type);
        AddU16(@class);
        _counts[0]++;
        return this;
    }

    public DnsMessageBuilder Record(DnsSection section, string name, DnsRecordType type, uint ttl, byte[] data, ushort @class = 1) =>
        RecordRaw(section, Name(name), type, ttl, data, @class);

    public DnsMessageBuilder Answer(string name, DnsRecordType type, uint ttl, byte[] data) => Record(DnsSection.Answer, name, type, ttl, data);

    public DnsMessageBuilder RecordRaw(DnsSection section, byte[] name, DnsRecordType type, uint ttl, byte[] data, ushort @class = 1)
    {
        _bytes.AddRange(name);
        AddU16((ushort)type);
        AddU16(@class);
        AddU16((ushort)(ttl >> 16));
        AddU16((ushort)ttl);
        AddU16((ushort)data.Length);
        _bytes.AddRange(data);
        _counts[(int)section]++;
        return this;
    }

    /// <summary>Appends raw bytes (no count changes).</summary>
    public DnsMessageBuilder Raw(params byte[] bytes)
    {
        _bytes.AddRange(bytes);
        return this;
    }

    /// <summary>Overrides a header count (to declare more records than are present).</summary>
    public DnsMessageBuilder Count(DnsSection section, ushort count)
    {
        _counts[(int)section] = count;
        return this;
    }

    public byte[] Build()
    {
        byte[] message = [.. _bytes];
        for (int i = 0; i < 4; i++)
            BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(4 + 2 * i), _counts[i]);
        return message;
    }

    public static byte[] Name(string name)
    {
        var bytes = new List<byte>();
        if (name.Length != 0)
        {
            foreach (string label in name.Split('.'))
            {
                byte[] l = Encoding.Latin1.GetBytes(label);
                bytes.Add((byte)l.Length);
                bytes.AddRange(l);
            }
        }

        bytes.Add(0);
        return [.. bytes];
    }

    /// <summary>Labels then a compression pointer (no terminator).</summary>
    public static byte[] NameWithPointer(string labels, int target)
    {
        byte[] name = Name(labels);
        return [.. name.AsSpan(0, name.Length - 1), .. Pointer(target)];
    }

    public static byte[] Pointer(int target) => [(byte)(0xC0 | (target >> 8)), (byte)target];

    public static byte[] U16(ushort value) => [(byte)(value >> 8), (byte)value];

    public static byte[] U32(uint value) => [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];

    public static byte[] Txt(params string[] strings)
    {
        var bytes = new List<byte>();
        foreach (string s in strings)
        {
            byte[] b = Encoding.UTF8.GetBytes(s);
            bytes.Add((byte)b.Length);
            bytes.AddRange(b);
        }

        return [.. bytes];
    }

    public static byte[] Mx(ushort preference, string exchange) => [.. U16(preference), .. Name(exchange)];

    public static byte[] Srv(ushort priority, ushort weight, ushort port, string target) => [.. U16(priority), .. U16(weight), .. U16(port), .. Name(target)];

    public static byte[] Soa(string mname, string rname, uint serial, uint refresh, uint retry, uint expire, uint minimum) =>
        [.. Name(mname), .. Name(rname), .. U32(serial), .. U32(refresh), .. U32(retry), .. U32(expire), .. U32(minimum)];

    /// <summary>SVCB/HTTPS: priority, target, then (key, value) parameters.</summary>
    public static byte[] Svcb(ushort priority, string target, params (ushort Key, byte[] Value)[] parameters)
    {
        var bytes = new List<byte>();
        bytes.AddRange(U16(priority));
        bytes.AddRange(Name(target));
        foreach (var (key, value) in parameters)
        {
            bytes.AddRange(U16(key));
            bytes.AddRange(U16((ushort)value.Length));
            bytes.AddRange(value);
        }

        return [.. bytes];
    }

    private void AddU16(ushort value)
    {
        _bytes.Add((byte)(value >> 8));
        _bytes.Add((byte)value);
    }
}
