using System.Buffers.Binary;
using System.Text;
using Assay.Protocols.Tls;

namespace Assay.Protocols.Tests.TestSupport;

/// <summary>Builds TLS records and handshake messages byte by byte, as the RFC structs lay them out.</summary>
internal static class TlsMessages
{
    public const ushort Grease = 0x1A1A;

    /// <summary>FoxIO's JA4 example (technical_details/JA4.md), with GREASE added as Chrome sends it.</summary>
    public static readonly ushort[] FoxIoCiphers =
        [Grease, 0x1301, 0x1302, 0x1303, 0xc02b, 0xc02f, 0xc02c, 0xc030, 0xcca9, 0xcca8, 0xc013, 0xc014, 0x009c, 0x009d, 0x002f, 0x0035];

    public static readonly ushort[] FoxIoSignatureAlgorithms = [0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601];

    public static byte[] Concat(params byte[][] parts)
    {
        var result = new List<byte>();
        foreach (byte[] part in parts)
            result.AddRange(part);
        return [.. result];
    }

    public static byte[] UInt16(ushort value) => [(byte)(value >> 8), (byte)value];

    public static byte[] Vector8(byte[] content) => Concat([(byte)content.Length], content);

    public static byte[] Vector16(byte[] content) => Concat(UInt16((ushort)content.Length), content);

    public static byte[] Vector24(byte[] content) => Concat([(byte)(content.Length >> 16), (byte)(content.Length >> 8), (byte)content.Length], content);

    public static byte[] UInt16s(params ushort[] values)
    {
        var bytes = new byte[2 * values.Length];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteUInt16BigEndian(bytes.AsSpan(2 * i), values[i]);
        return bytes;
    }

    public static byte[] Record(TlsContentType type, byte[] fragment, ushort version = TlsVersion.Tls10) =>
        Concat([(byte)type], UInt16(version), Vector16(fragment));

    public static byte[] Handshake(TlsHandshakeType type, byte[] body) => Concat([(byte)type], Vector24(body));

    /// <summary>One handshake message in one record.</summary>
    public static byte[] HandshakeRecord(TlsHandshakeType type, byte[] body) => Record(TlsContentType.Handshake, Handshake(type, body));

    public static byte[] Extension(ushort type, byte[] data) => Concat(UInt16(type), Vector16(data));

    public static byte[] ServerName(string host) =>
        Extension(0x0000, Vector16(Concat([0], Vector16(Encoding.ASCII.GetBytes(host)))));

    public static byte[] Alpn(params string[] protocols)
    {
        var list = new List<byte>();
        foreach (string protocol in protocols)
            list.AddRange(Vector8(Encoding.Latin1.GetBytes(protocol)));
        return Extension(0x0010, Vector16([.. list]));
    }

    public static byte[] AlpnRaw(params byte[][] protocols)
    {
        var list = new List<byte>();
        foreach (byte[] protocol in protocols)
            list.AddRange(Vector8(protocol));
        return Extension(0x0010, Vector16([.. list]));
    }

    public static byte[] SupportedVersions(params ushort[] versions) => Extension(0x002b, Vector8(UInt16s(versions)));

    public static byte[] SupportedGroups(params ushort[] groups) => Extension(0x000a, Vector16(UInt16s(groups)));

    public static byte[] PointFormats(params byte[] formats) => Extension(0x000b, Vector8(formats));

    public static byte[] SignatureAlgorithms(params ushort[] algorithms) => Extension(0x000d, Vector16(UInt16s(algorithms)));

    public static byte[] Empty(ushort type) => Extension(type, []);

    public static byte[] ClientHelloBody(ushort version, ushort[] ciphers, byte[][]? extensions, byte[]? sessionId = null)
    {
        byte[] body = Concat(UInt16(version), new byte[32], Vector8(sessionId ?? []), Vector16(UInt16s(ciphers)), Vector8([0]));
        return extensions is null ? body : Concat(body, Vector16(Concat(extensions)));
    }

    public static byte[] ServerHelloBody(ushort version, ushort cipher, byte[][]? extensions, byte[]? random = null, byte[]? sessionId = null)
    {
        byte[] body = Concat(UInt16(version), random ?? new byte[32], Vector8(sessionId ?? new byte[32]), UInt16(cipher), [0]);
        return extensions is null ? body : Concat(body, Vector16(Concat(extensions)));
    }

    /// <summary>A ClientHello whose JA4 is FoxIO's example, t13d1516h2_8daaf6152771_e5627efa2ab1.</summary>
    public static byte[] FoxIoClientHelloBody() => ClientHelloBody(TlsVersion.Tls12, FoxIoCiphers,
    [
        Empty(Grease),
        Empty(0x001b), ServerName("example.com"), Empty(0x0033), Alpn("h2", "http/1.1"), Empty(0x4469), Empty(0x0017),
        Empty(0x002d), SignatureAlgorithms(FoxIoSignatureAlgorithms), Empty(0x0005), Empty(0x0023), Empty(0x0012),
        SupportedVersions(Grease, TlsVersion.Tls13, TlsVersion.Tls12), Empty(0xff01), PointFormats(0),
        SupportedGroups(Grease, 0x001d, 0x0017, 0x0018), Empty(0x0015),
        Empty(0x2A2A),
    ]);
}
