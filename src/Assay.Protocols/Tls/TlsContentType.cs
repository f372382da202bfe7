namespace Assay.Protocols.Tls;

/// <summary>TLS record content type (RFC 8446 §5.1; heartbeat: RFC 6520).</summary>
public enum TlsContentType : byte
{
    ChangeCipherSpec = 20,
    Alert = 21,
    Handshake = 22,
    ApplicationData = 23,
    Heartbeat = 24,
}
