using System.Buffers;
using System.Buffers.Binary;
using System.Buffers.Text;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace Assay.Protocols.Tls;

/// <summary>
/// Client and server fingerprints of a hello. JA3/JA3S (Salesforce, 2017): the hello's lists in decimal, MD5-hashed;
/// JA4 (FoxIO, <c>technical_details/JA4.md</c>): a readable prefix and two truncated SHA-256 hashes of sorted lists.
/// The span methods allocate nothing (lists are formatted into stack or pooled buffers and hashed in place); the
/// <see cref="string"/> ones are for the output boundary.
/// </summary>
public static partial class TlsFingerprint
{
    /// <summary>Length of a JA4 fingerprint: <c>t13d1516h2_8daaf6152771_e5627efa2ab1</c>.</summary>
    public const int Ja4Length = 36;

    public const int Md5Length = 16;

    /// <summary>Scratch lists at most this long live on the stack; longer ones (hostile hellos) are rented.</summary>
    private const int StackBufferLength = 512;

    private static ReadOnlySpan<byte> HexDigits => "0123456789abcdef"u8;

    /// <summary>Lower-case hex of <paramref name="bytes"/> into <paramref name="destination"/> (twice as long).</summary>
    internal static void WriteHex(ReadOnlySpan<byte> bytes, Span<byte> destination)
    {
        for (int i = 0; i < bytes.Length; i++)
        {
            destination[2 * i] = HexDigits[bytes[i] >> 4];
            destination[(2 * i) + 1] = HexDigits[bytes[i] & 0xF];
        }
    }

    /// <summary>Four lower-case hex digits, as JA4 writes every code point.</summary>
    private static void WriteHex4(ushort value, Span<byte> destination)
    {
        destination[0] = HexDigits[value >> 12];
        destination[1] = HexDigits[(value >> 8) & 0xF];
        destination[2] = HexDigits[(value >> 4) & 0xF];
        destination[3] = HexDigits[value & 0xF];
    }

    /// <summary>MD5 of <paramref name="text"/> as 32 lower-case hex characters.</summary>
    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "JA3 is defined as an MD5; it is an identifier, not a security control.")]
    private static string Md5Hex(ReadOnlySpan<byte> text)
    {
        Span<byte> hash = stackalloc byte[Md5Length];
        MD5.HashData(text, hash);
        return Convert.ToHexStringLower(hash);
    }

    [SuppressMessage("Security", "CA5351:Do Not Use Broken Cryptographic Algorithms", Justification = "JA3 is defined as an MD5; it is an identifier, not a security control.")]
    private static void Md5(ReadOnlySpan<byte> text, Span<byte> destination) => MD5.HashData(text, destination);

    /// <summary>A scratch byte buffer: <paramref name="stack"/> when it is long enough, else one rented into <paramref name="rented"/>.</summary>
    private static Span<byte> Scratch(Span<byte> stack, int length, ref byte[]? rented) =>
        length <= stack.Length ? stack[..length] : (rented = ArrayPool<byte>.Shared.Rent(length)).AsSpan(0, length);

    private static void Return(byte[]? rented)
    {
        if (rented is not null)
            ArrayPool<byte>.Shared.Return(rented);
    }

    /// <summary>Appends <paramref name="value"/> in decimal at <paramref name="position"/>.</summary>
    private static void WriteDecimal(uint value, Span<byte> destination, ref int position)
    {
        Utf8Formatter.TryFormat(value, destination[position..], out int written);
        position += written;
    }

    private static string Ascii(ReadOnlySpan<byte> text) => Encoding.ASCII.GetString(text);

    /// <summary>Extensions in a block, GREASE excluded.</summary>
    private static int CountExtensions(ReadOnlySpan<byte> extensions)
    {
        int count = 0;
        var reader = new TlsExtensionReader(extensions);
        while (reader.TryReadNext(out ushort type, out _))
        {
            if (!TlsGrease.Is(type))
                count++;
        }

        return count;
    }

    private static ushort ReadUInt16(ReadOnlySpan<byte> list, int index) => BinaryPrimitives.ReadUInt16BigEndian(list[(2 * index)..]);
}
