using System.Buffers.Binary;

namespace Assay.Synthesis.Packets;

/// <summary>Builds the option bytes of a TCP header (RFC 9293 §3.2, RFC 7323, RFC 2018). Order is exactly the call order.</summary>
/// <example><c>new TcpOptionList().Mss(1460).SackPermitted().Timestamps(1, 0).Nop().WindowScale(7).ToArray()</c> is Linux's SYN.</example>
public sealed class TcpOptionList
{
    public const byte KindEndOfList = 0;
    public const byte KindNop = 1;
    public const byte KindMss = 2;
    public const byte KindWindowScale = 3;
    public const byte KindSackPermitted = 4;
    public const byte KindSack = 5;
    public const byte KindTimestamps = 8;

    private readonly List<byte> _bytes = new(40);

    public int Length => _bytes.Count;

    public TcpOptionList Nop()
    {
        _bytes.Add(KindNop);
        return this;
    }

    public TcpOptionList EndOfList()
    {
        _bytes.Add(KindEndOfList);
        return this;
    }

    public TcpOptionList Mss(ushort mss)
    {
        _bytes.Add(KindMss);
        _bytes.Add(4);
        AddUInt16(mss);
        return this;
    }

    public TcpOptionList WindowScale(byte shift)
    {
        _bytes.Add(KindWindowScale);
        _bytes.Add(3);
        _bytes.Add(shift);
        return this;
    }

    public TcpOptionList SackPermitted()
    {
        _bytes.Add(KindSackPermitted);
        _bytes.Add(2);
        return this;
    }

    public TcpOptionList Timestamps(uint value, uint echoReply)
    {
        _bytes.Add(KindTimestamps);
        _bytes.Add(10);
        AddUInt32(value);
        AddUInt32(echoReply);
        return this;
    }

    /// <summary>SACK blocks as (left edge, right edge) pairs; at most 4 fit.</summary>
    public TcpOptionList Sack(params ReadOnlySpan<(uint Left, uint Right)> blocks)
    {
        _bytes.Add(KindSack);
        _bytes.Add((byte)(2 + (8 * blocks.Length)));
        foreach ((uint left, uint right) in blocks)
        {
            AddUInt32(left);
            AddUInt32(right);
        }

        return this;
    }

    /// <summary>Any option, written as kind, length (2 + data), data. Use for malformed or unknown options.</summary>
    public TcpOptionList Raw(byte kind, ReadOnlySpan<byte> data)
    {
        _bytes.Add(kind);
        _bytes.Add((byte)(2 + data.Length));
        foreach (byte b in data)
            _bytes.Add(b);
        return this;
    }

    /// <summary>The option bytes, not padded (the builder pads the header to a multiple of 4 with end-of-list bytes).</summary>
    public byte[] ToArray() => [.. _bytes];

    private void AddUInt16(ushort value)
    {
        Span<byte> b = stackalloc byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(b, value);
        _bytes.Add(b[0]);
        _bytes.Add(b[1]);
    }

    private void AddUInt32(uint value)
    {
        Span<byte> b = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(b, value);
        foreach (byte x in b)
            _bytes.Add(x);
    }
}
