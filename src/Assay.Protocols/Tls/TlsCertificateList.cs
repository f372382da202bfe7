using Assay.Decoding;

namespace Assay.Protocols.Tls;

/// <summary>
/// A TLS ≤ 1.2 Certificate message body (RFC 5246 §7.4.2; TLS 1.3 encrypts its own, so only this form is seen in clear):
/// <code>
///   opaque ASN.1Cert&lt;1..2^24-1&gt;;
///   struct {
///       ASN.1Cert certificate_list&lt;0..2^24-1&gt;;
///   } Certificate;
/// </code>
/// The sender's certificate comes first; each following one certifies the one before it.
/// </summary>
public readonly ref struct TlsCertificateList
{
    private readonly ReadOnlySpan<byte> _list;

    private TlsCertificateList(ReadOnlySpan<byte> list, int count)
    {
        _list = list;
        Count = count;
    }

    /// <summary>Certificates in the chain (0 is legal: a client without a certificate answers a request with an empty list).</summary>
    public int Count { get; }

    /// <summary>Validates the framing of every entry; never throws.</summary>
    /// <returns><see langword="false"/> (and <see cref="Anomaly.TlsInvalidCertificate"/>) when an entry is empty or overruns the list.</returns>
    public static bool TryParse(ReadOnlySpan<byte> body, ref AnomalySet anomalies, out TlsCertificateList certificates)
    {
        certificates = default;
        var reader = new TlsSpanReader(body);
        if (!reader.TryReadVector24(out ReadOnlySpan<byte> list) || !reader.IsEmpty)
        {
            anomalies.Add(Anomaly.TlsInvalidCertificate);
            return false;
        }

        int count = 0;
        var entries = new TlsSpanReader(list);
        while (!entries.IsEmpty)
        {
            if (!entries.TryReadVector24(out ReadOnlySpan<byte> certificate) || certificate.IsEmpty)
            {
                anomalies.Add(Anomaly.TlsInvalidCertificate);
                return false;
            }

            count++;
        }

        certificates = new TlsCertificateList(list, count);
        return true;
    }

    public Enumerator GetEnumerator() => new(_list);

    /// <summary>Yields each certificate's DER bytes, in chain order.</summary>
    public ref struct Enumerator
    {
        private TlsSpanReader _reader;

        internal Enumerator(ReadOnlySpan<byte> list) => _reader = new TlsSpanReader(list);

        public ReadOnlySpan<byte> Current { readonly get; private set; }

        public bool MoveNext()
        {
            if (!_reader.TryReadVector24(out ReadOnlySpan<byte> certificate))
                return false;
            Current = certificate;
            return true;
        }
    }
}
