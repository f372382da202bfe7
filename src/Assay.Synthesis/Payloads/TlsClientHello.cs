using System.Buffers.Binary;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Payloads;

/// <summary>
/// A ClientHello with every field under control, so JA3 / JA4 inputs (version, cipher list, extension types and order,
/// groups, point formats, ALPN, signature algorithms) are exactly what the test says.
/// </summary>
/// <remarks>
/// RFC 8446 §4.1.2:
/// <code>
/// struct {
///     ProtocolVersion legacy_version = 0x0303;
///     Random random;                                   // 32 bytes
///     opaque legacy_session_id&lt;0..32&gt;;
///     CipherSuite cipher_suites&lt;2..2^16-2&gt;;
///     opaque legacy_compression_methods&lt;1..2^8-1&gt;;
///     Extension extensions&lt;8..2^16-1&gt;;
/// } ClientHello;
/// </code>
/// </remarks>
public sealed class TlsClientHello
{
    public const byte MessageType = 1;

    public ushort RecordVersion { get; set; } = TlsVersion.Tls10;
    public ushort LegacyVersion { get; set; } = TlsVersion.Tls12;
    public byte[] Random { get; set; } = new byte[32];
    public byte[] SessionId { get; set; } = [];
    public List<ushort> CipherSuites { get; } = [];
    public List<byte> CompressionMethods { get; } = [0];

    /// <summary>Extensions in wire order.</summary>
    public List<TlsExtension> Extensions { get; } = [];

    /// <summary>The handshake message alone (type, uint24 length, body).</summary>
    public byte[] BuildHandshake()
    {
        int extensionsLength = 0;
        foreach (TlsExtension extension in Extensions)
            extensionsLength += 4 + extension.Data.Length;
        int length = 2 + 32 + 1 + SessionId.Length + 2 + (2 * CipherSuites.Count) + 1 + CompressionMethods.Count + 2 + extensionsLength;
        byte[] body = new byte[length];
        Span<byte> w = body;
        BinaryPrimitives.WriteUInt16BigEndian(w, LegacyVersion);
        Random.AsSpan(0, 32).CopyTo(w[2..]);
        int offset = 34;
        body[offset++] = (byte)SessionId.Length;
        SessionId.CopyTo(body, offset);
        offset += SessionId.Length;
        BinaryPrimitives.WriteUInt16BigEndian(w[offset..], (ushort)(2 * CipherSuites.Count));
        offset += 2;
        foreach (ushort suite in CipherSuites)
        {
            BinaryPrimitives.WriteUInt16BigEndian(w[offset..], suite);
            offset += 2;
        }

        body[offset++] = (byte)CompressionMethods.Count;
        foreach (byte method in CompressionMethods)
            body[offset++] = method;
        BinaryPrimitives.WriteUInt16BigEndian(w[offset..], (ushort)extensionsLength);
        offset += 2;
        foreach (TlsExtension extension in Extensions)
        {
            BinaryPrimitives.WriteUInt16BigEndian(w[offset..], extension.Type);
            BinaryPrimitives.WriteUInt16BigEndian(w[(offset + 2)..], (ushort)extension.Data.Length);
            extension.Data.CopyTo(body, offset + 4);
            offset += 4 + extension.Data.Length;
        }

        return TlsRecords.Handshake(MessageType, body);
    }

    /// <summary>The ClientHello in a handshake record (split over several records if over 16 KiB).</summary>
    public byte[] Build() => TlsRecords.Record(TlsRecords.HandshakeType, RecordVersion, BuildHandshake());

