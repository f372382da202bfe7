namespace Assay.Protocols.Tls;

public static partial class TlsFingerprint
{
    // JA3 (salesforce/ja3 README): "SSLVersion,Cipher,SSLExtension,EllipticCurve,EllipticCurvePointFormat", each list in
    // decimal joined by '-', GREASE values (RFC 8701) left out; an absent list is an empty field:
    //   769,47-53-5-10-49161-49162-49171-49172-50-56-19-4,0-10-11,23-24-25,0
    // SSLVersion is the ClientHello's legacy_version (not the record's, not supported_versions).
    // JA3S: "SSLVersion,Cipher,SSLExtension" from the ServerHello, e.g. 769,47,65281-0-11-35-5-16.

    /// <summary>Largest possible JA3 string for <paramref name="hello"/>: 6 bytes per value ("65535-") plus the fixed part.</summary>
    public static int GetJa3MaxLength(in TlsClientHello hello) =>
        5 + 4 + (6 * ((hello.CipherSuites.Length / 2) + (hello.Extensions.Length / 4) + (hello.SupportedGroups.Length / 2)))
        + (4 * hello.EcPointFormats.Length);

    /// <summary>Writes the JA3 string as ASCII.</summary>
    /// <returns><see langword="false"/> when <paramref name="destination"/> is shorter than <see cref="GetJa3MaxLength"/>.</returns>
    public static bool TryFormatJa3(in TlsClientHello hello, Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < GetJa3MaxLength(hello))
            return false;

        int position = 0;
        WriteDecimal(hello.LegacyVersion, destination, ref position);
        destination[position++] = (byte)',';
        WriteDecimalList16(hello.CipherSuites, destination, ref position);
        destination[position++] = (byte)',';
        WriteExtensionTypes(hello.Extensions, destination, ref position);
        destination[position++] = (byte)',';
        WriteDecimalList16(hello.SupportedGroups, destination, ref position);
        destination[position++] = (byte)',';
        for (int i = 0; i < hello.EcPointFormats.Length; i++)
        {
            if (i > 0)
                destination[position++] = (byte)'-';
            WriteDecimal(hello.EcPointFormats[i], destination, ref position);
        }

        written = position;
        return true;
    }

    /// <summary>MD5 of the JA3 string into <paramref name="md5"/> (at least <see cref="Md5Length"/> bytes).</summary>
    public static void HashJa3(in TlsClientHello hello, Span<byte> md5)
    {
        byte[]? rented = null;
        try
        {
            Span<byte> text = Scratch(stackalloc byte[StackBufferLength], GetJa3MaxLength(hello), ref rented);
            TryFormatJa3(hello, text, out int written);
            Md5(text[..written], md5);
        }
        finally
        {
            Return(rented);
        }
    }

    public static string Ja3(in TlsClientHello hello)
    {
        byte[]? rented = null;
        try
        {
            Span<byte> text = Scratch(stackalloc byte[StackBufferLength], GetJa3MaxLength(hello), ref rented);
            TryFormatJa3(hello, text, out int written);
            return Ascii(text[..written]);
        }
        finally
        {
            Return(rented);
        }
    }

    /// <summary>The JA3 hash as 32 lower-case hex characters.</summary>
    public static string Ja3Hash(in TlsClientHello hello)
    {
        Span<byte> md5 = stackalloc byte[Md5Length];
        HashJa3(hello, md5);
        return Convert.ToHexStringLower(md5);
    }

    public static int GetJa3SMaxLength(in TlsServerHello hello) => 5 + 2 + 5 + (6 * (hello.Extensions.Length / 4));

    public static bool TryFormatJa3S(in TlsServerHello hello, Span<byte> destination, out int written)
    {
        written = 0;
        if (destination.Length < GetJa3SMaxLength(hello))
            return false;

        int position = 0;
        WriteDecimal(hello.LegacyVersion, destination, ref position);
        destination[position++] = (byte)',';
        WriteDecimal(hello.CipherSuite, destination, ref position);
        destination[position++] = (byte)',';
        WriteExtensionTypes(hello.Extensions, destination, ref position);
        written = position;
        return true;
    }

    public static string Ja3S(in TlsServerHello hello)
    {
        byte[]? rented = null;
        try
        {
            Span<byte> text = Scratch(stackalloc byte[StackBufferLength], GetJa3SMaxLength(hello), ref rented);
            TryFormatJa3S(hello, text, out int written);
            return Ascii(text[..written]);
        }
        finally
        {
            Return(rented);
        }
    }

    public static string Ja3SHash(in TlsServerHello hello)
    {
        byte[]? rented = null;
        try
        {
            Span<byte> text = Scratch(stackalloc byte[StackBufferLength], GetJa3SMaxLength(hello), ref rented);
            TryFormatJa3S(hello, text, out int written);
            return Md5Hex(text[..written]);
        }
        finally
        {
            Return(rented);
        }
    }

    /// <summary>Big-endian uint16 values in decimal, '-'-joined, GREASE left out.</summary>
    private static void WriteDecimalList16(ReadOnlySpan<byte> list, Span<byte> destination, ref int position)
    {
        bool first = true;
        for (int i = 0; i < list.Length / 2; i++)
        {
            ushort value = ReadUInt16(list, i);
            if (TlsGrease.Is(value))
                continue;
            if (!first)
                destination[position++] = (byte)'-';
            first = false;
            WriteDecimal(value, destination, ref position);
        }
    }

    private static void WriteExtensionTypes(ReadOnlySpan<byte> extensions, Span<byte> destination, ref int position)
    {
        bool first = true;
        var reader = new TlsExtensionReader(extensions);
        while (reader.TryReadNext(out ushort type, out _))
        {
            if (TlsGrease.Is(type))
                continue;
            if (!first)
                destination[position++] = (byte)'-';
            first = false;
            WriteDecimal(type, destination, ref position);
        }
    }
}
