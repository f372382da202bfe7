namespace Assay.Protocols.Tls;

/// <summary>Handshake message type (RFC 8446 §4; TLS 1.2 and extension RFCs for the values TLS 1.3 retired).</summary>
public enum TlsHandshakeType : byte
{
    HelloRequest = 0,
    ClientHello = 1,
    ServerHello = 2,
    HelloVerifyRequest = 3,
    NewSessionTicket = 4,
    EndOfEarlyData = 5,
    EncryptedExtensions = 8,
    Certificate = 11,
    ServerKeyExchange = 12,
    CertificateRequest = 13,
    ServerHelloDone = 14,
    CertificateVerify = 15,
    ClientKeyExchange = 16,
    Finished = 20,
    CertificateUrl = 21,
    CertificateStatus = 22,
    SupplementalData = 23,
    KeyUpdate = 24,
    CompressedCertificate = 25,
    MessageHash = 254,
}
