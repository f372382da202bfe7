using System.Buffers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Assay.Decoding;
using Assay.Protocols.Tls;
using static Assay.Protocols.Tests.TestSupport.TlsMessages;

namespace Assay.Protocols.Tests.Tls;

public class TlsHandshakeCollectorTests
{
    private static byte[] Certificate(string subject)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        using X509Certificate2 certificate = request.CreateSelfSigned(DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch.AddYears(1));
        return certificate.RawData;
    }

    private static void Feed(byte[] stream, TlsHandshakeCollector collector, ref AnomalySet anomalies)
    {
        TlsParserState state = default;
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(stream));
        while (TlsHandshakeParser.TryReadRecord(ref reader, ref state, ref collector, ref anomalies) == OperationStatus.Done && !state.IsDone)
        {
        }

        state.Reset();
    }

    [Fact]
    public void FillsTheHandshakeRecordFromBothDirections()
    {
        var info = new TlsHandshakeInfo();
        AnomalySet anomalies = default;
        byte[] client = HandshakeRecord(TlsHandshakeType.ClientHello, FoxIoClientHelloBody());
        byte[] server = Concat(
            HandshakeRecord(TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 0xc02f, [Empty(0xff01), Alpn("h2")])),
            HandshakeRecord(TlsHandshakeType.Certificate, Vector24(Concat(Vector24(Certificate("CN=leaf")), Vector24(Certificate("CN=ca"))))),
            HandshakeRecord(TlsHandshakeType.ServerHelloDone, []));

        Feed(client, new TlsHandshakeCollector(info, fromServer: false), ref anomalies);
        Feed(server, new TlsHandshakeCollector(info, fromServer: true), ref anomalies);

        Assert.Equal(0, anomalies.Count);
        Assert.Equal("example.com", info.ServerName);
        Assert.Equal("TLS 1.2", info.Version);
        Assert.Equal(0xc02f, info.CipherSuite);
        Assert.Equal(["h2", "http/1.1"], info.ClientAlpns);
        Assert.Equal(["h2"], info.ServerAlpns);
        Assert.Equal("t13d1516h2_8daaf6152771_e5627efa2ab1", info.Ja4);
        Assert.Equal(32, info.Ja3Hash!.Length);
        Assert.Equal("771,49199,65281-16", info.Ja3S);
        Assert.Equal(["CN=leaf", "CN=ca"], info.ServerCertificates.Select(c => c.Subject));
        Assert.Empty(info.ClientCertificates);
        Assert.False(info.HelloRetryRequest);
    }

    [Fact]
    public void AServerHelloReplacesAHelloRetryRequestButNotTheOtherWayRound()
    {
        var info = new TlsHandshakeInfo();
        AnomalySet anomalies = default;
        byte[] versions = Extension(0x002b, UInt16(TlsVersion.Tls13));
        byte[] server = Concat(
            HandshakeRecord(TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 0x1301, [versions], TlsServerHello.HelloRetryRequestRandom.ToArray())),
            HandshakeRecord(TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 0x1302, [versions, Empty(0x0033)])),
            HandshakeRecord(TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 0x1303, [versions])));

        Feed(server, new TlsHandshakeCollector(info, fromServer: true), ref anomalies);

        Assert.True(info.HelloRetryRequest);
        Assert.Equal(0x1302, info.CipherSuite);
        Assert.Equal("TLS 1.3", info.Version);
        Assert.Equal("771,4866,43-51", info.Ja3S);
    }

    [Fact]
    public void WithoutAServerHelloTheVersionIsUndetermined() => Assert.Equal("UNDETERMINED", new TlsHandshakeInfo().Version);

    [Fact]
    public void CapsTheChainAndNamesTheRest()
    {
        var info = new TlsHandshakeInfo();
        AnomalySet anomalies = default;
        byte[] der = Certificate("CN=x");
        var entries = new List<byte[]>();
        for (int i = 0; i < TlsCertificateInfo.MaxChainLength + 3; i++)
            entries.Add(Vector24(der));

        Feed(HandshakeRecord(TlsHandshakeType.Certificate, Vector24(Concat([.. entries]))), new TlsHandshakeCollector(info, fromServer: true), ref anomalies);

        Assert.Equal(TlsCertificateInfo.MaxChainLength, info.ServerCertificates.Count);
        Assert.True(anomalies.Contains(Anomaly.TlsCertificateChainTooLong));
    }
}
