using Assay.Decoding;

namespace Assay.Protocols.Tls;

/// <summary>
/// Receives what <see cref="TlsHandshakeParser"/> finds, as Kestrel's struct request handlers do: implement it on a struct
/// and pass it by <see langword="ref"/> so calls are direct and nothing is boxed. The spans are valid only during the call.
/// </summary>
public interface ITlsHandshakeSink
{
    /// <summary>Every complete handshake message, before the typed callback for it (if any).</summary>
    void OnHandshakeMessage(TlsHandshakeType type, ReadOnlySpan<byte> body);

    void OnClientHello(in TlsClientHello hello, ref AnomalySet anomalies);

    void OnServerHello(in TlsServerHello hello, ref AnomalySet anomalies);

    /// <summary>A Certificate message whose framing is valid (the DER inside is not checked).</summary>
    void OnCertificates(in TlsCertificateList certificates, ref AnomalySet anomalies);
}