    /// <summary>Chrome-like TLS 1.3 hello: GREASE in ciphers, groups, versions and extensions; h2 + http/1.1; padded to 512.</summary>
    public static TlsClientHello Chrome(string? serverName, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        ushort grease = TlsVersion.Grease(random.Next(16));
        ushort grease2 = TlsVersion.Grease(random.Next(16));
        var hello = new TlsClientHello { Random = random.NextBytes(32), SessionId = random.NextBytes(32) };
        hello.CipherSuites.AddRange([grease, 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02F, 0xC02C, 0xC030, 0xCCA9, 0xCCA8, 0xC013, 0xC014,
            0x009C, 0x009D, 0x002F, 0x0035]);
        hello.Extensions.Add(TlsExtension.Grease(grease));
        if (serverName is not null)
            hello.Extensions.Add(TlsExtension.ServerName(serverName));
        hello.Extensions.AddRange(
        [
            TlsExtension.ExtendedMasterSecret(),
            TlsExtension.RenegotiationInfo(),
            TlsExtension.SupportedGroups(grease, 0x001D, 0x0017, 0x0018),
            TlsExtension.EcPointFormats(0),
            TlsExtension.SessionTicket(),
            TlsExtension.Alpn("h2", "http/1.1"),
            TlsExtension.StatusRequest(),
            TlsExtension.SignatureAlgorithms(0x0403, 0x0804, 0x0401, 0x0503, 0x0805, 0x0501, 0x0806, 0x0601),
            TlsExtension.SignedCertificateTimestamp(),
            TlsExtension.KeyShare(new TlsKeyShare(grease, [0]), new TlsKeyShare(0x001D, random.NextBytes(32))),
            TlsExtension.PskKeyExchangeModes(1),
            TlsExtension.SupportedVersions(grease, TlsVersion.Tls13, TlsVersion.Tls12),
            TlsExtension.CompressCertificate(2),
            TlsExtension.ApplicationSettings("h2"),
            TlsExtension.Grease(grease2, [0]),
        ]);
        hello.PadTo(512);
        return hello;
    }

    /// <summary>Firefox-like TLS 1.3 hello (no GREASE, x25519 + P-256 key shares, record_size_limit).</summary>
    public static TlsClientHello Firefox(string? serverName, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var hello = new TlsClientHello { Random = random.NextBytes(32), SessionId = random.NextBytes(32) };
        hello.CipherSuites.AddRange([0x1301, 0x1303, 0x1302, 0xC02B, 0xC02F, 0xCCA9, 0xCCA8, 0xC02C, 0xC030, 0xC00A, 0xC009, 0xC013, 0xC014,
            0x009C, 0x009D, 0x002F, 0x0035]);
        if (serverName is not null)
            hello.Extensions.Add(TlsExtension.ServerName(serverName));
        byte[] p256 = random.NextBytes(65);
        p256[0] = 4; // uncompressed point
        hello.Extensions.AddRange(
        [
            TlsExtension.ExtendedMasterSecret(),
            TlsExtension.RenegotiationInfo(),
            TlsExtension.SupportedGroups(0x001D, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101),
            TlsExtension.EcPointFormats(0),
            TlsExtension.SessionTicket(),
            TlsExtension.Alpn("h2", "http/1.1"),
            TlsExtension.StatusRequest(),
            TlsExtension.DelegatedCredentials(0x0403, 0x0503, 0x0603, 0x0203),
            TlsExtension.KeyShare(new TlsKeyShare(0x001D, random.NextBytes(32)), new TlsKeyShare(0x0017, p256)),
            TlsExtension.SupportedVersions(TlsVersion.Tls13, TlsVersion.Tls12),
            TlsExtension.SignatureAlgorithms(0x0403, 0x0503, 0x0603, 0x0804, 0x0805, 0x0806, 0x0401, 0x0501, 0x0601, 0x0203, 0x0201),
            TlsExtension.PskKeyExchangeModes(1),
            TlsExtension.RecordSizeLimit(0x4001),
        ]);
        return hello;
    }

