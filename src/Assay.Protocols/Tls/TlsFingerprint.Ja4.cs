using System.Buffers;
using System.Security.Cryptography;

namespace Assay.Protocols.Tls;

public static partial class TlsFingerprint
{
    // JA4 for TLS over TCP (FoxIO technical_details/JA4.md), e.g. t13d1516h2_8daaf6152771_e5627efa2ab1:
    //   ja4_a  't', version (highest non-GREASE supported_versions, else legacy_version: "13" "12" "11" "10" "s3" "s2",
    //          "00" unknown), 'd' when server_name is present else 'i', cipher count and extension count (GREASE out,
    //          SNI and ALPN in, capped at 99), first and last character of the first ALPN value ("00" without one; the
    //          first and last hex digits of its bytes when either end is not alphanumeric)
    //   ja4_b  SHA-256 of the non-GREASE cipher suites as 4-digit lower-case hex, sorted, ','-joined; first 12 hex digits
    //   ja4_c  the same for the extensions minus SNI (0000) and ALPN (0010), then '_' and the signature algorithms in
    //          their original order (no '_' when there are none); "000000000000" for an empty list in b or c.
    // GREASE is ignored everywhere, signature algorithms included (the spec's rule; nDPI keeps GREASE there).

    private const int Ja4HashLength = 12;
    private const int Ja4ALength = 10;

    /// <summary>Writes the 36-character JA4 fingerprint as ASCII into <paramref name="destination"/>.</summary>
    public static void FormatJa4(in TlsClientHello hello, Span<byte> destination)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(destination.Length, Ja4Length);
        int ciphers = CountNonGrease(hello.CipherSuites);
        WriteJa4A(hello, ciphers, CountExtensions(hello.Extensions), destination);
        destination[Ja4ALength] = (byte)'_';
        destination[Ja4ALength + 1 + Ja4HashLength] = (byte)'_';

