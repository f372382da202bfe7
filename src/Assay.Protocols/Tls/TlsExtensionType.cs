namespace Assay.Protocols.Tls;

/// <summary>The extension types this parser reads (IANA "TLS ExtensionType Values"); all others are only listed.</summary>
public enum TlsExtensionType : ushort
{
    ServerName = 0,                     // RFC 6066 §3
    SupportedGroups = 10,               // RFC 8446 §4.2.7 (was elliptic_curves, RFC 4492)
    EcPointFormats = 11,                // RFC 8422 §5.1.2
    SignatureAlgorithms = 13,           // RFC 8446 §4.2.3
    ApplicationLayerProtocolNegotiation = 16, // RFC 7301 §3.1
    SupportedVersions = 43,             // RFC 8446 §4.2.1
}
