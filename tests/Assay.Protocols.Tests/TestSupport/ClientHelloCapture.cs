using System.Buffers;
using Assay.Decoding;
using Assay.Protocols.Tls;

namespace Assay.Protocols.Tests.TestSupport;

/// <summary>What the first ClientHello of a direction showed, as strings for comparing with other tools.</summary>
internal sealed class ClientHelloCapture
{
    public string? Ja3Hash { get; private set; }
    public string? Ja3 { get; private set; }
    public string? Ja4 { get; private set; }
    public string? Ja4Raw { get; private set; }
    public string? ServerName { get; private set; }
    public List<string> Alpns { get; } = [];

    public bool HasClientHello => Ja4 is not null;

    public Sink AsSink() => new(this);

    /// <summary>The first ClientHello of a whole stream read from its first byte, or null.</summary>
    public static ClientHelloCapture? Read(ReadOnlySpan<byte> stream)
    {
        var capture = new ClientHelloCapture();
        var sink = capture.AsSink();
        TlsParserState state = default;
        AnomalySet anomalies = default;
        int offset = 0;
        while (!capture.HasClientHello
            && TlsHandshakeParser.TryReadRecord(stream[offset..], ref state, ref sink, ref anomalies, out int consumed) == OperationStatus.Done
            && !state.IsDone)
        {
            offset += consumed;
            anomalies.Clear();
        }

        state.Reset();
        return capture.HasClientHello ? capture : null;
    }

    public readonly struct Sink(ClientHelloCapture capture) : ITlsHandshakeSink
    {
        public void OnHandshakeMessage(TlsHandshakeType type, ReadOnlySpan<byte> body)
        {
        }

        public void OnClientHello(in TlsClientHello hello, ref AnomalySet anomalies)
        {
            if (capture.HasClientHello)
                return;
            capture.Ja3 = TlsFingerprint.Ja3(hello);
            capture.Ja3Hash = TlsFingerprint.Ja3Hash(hello);
            capture.Ja4 = TlsFingerprint.Ja4(hello);
            capture.Ja4Raw = TlsFingerprint.Ja4Raw(hello);
            capture.ServerName = hello.HasServerName ? System.Text.Encoding.Latin1.GetString(hello.ServerName) : null;
            var alpn = new TlsAlpnReader(hello.AlpnProtocols);
            while (alpn.TryReadNext(out ReadOnlySpan<byte> protocol))
                capture.Alpns.Add(System.Text.Encoding.Latin1.GetString(protocol));
        }

        public void OnServerHello(in TlsServerHello hello, ref AnomalySet anomalies)
        {
        }

        public void OnCertificates(in TlsCertificateList certificates, ref AnomalySet anomalies)
        {
        }
    }
}
