using Assay.Decoding;
using Assay.Protocols.Tls;

namespace Assay.Protocols.Tests.TestSupport;

/// <summary>A sink that writes down everything it is told as text, so runs over differently split input can be compared.</summary>
internal readonly struct RecordingSink(List<string> events) : ITlsHandshakeSink
{
    public List<string> Events => events;

    public void OnHandshakeMessage(TlsHandshakeType type, ReadOnlySpan<byte> body) => events.Add($"{type} {body.Length}");

    public void OnClientHello(in TlsClientHello hello, ref AnomalySet anomalies) =>
        events.Add($"client hello {TlsFingerprint.Ja3(hello)} {TlsFingerprint.Ja4(hello)} sni={System.Text.Encoding.ASCII.GetString(hello.ServerName)}");

    public void OnServerHello(in TlsServerHello hello, ref AnomalySet anomalies) =>
        events.Add($"server hello {TlsFingerprint.Ja3S(hello)} {hello.NegotiatedVersion:x4} retry={hello.IsHelloRetryRequest}");

    public void OnCertificates(in TlsCertificateList certificates, ref AnomalySet anomalies)
    {
        var lengths = new List<int>();
        foreach (ReadOnlySpan<byte> der in certificates)
            lengths.Add(der.Length);
        events.Add($"certificates {string.Join(",", lengths)}");
    }
}

/// <summary>Does nothing: for measuring the scanner alone.</summary>
internal struct CountingSink : ITlsHandshakeSink
{
    public int Messages;
    public int ClientHellos;
    public int ServerHellos;
    public int Certificates;

    public void OnHandshakeMessage(TlsHandshakeType type, ReadOnlySpan<byte> body) => Messages++;

    public void OnClientHello(in TlsClientHello hello, ref AnomalySet anomalies) => ClientHellos++;

    public void OnServerHello(in TlsServerHello hello, ref AnomalySet anomalies) => ServerHellos++;

    public void OnCertificates(in TlsCertificateList certificates, ref AnomalySet anomalies) => Certificates++;
}
