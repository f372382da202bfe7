using System.Buffers.Binary;
using System.Globalization;

namespace Assay.Synthesis.Packets;

/// <summary>A 48-bit MAC address held in the low bits of a <see cref="ulong"/> (first octet most significant).</summary>
public readonly record struct MacAddress(ulong Value)
{
    public const int Length = 6;

    public static MacAddress Broadcast { get; } = new(0xFFFF_FFFF_FFFF);
    public static MacAddress Zero { get; } = new(0);

    /// <summary>A locally administered unicast address (<c>02:…</c>) whose low 40 bits are <paramref name="id"/>.</summary>
    public static MacAddress Local(ulong id) => new(0x0200_0000_0000UL | (id & 0xFF_FFFF_FFFFUL));

    /// <summary>Parses <c>aa:bb:cc:dd:ee:ff</c> or <c>aa-bb-cc-dd-ee-ff</c>. Tooling only: throws on bad input.</summary>
    public static MacAddress Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string[] parts = text.Split(':', '-');
        if (parts.Length != Length)
            throw new FormatException($"'{text}' is not a MAC address.");
        ulong value = 0;
        foreach (string part in parts)
            value = (value << 8) | byte.Parse(part, NumberStyles.HexNumber, CultureInfo.InvariantCulture);
        return new MacAddress(value);
    }

    public void WriteTo(Span<byte> destination)
    {
        BinaryPrimitives.WriteUInt16BigEndian(destination, (ushort)(Value >> 32));
        BinaryPrimitives.WriteUInt32BigEndian(destination[2..], (uint)Value);
    }

    public byte[] ToArray()
    {
        byte[] bytes = new byte[Length];
        WriteTo(bytes);
        return bytes;
    }

    public override string ToString() =>
        string.Create(CultureInfo.InvariantCulture,
            $"{(byte)(Value >> 40):x2}:{(byte)(Value >> 32):x2}:{(byte)(Value >> 24):x2}:{(byte)(Value >> 16):x2}:{(byte)(Value >> 8):x2}:{(byte)Value:x2}");
}