    /// <summary>
    /// OpenSSL 1.1.1 defaults, as curl, wget and XMRig (libuv + OpenSSL) send them. <paramref name="serverName"/> null leaves
    /// out SNI (XMRig connecting to a pool by IP address does); <paramref name="alpn"/> empty leaves out ALPN.
    /// </summary>
    public static TlsClientHello OpenSsl(string? serverName, SeededRandom random, params string[] alpn)
    {
        ArgumentNullException.ThrowIfNull(random);
        ArgumentNullException.ThrowIfNull(alpn);
        var hello = new TlsClientHello { Random = random.NextBytes(32), SessionId = random.NextBytes(32) };
        hello.CipherSuites.AddRange([0x1302, 0x1303, 0x1301, 0xC02C, 0xC030, 0x009F, 0xCCA9, 0xCCA8, 0xCCAA, 0xC02B, 0xC02F, 0x009E, 0xC024,
            0xC028, 0x006B, 0xC023, 0xC027, 0x0067, 0xC00A, 0xC014, 0x0039, 0xC009, 0xC013, 0x0033, 0x009D, 0x009C, 0x003D, 0x003C,
            0x0035, 0x002F, 0x00FF]);
        if (serverName is not null)
            hello.Extensions.Add(TlsExtension.ServerName(serverName));
        hello.Extensions.Add(TlsExtension.EcPointFormats(0, 1, 2));
        hello.Extensions.Add(TlsExtension.SupportedGroups(0x001D, 0x0017, 0x001E, 0x0019, 0x0018));
        if (alpn.Length > 0)
            hello.Extensions.Add(TlsExtension.Alpn(alpn));
        hello.Extensions.AddRange(
        [
            TlsExtension.SessionTicket(),
            TlsExtension.EncryptThenMac(),
            TlsExtension.ExtendedMasterSecret(),
            TlsExtension.SignatureAlgorithms(0x0403, 0x0503, 0x0603, 0x0807, 0x0808, 0x0809, 0x080A, 0x080B, 0x0804, 0x0805, 0x0806,
                0x0401, 0x0501, 0x0601, 0x0303, 0x0203, 0x0301, 0x0201, 0x0302, 0x0202, 0x0402, 0x0502, 0x0602),
            TlsExtension.SupportedVersions(TlsVersion.Tls13, TlsVersion.Tls12, TlsVersion.Tls11, TlsVersion.Tls10),
            TlsExtension.PskKeyExchangeModes(1),
            TlsExtension.KeyShare(new TlsKeyShare(0x001D, random.NextBytes(32))),
        ]);
        return hello;
    }

    /// <summary>A TLS 1.2-only hello (no supported_versions, no key_share), as older embedded clients send.</summary>
    public static TlsClientHello Tls12Only(string? serverName, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        var hello = new TlsClientHello { Random = random.NextBytes(32) };
        hello.CipherSuites.AddRange([0xC02F, 0xC030, 0xC02B, 0xC02C, 0xC013, 0xC014, 0x009C, 0x009D, 0x002F, 0x0035, 0x000A]);
        if (serverName is not null)
            hello.Extensions.Add(TlsExtension.ServerName(serverName));
        hello.Extensions.AddRange(
        [
            TlsExtension.SupportedGroups(0x0017, 0x0018, 0x001D),
            TlsExtension.EcPointFormats(0),
            TlsExtension.SignatureAlgorithms(0x0401, 0x0501, 0x0601, 0x0403, 0x0503, 0x0201, 0x0203),
            TlsExtension.RenegotiationInfo(),
        ]);
        return hello;
    }

    /// <summary>Adds a padding extension so the handshake message is at least <paramref name="length"/> bytes (BoringSSL pads to 512).</summary>
    public TlsClientHello PadTo(int length)
    {
        int current = BuildHandshake().Length;
        if (current < length)
        {
            int padding = Math.Max(length - current - 4, 0);
            Extensions.Add(TlsExtension.Padding(padding));
        }

        return this;
    }

    public static bool IsGrease(ushort value) => (value & 0x0F0F) == 0x0A0A && (value >> 8) == (value & 0xFF);
}
