using System.Text;
using Assay.Decoding;

namespace Assay.Protocols.Tls;

/// <summary>
/// A sink that fills a <see cref="TlsHandshakeInfo"/>: one collector per direction, both pointing at the flow's info.
/// The first ClientHello and the first ServerHello win (a ServerHello replaces a HelloRetryRequest), as do the first
/// certificate chain of each side; later ones (renegotiation is encrypted anyway) are ignored.
/// </summary>
/// <param name="info">The flow's handshake record.</param>
/// <param name="fromServer">This collector reads the server's direction (its Certificate is the server chain).</param>
public readonly struct TlsHandshakeCollector(TlsHandshakeInfo info, bool fromServer) : ITlsHandshakeSink
{
    public TlsHandshakeInfo Info => info;

    public void OnHandshakeMessage(TlsHandshakeType type, ReadOnlySpan<byte> body)
    {
    }

    public void OnClientHello(in TlsClientHello hello, ref AnomalySet anomalies)
    {
        if (info.HasClientHello)
            return;
        info.HasClientHello = true;
        info.ClientVersion = hello.LegacyVersion;
        info.ServerName = hello.HasServerName ? Encoding.Latin1.GetString(hello.ServerName) : null;
        AddProtocols(hello.AlpnProtocols, info.ClientAlpnList);
        info.Ja3 = TlsFingerprint.Ja3(hello);
        info.Ja3Hash = TlsFingerprint.Ja3Hash(hello);
        info.Ja4 = TlsFingerprint.Ja4(hello);
    }

    public void OnServerHello(in TlsServerHello hello, ref AnomalySet anomalies)
    {
        // A HelloRetryRequest is kept only until the ServerHello that follows it.
        if (info.HasServerHello && !info.ServerHelloIsRetry)
            return;
        info.HasServerHello = true;
        info.ServerHelloIsRetry = hello.IsHelloRetryRequest;
        info.HelloRetryRequest |= hello.IsHelloRetryRequest;
        info.NegotiatedVersion = hello.NegotiatedVersion;
        info.CipherSuite = hello.CipherSuite;
        info.ServerAlpnList.Clear();
        AddProtocols(hello.AlpnProtocols, info.ServerAlpnList);
        info.Ja3S = TlsFingerprint.Ja3S(hello);
        info.Ja3SHash = TlsFingerprint.Ja3SHash(hello);
    }

    public void OnCertificates(in TlsCertificateList certificates, ref AnomalySet anomalies)
    {
        List<TlsCertificateInfo> chain = fromServer ? info.ServerCertificateList : info.ClientCertificateList;
        if (chain.Count > 0)
            return;
        if (certificates.Count > TlsCertificateInfo.MaxChainLength)
            anomalies.Add(Anomaly.TlsCertificateChainTooLong);
        foreach (ReadOnlySpan<byte> der in certificates)
        {
            if (chain.Count == TlsCertificateInfo.MaxChainLength)
                break;
            chain.Add(TlsCertificateInfo.Read(der, ref anomalies));
        }
    }

    private static void AddProtocols(ReadOnlySpan<byte> protocolNameList, List<string> protocols)
    {
        var reader = new TlsAlpnReader(protocolNameList);
        while (reader.TryReadNext(out ReadOnlySpan<byte> protocol))
            protocols.Add(Encoding.Latin1.GetString(protocol));
    }
}
