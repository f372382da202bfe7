using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Assay.Decoding;
using Assay.Protocols.Tls;

namespace Assay.Protocols.Tests.Tls;

public class TlsCertificateInfoTests
{
    private static byte[] SelfSigned(string subject, byte[] serial, params string[] dnsNames) =>
        SelfSigned(new X500DistinguishedName(subject), serial, dnsNames);

    private static byte[] SelfSigned(X500DistinguishedName subject, byte[] serial, params string[] dnsNames)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        if (dnsNames.Length > 0)
        {
            var san = new SubjectAlternativeNameBuilder();
            foreach (string name in dnsNames)
                san.AddDnsName(name);
            request.CertificateExtensions.Add(san.Build());
        }

        var notBefore = new DateTimeOffset(2018, 4, 14, 20, 55, 27, TimeSpan.Zero);
        using X509Certificate2 certificate = request.Create(request.SubjectName, X509SignatureGenerator.CreateForECDsa(key),
            notBefore, notBefore.AddDays(30), serial);
        return certificate.RawData;
    }

    [Fact]
    public void ReadsTheFieldsSuricataLogsInItsFormats()
    {
        // Written in .NET's order (most specific first); Suricata prints the certificate's order: C first.
        byte[] der = SelfSigned("CN=SampleServer, O=TLSClientAuthSampleServer, L=Budapest, S=Budapest, C=HU",
            [0x00, 0xC7, 0xD4, 0x28, 0x8B, 0x80, 0xE0, 0x1E, 0x25], "localhost", "www.example.org");
        AnomalySet anomalies = default;

        TlsCertificateInfo info = TlsCertificateInfo.Read(der, ref anomalies);

        Assert.Equal(0, anomalies.Count);
        Assert.Equal("C=HU, ST=Budapest, L=Budapest, O=TLSClientAuthSampleServer, CN=SampleServer", info.Subject);
        Assert.Equal(info.Subject, info.Issuer);
        Assert.Equal("00:C7:D4:28:8B:80:E0:1E:25", info.Serial);
        Assert.Equal(new DateTime(2018, 4, 14, 20, 55, 27, DateTimeKind.Utc), info.NotBefore);
        Assert.Equal(new DateTime(2018, 5, 14, 20, 55, 27, DateTimeKind.Utc), info.NotAfter);
        Assert.Equal(["localhost", "www.example.org"], info.DnsNames);
#pragma warning disable CA5350 // the certificate fingerprint is a SHA-1 by definition
        string sha1 = Convert.ToHexStringLower(SHA1.HashData(der));
#pragma warning restore CA5350
        Assert.Equal(string.Join(":", Enumerable.Range(0, 20).Select(i => sha1.Substring(2 * i, 2))), info.Sha1Fingerprint);
    }

    [Fact]
    public void InvalidDerIsAnAnomalyAndKeepsTheFingerprint()
    {
        byte[] der = [0x30, 0x03, 0x02, 0x01, 0x01];
        AnomalySet anomalies = default;

        TlsCertificateInfo info = TlsCertificateInfo.Read(der, ref anomalies);

        Assert.True(anomalies.Contains(Anomaly.TlsCertificateInvalidDer));
        Assert.Null(info.Subject);
        Assert.Empty(info.DnsNames);
        Assert.Equal(59, info.Sha1Fingerprint.Length);
    }

    private static void WriteRdn(AsnWriter writer, params (string Oid, string Value, UniversalTagNumber Type)[] attributes)
    {
        using (writer.PushSetOf())
        {
            foreach ((string oid, string value, UniversalTagNumber type) in attributes)
            {
                using (writer.PushSequence())
                {
                    writer.WriteObjectIdentifier(oid);
                    writer.WriteCharacterString(type, value);
                }
            }
        }
    }

    [Fact]
    public void KeepsMultiValuedRdnsAndUnknownAttributes()
    {
        // RDNSequence: { DC=example } { 1.2.3.4=x (UTF8String) } { O=T61 (TeletexString) } { CN=a, OU=b }.
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            WriteRdn(writer, ("0.9.2342.19200300.100.1.25", "example", UniversalTagNumber.IA5String));
            WriteRdn(writer, ("1.2.3.4", "x", UniversalTagNumber.UTF8String));
            WriteRdn(writer, ("2.5.4.10", "T61", UniversalTagNumber.T61String));
            WriteRdn(writer, ("2.5.4.3", "a", UniversalTagNumber.UTF8String), ("2.5.4.11", "b", UniversalTagNumber.PrintableString));
        }

        byte[] der = SelfSigned(new X500DistinguishedName(writer.Encode()), [1]);
        AnomalySet anomalies = default;

        TlsCertificateInfo info = TlsCertificateInfo.Read(der, ref anomalies);

        Assert.Equal(0, anomalies.Count);
        Assert.Equal("DC=example, 1.2.3.4=x, O=T61, CN=a + OU=b", info.Subject);
        Assert.Equal("01", info.Serial);
    }

    [Fact]
    public void DamagedCertificatesNeverThrow()
    {
        byte[] der = SelfSigned("CN=x, O=y, C=HU", [5], "a.example");
        var random = new Random(11);
        for (int round = 0; round < 500; round++)
        {
            byte[] damaged = (byte[])der.Clone();
            for (int e = random.Next(1, 4); e > 0; e--)
                damaged[random.Next(damaged.Length)] = (byte)random.Next(256);
            AnomalySet anomalies = default;
            TlsCertificateInfo info = TlsCertificateInfo.Read(damaged, ref anomalies);
            Assert.Equal(59, info.Sha1Fingerprint.Length);
        }
    }
}
