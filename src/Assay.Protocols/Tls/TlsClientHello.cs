using System.Buffers.Binary;
using Assay.Decoding;

namespace Assay.Protocols.Tls;

/// <summary>
/// A ClientHello body (the handshake message after its 4-byte header), RFC 8446 §4.1.2:
/// <code>
///   struct {
///       ProtocolVersion legacy_version = 0x0303;    /* TLS v1.2 */
///       Random random;                              /* 32 bytes */
///       opaque legacy_session_id&lt;0..32&gt;;
///       CipherSuite cipher_suites&lt;2..2^16-2&gt;;
///       opaque legacy_compression_methods&lt;1..2^8-1&gt;;
///       Extension extensions&lt;8..2^16-1&gt;;
///   } ClientHello;
///
///   struct {
///       ExtensionType extension_type;
///       opaque extension_data&lt;0..2^16-1&gt;;
///   } Extension;
/// </code>
/// Before TLS 1.3 the extensions block is optional (RFC 5246 §7.4.1.2): the body may end after the compression methods.
/// Lists are kept as raw big-endian spans over the caller's buffer; nothing is copied or allocated.
/// </summary>
public readonly ref struct TlsClientHello
{
    private const int RandomLength = 32;
    private const int MaxSessionIdLength = 32;

    public ushort LegacyVersion { get; private init; }
    public ReadOnlySpan<byte> Random { get; private init; }
    public ReadOnlySpan<byte> SessionId { get; private init; }

    /// <summary>cipher_suites: big-endian uint16 values, GREASE included.</summary>
    public ReadOnlySpan<byte> CipherSuites { get; private init; }
    public ReadOnlySpan<byte> CompressionMethods { get; private init; }

    /// <summary>The extensions block without its length prefix (empty when absent): type(2) length(2) data, repeated.</summary>
    public ReadOnlySpan<byte> Extensions { get; private init; }

    /// <summary>A server_name extension was present (JA4's <c>d</c>), even if its list was malformed.</summary>
    public bool HasServerName { get; private init; }

    /// <summary>The first host_name of server_name (RFC 6066 §3), raw bytes as sent; empty when absent.</summary>
    public ReadOnlySpan<byte> ServerName { get; private init; }

    /// <summary>ALPN protocol_name_list contents (RFC 7301 §3.1): length(1) name, repeated. Read with <see cref="TlsAlpnReader"/>.</summary>
    public ReadOnlySpan<byte> AlpnProtocols { get; private init; }

    /// <summary>supported_versions (RFC 8446 §4.2.1): big-endian uint16 values; empty when the extension is absent.</summary>
    public ReadOnlySpan<byte> SupportedVersions { get; private init; }

    /// <summary>supported_groups named_group_list (RFC 8446 §4.2.7): big-endian uint16 values.</summary>
    public ReadOnlySpan<byte> SupportedGroups { get; private init; }

    /// <summary>ec_point_formats ec_point_format_list (RFC 8422 §5.1.2): one byte per format.</summary>
    public ReadOnlySpan<byte> EcPointFormats { get; private init; }

    /// <summary>signature_algorithms supported_signature_algorithms (RFC 8446 §4.2.3): big-endian uint16 values.</summary>
    public ReadOnlySpan<byte> SignatureAlgorithms { get; private init; }

    /// <summary>The highest non-GREASE supported_versions entry, or <see cref="LegacyVersion"/> without that extension (as JA4 reads it).</summary>
    public ushort MaxVersion
    {
        get
        {
            if (SupportedVersions.IsEmpty)
                return LegacyVersion;
            ushort max = 0;
            for (int i = 0; i + 1 < SupportedVersions.Length; i += 2)
            {
                ushort version = BinaryPrimitives.ReadUInt16BigEndian(SupportedVersions[i..]);
                if (!TlsGrease.Is(version) && version > max)
                    max = version;
            }

            return max;
        }
    }

    /// <summary>Parses a ClientHello body; never throws.</summary>
    /// <returns>
    /// <see langword="false"/> when the fixed part is cut short or the extensions block is longer than the message
    /// (<see cref="Anomaly.TlsHandshakeInvalidLength"/>). Lesser damage is named and read around, so the hello is still
    /// fingerprinted as nDPI and Arkime do: an extension overrunning the block ends the list, bytes after the block are
    /// ignored, a malformed inner list (SNI, ALPN, …) is left empty.
    /// </returns>
    public static bool TryParse(ReadOnlySpan<byte> body, ref AnomalySet anomalies, out TlsClientHello hello)
    {
        hello = default;
        var reader = new TlsSpanReader(body);
        if (!reader.TryReadUInt16(out ushort version)
            || !reader.TryReadBytes(RandomLength, out ReadOnlySpan<byte> random)
            || !reader.TryReadVector8(out ReadOnlySpan<byte> sessionId)
            || sessionId.Length > MaxSessionIdLength
            || !reader.TryReadVector16(out ReadOnlySpan<byte> cipherSuites)
            || (cipherSuites.Length & 1) != 0
            || !reader.TryReadVector8(out ReadOnlySpan<byte> compression))
        {
            anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
            return false;
        }

        ReadOnlySpan<byte> extensions = default;
        if (!reader.IsEmpty)
        {
            if (!reader.TryReadVector16(out extensions))
            {
                // An extensions block longer than the message: the hello is cut short.
                anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
                return false;
            }

            if (!reader.IsEmpty)
                anomalies.Add(Anomaly.TlsHandshakeInvalidLength); // bytes after the block: named, ignored
        }

        var parsed = new TlsClientHello
        {
            LegacyVersion = version,
            Random = random,
            SessionId = sessionId,
            CipherSuites = cipherSuites,
            CompressionMethods = compression,
            Extensions = extensions,
        };
        hello = parsed.ReadExtensions(ref anomalies);
        return true;
    }

    private TlsClientHello ReadExtensions(ref AnomalySet anomalies)
    {
        bool hasServerName = false;
        ReadOnlySpan<byte> serverName = default, alpn = default, versions = default, groups = default;
        ReadOnlySpan<byte> pointFormats = default, signatureAlgorithms = default;
        var extensions = new TlsExtensionReader(Extensions);
        while (extensions.TryReadNext(out ushort type, out ReadOnlySpan<byte> data))
        {
            switch ((TlsExtensionType)type)
            {
                case TlsExtensionType.ServerName:
                    if (hasServerName)
                    {
                        anomalies.Add(Anomaly.TlsMultipleSniExtensions);
                        break;
                    }

                    hasServerName = true;
                    serverName = ReadServerName(data, ref anomalies);
                    break;
                case TlsExtensionType.ApplicationLayerProtocolNegotiation when alpn.IsEmpty:
                    alpn = ReadList16(data, 1, ref anomalies);
                    break;
                case TlsExtensionType.SupportedVersions when versions.IsEmpty:
                    // ClientHello form: ProtocolVersion versions<2..254> (a one-byte length).
                    versions = ReadList8(data, 2, ref anomalies);
                    break;
                case TlsExtensionType.SupportedGroups when groups.IsEmpty:
                    groups = ReadList16(data, 2, ref anomalies);
                    break;
                case TlsExtensionType.EcPointFormats when pointFormats.IsEmpty:
                    pointFormats = ReadList8(data, 1, ref anomalies);
                    break;
                case TlsExtensionType.SignatureAlgorithms when signatureAlgorithms.IsEmpty:
                    signatureAlgorithms = ReadList16(data, 2, ref anomalies);
                    break;
            }
        }

        // An entry overrunning the block ends the list there (as nDPI and Arkime read it); the fingerprints see the
        // extensions before it.
        if (!extensions.IsValid)
            anomalies.Add(Anomaly.TlsHandshakeInvalidLength);

        return this with
        {
            HasServerName = hasServerName,
            ServerName = serverName,
            AlpnProtocols = alpn,
            SupportedVersions = versions,
            SupportedGroups = groups,
            EcPointFormats = pointFormats,
            SignatureAlgorithms = signatureAlgorithms,
        };
    }

    /// <summary>
    /// RFC 6066 §3: <c>ServerName server_name_list&lt;1..2^16-1&gt;</c>, each <c>NameType name_type; HostName name</c>, where
    /// <c>host_name(0)</c> is <c>opaque HostName&lt;1..2^16-1&gt;</c>. Returns the first host_name.
    /// </summary>
    private static ReadOnlySpan<byte> ReadServerName(ReadOnlySpan<byte> data, scoped ref AnomalySet anomalies)
    {
        var reader = new TlsSpanReader(data);
        if (!reader.TryReadVector16(out ReadOnlySpan<byte> list) || !reader.IsEmpty)
        {
            anomalies.Add(Anomaly.TlsInvalidSniLength);
            return default;
        }

        var names = new TlsSpanReader(list);
        while (!names.IsEmpty)
        {
            if (!names.TryReadByte(out byte nameType) || !names.TryReadVector16(out ReadOnlySpan<byte> name))
            {
                anomalies.Add(Anomaly.TlsInvalidSniLength);
                return default;
            }

            if (nameType != 0)
            {
                // Unknown name types have the same framing in practice; RFC 6066 forbids them all the same.
                anomalies.Add(Anomaly.TlsInvalidSniType);
                continue;
            }

            if (name.IsEmpty)
                anomalies.Add(Anomaly.TlsInvalidSniLength);
            return name;
        }

        return default;
    }

    /// <summary>A list with a two-byte length prefix filling the whole extension, of items of <paramref name="itemSize"/> bytes.</summary>
    private static ReadOnlySpan<byte> ReadList16(ReadOnlySpan<byte> data, int itemSize, scoped ref AnomalySet anomalies)
    {
        var reader = new TlsSpanReader(data);
        if (!reader.TryReadVector16(out ReadOnlySpan<byte> list) || !reader.IsEmpty || list.Length % itemSize != 0)
        {
            anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
            return default;
        }

        return list;
    }

    /// <summary>A list with a one-byte length prefix filling the whole extension, of items of <paramref name="itemSize"/> bytes.</summary>
    private static ReadOnlySpan<byte> ReadList8(ReadOnlySpan<byte> data, int itemSize, scoped ref AnomalySet anomalies)
    {
        var reader = new TlsSpanReader(data);
        if (!reader.TryReadVector8(out ReadOnlySpan<byte> list) || !reader.IsEmpty || list.Length % itemSize != 0)
        {
            anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
            return default;
        }

        return list;
    }
}
