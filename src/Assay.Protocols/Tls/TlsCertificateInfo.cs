using System.Diagnostics.CodeAnalysis;
using System.Formats.Asn1;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Assay.Decoding;

namespace Assay.Protocols.Tls;

/// <summary>
/// One certificate of a chain, with the fields Suricata logs (<c>tls.subject</c>, <c>tls.issuerdn</c>, <c>tls.serial</c>,
/// <c>tls.fingerprint</c>, <c>tls.notbefore</c>/<c>notafter</c>, <c>tls.subjectaltname</c>) in its formats.
/// </summary>
/// <param name="Subject">Distinguished name in certificate order, <c>C=US, O=Let's Encrypt, CN=R3</c>; null if the DER is invalid.</param>
/// <param name="Issuer">Issuer distinguished name, formatted as <paramref name="Subject"/>.</param>
/// <param name="Serial">Serial number bytes as encoded, upper-case hex joined by ':' (<c>00:C7:D4:28</c>).</param>
/// <param name="NotBefore">Start of validity, UTC.</param>
/// <param name="NotAfter">End of validity, UTC.</param>
/// <param name="DnsNames">subjectAltName dNSName entries, as sent.</param>
/// <param name="Sha1Fingerprint">SHA-1 of the DER bytes, lower-case hex joined by ':' — computed even when the DER is invalid.</param>
public sealed record TlsCertificateInfo(
    string? Subject,
    string? Issuer,
    string? Serial,
    DateTime? NotBefore,
    DateTime? NotAfter,
    IReadOnlyList<string> DnsNames,
    string Sha1Fingerprint)
{
    /// <summary>Certificates read per chain; the rest are counted in an anomaly. Real chains have 2–4, rarely 6.</summary>
    public const int MaxChainLength = 16;

    /// <summary>
    /// Reads <paramref name="der"/> with <see cref="X509CertificateLoader"/>. This allocates, which is fine once per
    /// handshake; a certificate the BCL rejects becomes <see cref="Anomaly.TlsCertificateInvalidDer"/> and an entry with only
    /// its fingerprint, never an exception.
    /// </summary>
    public static TlsCertificateInfo Read(ReadOnlySpan<byte> der, ref AnomalySet anomalies)
    {
        // Servers send the same chain to every client: parsing X.509 through the platform measured ~20 % of a full run on
        // gen_mix traffic, so each worker thread remembers what it parsed, keyed by the exact DER bytes.
        ulong key = CacheKey(der);
        s_cache ??= new Dictionary<ulong, (byte[] Der, TlsCertificateInfo Info, bool Invalid)>();
        if (s_cache.TryGetValue(key, out var cached) && der.SequenceEqual(cached.Der))
        {
            if (cached.Invalid)
                anomalies.Add(Anomaly.TlsCertificateInvalidDer);
            return cached.Info;
        }

        int before = anomalies.Count;
        TlsCertificateInfo info = ReadUncached(der, ref anomalies);
        if (s_cache.Count >= MaxCachedCertificates)
            s_cache.Clear();
        s_cache[key] = (der.ToArray(), info, anomalies.Count != before);
        return info;
    }

    /// <summary>Certificates remembered per worker thread (≈ 1–2 KiB each with their DER), cleared whole when full.</summary>
    public const int MaxCachedCertificates = 4096;

    [ThreadStatic]
    private static Dictionary<ulong, (byte[] Der, TlsCertificateInfo Info, bool Invalid)>? s_cache;

    /// <summary>FNV-1a over the DER, mixed with its length: a cache key only (hits are confirmed byte for byte).</summary>
    private static ulong CacheKey(ReadOnlySpan<byte> der)
    {
        ulong hash = 14695981039346656037UL ^ (ulong)der.Length;
        foreach (byte b in der)
            hash = (hash ^ b) * 1099511628211UL;
        return hash;
    }

    private static TlsCertificateInfo ReadUncached(ReadOnlySpan<byte> der, ref AnomalySet anomalies)
    {
        string fingerprint = Sha1Hex(der);
        try
        {
            using X509Certificate2 certificate = X509CertificateLoader.LoadCertificate(der);
            return new TlsCertificateInfo(
                FormatName(certificate.SubjectName),
                FormatName(certificate.IssuerName),
                FormatHex(certificate.SerialNumberBytes.Span, ':', upperCase: true),
                certificate.NotBefore.ToUniversalTime(),
                certificate.NotAfter.ToUniversalTime(),
                ReadDnsNames(certificate),
                fingerprint);
        }
        catch (CryptographicException)
        {
            anomalies.Add(Anomaly.TlsCertificateInvalidDer);
        }
        catch (AsnContentException)
        {
            anomalies.Add(Anomaly.TlsCertificateInvalidDer);
        }

        return new TlsCertificateInfo(null, null, null, null, null, [], fingerprint);
    }

    [SuppressMessage("Security", "CA5350:Do Not Use Weak Cryptographic Algorithms", Justification = "The certificate fingerprint logged by Suricata and nDPI is a SHA-1 by definition.")]
    private static string Sha1Hex(ReadOnlySpan<byte> der)
    {
        Span<byte> hash = stackalloc byte[SHA1.HashSizeInBytes];
        SHA1.HashData(der, hash);
        return FormatHex(hash, ':', upperCase: false);
    }

    private static string FormatHex(ReadOnlySpan<byte> bytes, char separator, bool upperCase)
    {
        if (bytes.IsEmpty)
            return string.Empty;
        string hex = upperCase ? Convert.ToHexString(bytes) : Convert.ToHexStringLower(bytes);
        var builder = new StringBuilder((bytes.Length * 3) - 1);
        for (int i = 0; i < bytes.Length; i++)
        {
            if (i > 0)
                builder.Append(separator);
            builder.Append(hex, 2 * i, 2);
        }

        return builder.ToString();
    }

    /// <summary>subjectAltName dNSName entries; a malformed extension yields what was read before the damage.</summary>
    private static string[] ReadDnsNames(X509Certificate2 certificate)
    {
        foreach (X509Extension extension in certificate.Extensions)
        {
            if (extension is X509SubjectAlternativeNameExtension san)
            {
                var names = new List<string>();
                foreach (string name in san.EnumerateDnsNames())
                    names.Add(name);
                return [.. names];
            }
        }

        return [];
    }

    /// <summary>
    /// "C=US, O=Let's Encrypt, CN=R3": attributes in certificate (DER) order, short names as OpenSSL and Suricata write
    /// them, multi-valued RDNs joined by " + ", unknown types by dotted OID.
    /// </summary>
    private static string FormatName(X500DistinguishedName name)
    {
        var builder = new StringBuilder();
        var sequence = new AsnReader(name.RawData, AsnEncodingRules.BER).ReadSequence();
        while (sequence.HasData)
        {
            AsnReader set = sequence.ReadSetOf(skipSortOrderValidation: true);
            bool firstInSet = true;
            while (set.HasData)
            {
                AsnReader attribute = set.ReadSequence();
                string oid = attribute.ReadObjectIdentifier();
                builder.Append(firstInSet ? (builder.Length > 0 ? ", " : string.Empty) : " + ");
                firstInSet = false;
                builder.Append(ShortName(oid)).Append('=').Append(ReadValue(attribute));
            }
        }

        return builder.ToString();
    }

    private static string ReadValue(AsnReader attribute)
    {
        Asn1Tag tag = attribute.PeekTag();
        if (tag.TagClass == TagClass.Universal)
        {
            switch ((UniversalTagNumber)tag.TagValue)
            {
                case UniversalTagNumber.UTF8String:
                case UniversalTagNumber.PrintableString:
                case UniversalTagNumber.IA5String:
                case UniversalTagNumber.BMPString:
                case UniversalTagNumber.UniversalString:
                case UniversalTagNumber.T61String:
                case UniversalTagNumber.VisibleString:
                case UniversalTagNumber.NumericString:
                    return attribute.ReadCharacterString((UniversalTagNumber)tag.TagValue);
            }
        }

        // Anything else (rare): the encoded value in hex, as OpenSSL's "#…" form.
        return "#" + Convert.ToHexString(attribute.ReadEncodedValue().Span);
    }

    private static string ShortName(string oid) => oid switch
    {
        "2.5.4.3" => "CN",
        "2.5.4.4" => "SN",
        "2.5.4.5" => "serialNumber",
        "2.5.4.6" => "C",
        "2.5.4.7" => "L",
        "2.5.4.8" => "ST",
        "2.5.4.9" => "street",
        "2.5.4.10" => "O",
        "2.5.4.11" => "OU",
        "2.5.4.12" => "title",
        "2.5.4.42" => "GN",
        "2.5.4.97" => "organizationIdentifier",
        "0.9.2342.19200300.100.1.1" => "UID",
        "0.9.2342.19200300.100.1.25" => "DC",
        "1.2.840.113549.1.9.1" => "emailAddress",
        _ => oid,
    };
}
