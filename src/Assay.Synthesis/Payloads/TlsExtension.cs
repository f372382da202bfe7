using System.Buffers.Binary;
using System.Text;

namespace Assay.Synthesis.Payloads;

/// <summary>TLS protocol version numbers as they appear on the wire.</summary>
public static class TlsVersion
{
    public const ushort Tls10 = 0x0301;
    public const ushort Tls11 = 0x0302;
    public const ushort Tls12 = 0x0303;
    public const ushort Tls13 = 0x0304;

    /// <summary>The 16 GREASE values (RFC 8701): 0x0A0A, 0x1A1A, … 0xFAFA. <paramref name="index"/> is taken mod 16.</summary>
    public static ushort Grease(int index) => (ushort)((((index & 0xF) << 4) | 0xA) * 0x0101);
}

/// <summary>A key_share entry: named group and key_exchange bytes.</summary>
public readonly record struct TlsKeyShare(ushort Group, byte[] Key);

/// <summary>One ClientHello / ServerHello extension: type and its raw <c>extension_data</c>.</summary>
/// <remarks>Wire form (RFC 8446 §4.2): <c>struct { ExtensionType extension_type; opaque extension_data&lt;0..2^16-1&gt;; }</c>.</remarks>
public readonly record struct TlsExtension(ushort Type, byte[] Data)
{
    public const ushort ServerNameType = 0;
    public const ushort StatusRequestType = 5;
    public const ushort SupportedGroupsType = 10;
    public const ushort EcPointFormatsType = 11;
    public const ushort SignatureAlgorithmsType = 13;
    public const ushort AlpnType = 16;
    public const ushort SignedCertificateTimestampType = 18;
    public const ushort PaddingType = 21;
    public const ushort EncryptThenMacType = 22;
    public const ushort ExtendedMasterSecretType = 23;
    public const ushort CompressCertificateType = 27;
    public const ushort RecordSizeLimitType = 28;
    public const ushort DelegatedCredentialsType = 34;
    public const ushort SessionTicketType = 35;
    public const ushort SupportedVersionsType = 43;
    public const ushort PskKeyExchangeModesType = 45;
    public const ushort KeyShareType = 51;
    public const ushort ApplicationSettingsType = 17513;
    public const ushort RenegotiationInfoType = 0xFF01;

    /// <summary>server_name (RFC 6066 §3): list of { name_type 0 (host_name), HostName&lt;1..2^16-1&gt; }.</summary>
    public static TlsExtension ServerName(string hostName)
    {
        byte[] name = Encoding.ASCII.GetBytes(hostName);
        byte[] data = new byte[5 + name.Length];
        BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)(3 + name.Length));
        data[2] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(3), (ushort)name.Length);
        name.CopyTo(data, 5);
        return new TlsExtension(ServerNameType, data);
    }

    /// <summary>application_layer_protocol_negotiation (RFC 7301): ProtocolName&lt;1..2^8-1&gt; list with a u16 length.</summary>
    public static TlsExtension Alpn(params ReadOnlySpan<string> protocols) => new(AlpnType, ProtocolList(protocols));

    /// <summary>supported_versions in a ClientHello (RFC 8446 §4.2.1): u8 length, then versions.</summary>
    public static TlsExtension SupportedVersions(params ReadOnlySpan<ushort> versions) => new(SupportedVersionsType, U8List(versions));

    /// <summary>supported_versions in a ServerHello: the one selected version.</summary>
    public static TlsExtension SelectedVersion(ushort version) => new(SupportedVersionsType, U16(version));

    /// <summary>supported_groups (RFC 8446 §4.2.7), formerly elliptic_curves.</summary>
    public static TlsExtension SupportedGroups(params ReadOnlySpan<ushort> groups) => new(SupportedGroupsType, U16List(groups));

    /// <summary>ec_point_formats (RFC 8422 §5.1.2): u8 length, then formats (0 = uncompressed).</summary>
    public static TlsExtension EcPointFormats(params ReadOnlySpan<byte> formats)
    {
        byte[] data = new byte[1 + formats.Length];
        data[0] = (byte)formats.Length;
        formats.CopyTo(data.AsSpan(1));
        return new TlsExtension(EcPointFormatsType, data);
    }

    public static TlsExtension SignatureAlgorithms(params ReadOnlySpan<ushort> schemes) => new(SignatureAlgorithmsType, U16List(schemes));

    /// <summary>key_share in a ClientHello: KeyShareEntry { group u16, key_exchange&lt;1..2^16-1&gt; } list with a u16 length.</summary>
    public static TlsExtension KeyShare(params ReadOnlySpan<TlsKeyShare> entries)
    {
        int length = 0;
        foreach (TlsKeyShare entry in entries)
            length += 4 + entry.Key.Length;
        byte[] data = new byte[2 + length];
        BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)length);
        int offset = 2;
        foreach ((ushort group, byte[] key) in entries)
        {
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(offset), group);
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(offset + 2), (ushort)key.Length);
            key.CopyTo(data, offset + 4);
            offset += 4 + key.Length;
        }

        return new TlsExtension(KeyShareType, data);
    }

    /// <summary>key_share in a ServerHello: a single KeyShareEntry.</summary>
    public static TlsExtension ServerKeyShare(ushort group, byte[] key)
    {
        ArgumentNullException.ThrowIfNull(key);
        byte[] data = new byte[4 + key.Length];
        BinaryPrimitives.WriteUInt16BigEndian(data, group);
        BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2), (ushort)key.Length);
        key.CopyTo(data, 4);
        return new TlsExtension(KeyShareType, data);
    }

    /// <summary>psk_key_exchange_modes: u8 length, modes (1 = psk_dhe_ke).</summary>
    public static TlsExtension PskKeyExchangeModes(params ReadOnlySpan<byte> modes)
    {
        byte[] data = new byte[1 + modes.Length];
        data[0] = (byte)modes.Length;
        modes.CopyTo(data.AsSpan(1));
        return new TlsExtension(PskKeyExchangeModesType, data);
    }

    /// <summary>status_request (RFC 6066 §8): OCSP, empty responder list and extensions.</summary>
    public static TlsExtension StatusRequest() => new(StatusRequestType, [1, 0, 0, 0, 0]);

    public static TlsExtension SessionTicket() => new(SessionTicketType, []);

    public static TlsExtension ExtendedMasterSecret() => new(ExtendedMasterSecretType, []);

    public static TlsExtension EncryptThenMac() => new(EncryptThenMacType, []);

    public static TlsExtension SignedCertificateTimestamp() => new(SignedCertificateTimestampType, []);

    /// <summary>renegotiation_info (RFC 5746) for an initial handshake: a zero-length renegotiated_connection.</summary>
    public static TlsExtension RenegotiationInfo() => new(RenegotiationInfoType, [0]);

    public static TlsExtension RecordSizeLimit(ushort limit) => new(RecordSizeLimitType, U16(limit));

    /// <summary>compress_certificate (RFC 8879): u8 length, algorithms (2 = brotli).</summary>
    public static TlsExtension CompressCertificate(params ReadOnlySpan<ushort> algorithms) => new(CompressCertificateType, U8List(algorithms));

    public static TlsExtension DelegatedCredentials(params ReadOnlySpan<ushort> schemes) => new(DelegatedCredentialsType, U16List(schemes));

    /// <summary>Chrome's application_settings (ALPS) with the given protocols.</summary>
    public static TlsExtension ApplicationSettings(params ReadOnlySpan<string> protocols) => new(ApplicationSettingsType, ProtocolList(protocols));

    /// <summary>padding (RFC 7685): <paramref name="length"/> zero bytes.</summary>
    public static TlsExtension Padding(int length) => new(PaddingType, new byte[length]);

    /// <summary>A GREASE extension (RFC 8701) with the given data (Chrome sends one empty and one with a single zero byte).</summary>
    public static TlsExtension Grease(ushort value, byte[]? data = null) => new(value, data ?? []);

    private static byte[] U16(ushort value)
    {
        byte[] data = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(data, value);
        return data;
    }

    private static byte[] U16List(ReadOnlySpan<ushort> values)
    {
        byte[] data = new byte[2 + (2 * values.Length)];
        BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)(2 * values.Length));
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(2 + (2 * i)), values[i]);
        return data;
    }

    private static byte[] U8List(ReadOnlySpan<ushort> values)
    {
        byte[] data = new byte[1 + (2 * values.Length)];
        data[0] = (byte)(2 * values.Length);
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16BigEndian(data.AsSpan(1 + (2 * i)), values[i]);
        return data;
    }

    private static byte[] ProtocolList(ReadOnlySpan<string> protocols)
    {
        int length = 0;
        foreach (string protocol in protocols)
            length += 1 + protocol.Length;
        byte[] data = new byte[2 + length];
        BinaryPrimitives.WriteUInt16BigEndian(data, (ushort)length);
        int offset = 2;
        foreach (string protocol in protocols)
        {
            data[offset] = (byte)protocol.Length;
            Encoding.ASCII.GetBytes(protocol, data.AsSpan(offset + 1));
            offset += 1 + protocol.Length;
        }

        return data;
    }
}
