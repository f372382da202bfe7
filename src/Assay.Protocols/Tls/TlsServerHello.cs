using System.Buffers.Binary;
using Assay.Decoding;

namespace Assay.Protocols.Tls;

/// <summary>
/// A ServerHello body, RFC 8446 §4.1.3:
/// <code>
///   struct {
///       ProtocolVersion legacy_version = 0x0303;    /* TLS v1.2 */
///       Random random;
///       opaque legacy_session_id_echo&lt;0..32&gt;;
///       CipherSuite cipher_suite;
///       uint8 legacy_compression_method = 0;
///       Extension extensions&lt;6..2^16-1&gt;;
///   } ServerHello;
/// </code>
/// TLS 1.3 drafts up to 21 had neither the session id nor the compression method: drafts 16–21 put 0x7Fxx in the version
/// field, drafts before 16 put 0x0304 there (which the final RFC never does: it sends 0x0303 and supported_versions).
/// A HelloRetryRequest is a ServerHello whose random is SHA-256("HelloRetryRequest") (§4.1.3).
/// </summary>
public readonly ref struct TlsServerHello
{
    private const int RandomLength = 32;
    private const int MaxSessionIdLength = 32;

    public ushort LegacyVersion { get; private init; }
    public ReadOnlySpan<byte> Random { get; private init; }
    public ReadOnlySpan<byte> SessionId { get; private init; }
    public ushort CipherSuite { get; private init; }
    public byte CompressionMethod { get; private init; }

    /// <summary>The extensions block without its length prefix (empty when absent).</summary>
    public ReadOnlySpan<byte> Extensions { get; private init; }

    /// <summary>supported_versions selected_version (RFC 8446 §4.2.1), or 0 when the extension is absent.</summary>
    public ushort SelectedVersion { get; private init; }

    /// <summary>ALPN protocol_name_list contents: exactly one name when well-formed (RFC 7301 §3.1).</summary>
    public ReadOnlySpan<byte> AlpnProtocols { get; private init; }

    public ReadOnlySpan<byte> EcPointFormats { get; private init; }

    /// <summary>
    /// The negotiated version: supported_versions when present (TLS 1.3), else legacy_version, except that a bare 0x0304
    /// there marks a draft before 16 and reads as <see cref="TlsVersion.Tls13PreDraft16"/> (as Suricata reports it).
    /// </summary>
    public ushort NegotiatedVersion =>
        SelectedVersion != 0 ? SelectedVersion : LegacyVersion == TlsVersion.Tls13 ? TlsVersion.Tls13PreDraft16 : LegacyVersion;

    /// <summary>The TLS 1.3 draft layout: no legacy_session_id_echo, no legacy_compression_method.</summary>
    private static bool HasDraftLayout(ushort version) => version == TlsVersion.Tls13 || TlsVersion.IsTls13Draft(version);

    public bool IsHelloRetryRequest => Random.SequenceEqual(HelloRetryRequestRandom);

    /// <summary>SHA-256("HelloRetryRequest"), RFC 8446 §4.1.3.</summary>
    public static ReadOnlySpan<byte> HelloRetryRequestRandom =>
    [
        0xCF, 0x21, 0xAD, 0x74, 0xE5, 0x9A, 0x61, 0x11, 0xBE, 0x1D, 0x8C, 0x02, 0x1E, 0x65, 0xB8, 0x91,
        0xC2, 0xA2, 0x11, 0x16, 0x7A, 0xBB, 0x8C, 0x5E, 0x07, 0x9E, 0x09, 0xE2, 0xC8, 0xA8, 0x33, 0x9C,
    ];

    /// <summary>Parses a ServerHello body; never throws.</summary>
    /// <returns><see langword="false"/> when the fixed part is cut short or the extensions block is longer than the message.</returns>
    public static bool TryParse(ReadOnlySpan<byte> body, ref AnomalySet anomalies, out TlsServerHello hello)
    {
        hello = default;
        var reader = new TlsSpanReader(body);
        ReadOnlySpan<byte> sessionId = default;
        byte compression = 0;
        if (!reader.TryReadUInt16(out ushort version)
            || !reader.TryReadBytes(RandomLength, out ReadOnlySpan<byte> random)
            || (!HasDraftLayout(version)
                && (!reader.TryReadVector8(out sessionId) || sessionId.Length > MaxSessionIdLength))
            || !reader.TryReadUInt16(out ushort cipherSuite)
            || (!HasDraftLayout(version) && !reader.TryReadByte(out compression)))
        {
            anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
            return false;
        }

        ReadOnlySpan<byte> extensions = default;
        if (!reader.IsEmpty)
        {
            if (!reader.TryReadVector16(out extensions))
            {
                anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
                return false;
            }

            if (!reader.IsEmpty)
                anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
        }

        ushort selected = 0;
        ReadOnlySpan<byte> alpn = default, pointFormats = default;
        var walker = new TlsExtensionReader(extensions);
        while (walker.TryReadNext(out ushort type, out ReadOnlySpan<byte> data))
        {
            var list = new TlsSpanReader(data);
            switch ((TlsExtensionType)type)
            {
                case TlsExtensionType.SupportedVersions when selected == 0:
                    // ServerHello form: a single ProtocolVersion selected_version.
                    if (data.Length == 2)
                        selected = BinaryPrimitives.ReadUInt16BigEndian(data);
                    else
                        anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
                    break;
                case TlsExtensionType.ApplicationLayerProtocolNegotiation when alpn.IsEmpty:
                    if (!list.TryReadVector16(out alpn) || !list.IsEmpty)
                    {
                        alpn = default;
                        anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
                    }

                    break;
                case TlsExtensionType.EcPointFormats when pointFormats.IsEmpty:
                    if (!list.TryReadVector8(out pointFormats) || !list.IsEmpty)
                    {
                        pointFormats = default;
                        anomalies.Add(Anomaly.TlsHandshakeInvalidLength);
                    }

                    break;
            }
        }

        // As for the ClientHello: an overrunning entry ends the list, the hello stands.
        if (!walker.IsValid)
            anomalies.Add(Anomaly.TlsHandshakeInvalidLength);

        hello = new TlsServerHello
        {
            LegacyVersion = version,
            Random = random,
            SessionId = sessionId,
            CipherSuite = cipherSuite,
            CompressionMethod = compression,
            Extensions = extensions,
            SelectedVersion = selected,
            AlpnProtocols = alpn,
            EcPointFormats = pointFormats,
        };
        return true;
    }
}