        int listLength = 5 * Math.Max(ciphers, (hello.Extensions.Length / 4) + (hello.SignatureAlgorithms.Length / 2));
        ushort[]? rentedValues = null;
        byte[]? rentedText = null;
        try
        {
            Span<ushort> values = listLength / 5 <= StackBufferLength / 2
                ? stackalloc ushort[StackBufferLength / 2]
                : (rentedValues = ArrayPool<ushort>.Shared.Rent(listLength / 5));
            Span<byte> text = Scratch(stackalloc byte[StackBufferLength * 3], listLength, ref rentedText);

            int length = WriteSortedCiphers(hello.CipherSuites, values, text);
            WriteTruncatedSha256(text[..length], destination.Slice(Ja4ALength + 1, Ja4HashLength));
            length = WriteSortedExtensions(hello, values, text);
            WriteTruncatedSha256(text[..length], destination.Slice(Ja4ALength + 2 + Ja4HashLength, Ja4HashLength));
        }
        finally
        {
            if (rentedValues is not null)
                ArrayPool<ushort>.Shared.Return(rentedValues);
            Return(rentedText);
        }
    }

    public static string Ja4(in TlsClientHello hello)
    {
        Span<byte> text = stackalloc byte[Ja4Length];
        FormatJa4(hello, text);
        return Ascii(text);
    }

    /// <summary>
    /// JA4_r, the raw form before hashing: <c>t13d1516h2_002f,0035,…_0005,000a,…_0403,0804,…</c>
    /// (ja4_a, sorted ciphers, sorted extensions without SNI and ALPN, signature algorithms). For diagnostics and output.
    /// </summary>
    public static string Ja4Raw(in TlsClientHello hello)
    {
        int ciphers = CountNonGrease(hello.CipherSuites);
        int listLength = 5 * Math.Max(ciphers, (hello.Extensions.Length / 4) + (hello.SignatureAlgorithms.Length / 2));
        var values = new ushort[Math.Max(1, listLength / 5)];
        var a = new byte[Ja4ALength];
        var cipherText = new byte[listLength];
        var extensionText = new byte[listLength];
        WriteJa4A(hello, ciphers, CountExtensions(hello.Extensions), a);
        int cipherLength = WriteSortedCiphers(hello.CipherSuites, values, cipherText);
        int extensionLength = WriteSortedExtensions(hello, values, extensionText);
        return string.Concat(Ascii(a), "_", Ascii(cipherText.AsSpan(0, cipherLength)), "_", Ascii(extensionText.AsSpan(0, extensionLength)));
    }

    private static void WriteJa4A(in TlsClientHello hello, int ciphers, int extensions, Span<byte> destination)
    {
        destination[0] = (byte)'t';
        WriteJa4Version(hello.MaxVersion, destination[1..]);
        destination[3] = hello.HasServerName ? (byte)'d' : (byte)'i';
        WriteTwoDigits(Math.Min(ciphers, 99), destination[4..]);
        WriteTwoDigits(Math.Min(extensions, 99), destination[6..]);
        WriteJa4Alpn(hello.AlpnProtocols, destination[8..]);
    }

    private static void WriteJa4Version(ushort version, Span<byte> destination)
    {
        ReadOnlySpan<byte> name = version switch
        {
            TlsVersion.Tls13 => "13"u8,
            TlsVersion.Tls12 => "12"u8,
            TlsVersion.Tls11 => "11"u8,
            TlsVersion.Tls10 => "10"u8,
            TlsVersion.Ssl30 => "s3"u8,
            TlsVersion.Ssl20 => "s2"u8,
            0xFEFF => "d1"u8, // DTLS 1.0
            0xFEFD => "d2"u8, // DTLS 1.2
            0xFEFC => "d3"u8, // DTLS 1.3
            _ => "00"u8,
        };
        name.CopyTo(destination);
    }

    private static void WriteTwoDigits(int value, Span<byte> destination)
    {
        destination[0] = (byte)('0' + (value / 10));
        destination[1] = (byte)('0' + (value % 10));
    }

    private static void WriteJa4Alpn(ReadOnlySpan<byte> protocolNameList, Span<byte> destination)
    {
        var reader = new TlsAlpnReader(protocolNameList);
        if (!reader.TryReadNext(out ReadOnlySpan<byte> first) || first.IsEmpty)
        {
            destination[0] = (byte)'0';
            destination[1] = (byte)'0';
            return;
        }

        byte head = first[0];
        byte tail = first[^1];
        if (char.IsAsciiLetterOrDigit((char)head) && char.IsAsciiLetterOrDigit((char)tail))
        {
            destination[0] = head;
            destination[1] = tail;
        }
        else
        {
            destination[0] = HexDigits[head >> 4];
            destination[1] = HexDigits[tail & 0xF];
        }
    }

    private static int CountNonGrease(ReadOnlySpan<byte> list16)
    {
        int count = 0;
        for (int i = 0; i < list16.Length / 2; i++)
        {
            if (!TlsGrease.Is(ReadUInt16(list16, i)))
                count++;
        }

        return count;
    }

    /// <summary>Non-GREASE cipher suites, sorted, as "xxxx,xxxx"; returns the text length.</summary>
    private static int WriteSortedCiphers(ReadOnlySpan<byte> cipherSuites, Span<ushort> values, Span<byte> text)
    {
        int count = 0;
        for (int i = 0; i < cipherSuites.Length / 2; i++)
        {
            ushort value = ReadUInt16(cipherSuites, i);
            if (!TlsGrease.Is(value))
                values[count++] = value;
        }

        // Numeric order of uint16 is the order of their 4-digit hex strings.
        values[..count].Sort();
        return WriteHexList(values[..count], text);
    }

    /// <summary>Non-GREASE extensions except SNI and ALPN, sorted, then '_' and the signature algorithms as sent.</summary>
    private static int WriteSortedExtensions(in TlsClientHello hello, Span<ushort> values, Span<byte> text)
    {
        int count = 0;
        var reader = new TlsExtensionReader(hello.Extensions);
        while (reader.TryReadNext(out ushort type, out _))
        {
            if (!TlsGrease.Is(type)
                && type != (ushort)TlsExtensionType.ServerName
                && type != (ushort)TlsExtensionType.ApplicationLayerProtocolNegotiation)
            {
                values[count++] = type;
            }
        }

        if (count == 0)
            return 0;

        values[..count].Sort();
        int length = WriteHexList(values[..count], text);
        bool first = true;
        ReadOnlySpan<byte> algorithms = hello.SignatureAlgorithms;
        for (int i = 0; i < algorithms.Length / 2; i++)
        {
            ushort algorithm = ReadUInt16(algorithms, i);
            if (TlsGrease.Is(algorithm))
                continue;
            text[length++] = first ? (byte)'_' : (byte)',';
            first = false;
            WriteHex4(algorithm, text[length..]);
            length += 4;
        }

        return length;
    }

    private static int WriteHexList(ReadOnlySpan<ushort> values, Span<byte> text)
    {
        int length = 0;
        for (int i = 0; i < values.Length; i++)
        {
            if (i > 0)
                text[length++] = (byte)',';
            WriteHex4(values[i], text[length..]);
            length += 4;
        }

        return length;
    }

    /// <summary>First 12 hex digits of SHA-256(<paramref name="text"/>), or "000000000000" for an empty list.</summary>
    private static void WriteTruncatedSha256(ReadOnlySpan<byte> text, Span<byte> destination)
    {
        if (text.IsEmpty)
        {
            destination[..Ja4HashLength].Fill((byte)'0');
            return;
        }

        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(text, hash);
        WriteHex(hash[..(Ja4HashLength / 2)], destination);
    }
}
