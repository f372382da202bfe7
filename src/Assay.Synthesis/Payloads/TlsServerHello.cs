using System.Buffers.Binary;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Payloads;

/// <summary>
/// A ServerHello (RFC 8446 §4.1.3): legacy_version, random, legacy_session_id_echo, cipher_suite, compression 0, extensions.
/// </summary>
public sealed class TlsServerHello
{
    public const byte MessageType = 2;

    public ushort RecordVersion { get; set; } = TlsVersion.Tls12;
    public ushort LegacyVersion { get; set; } = TlsVersion.Tls12;
    public byte[] Random { get; set; } = new byte[32];
    public byte[] SessionId { get; set; } = [];
    public ushort CipherSuite { get; set; } = 0x1301;
    public List<TlsExtension> Extensions { get; } = [];

    /// <summary>A TLS 1.3 ServerHello answering <paramref name="client"/> (echoes its session id, x25519 key share).</summary>
    public static TlsServerHello Tls13(TlsClientHello client, SeededRandom random, ushort cipherSuite = 0x1301)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(random);
        var hello = new TlsServerHello { Random = random.NextBytes(32), SessionId = client.SessionId, CipherSuite = cipherSuite };
        hello.Extensions.Add(TlsExtension.ServerKeyShare(0x001D, random.NextBytes(32)));
        hello.Extensions.Add(TlsExtension.SelectedVersion(TlsVersion.Tls13));
        return hello;
    }

    /// <summary>A TLS 1.2 ServerHello, optionally selecting an ALPN protocol.</summary>
    public static TlsServerHello Tls12(SeededRandom random, ushort cipherSuite = 0xC02F, string? alpn = null)
    {
        ArgumentNullException.ThrowIfNull(random);
        var hello = new TlsServerHello { Random = random.NextBytes(32), SessionId = random.NextBytes(32), CipherSuite = cipherSuite };
        hello.Extensions.Add(TlsExtension.RenegotiationInfo());
        hello.Extensions.Add(TlsExtension.EcPointFormats(0, 1, 2));
        if (alpn is not null)
            hello.Extensions.Add(TlsExtension.Alpn(alpn));
        hello.Extensions.Add(TlsExtension.ExtendedMasterSecret());
        return hello;
    }

    public byte[] BuildHandshake()
    {
        int extensionsLength = 0;
        foreach (TlsExtension extension in Extensions)
            extensionsLength += 4 + extension.Data.Length;
        byte[] body = new byte[2 + 32 + 1 + SessionId.Length + 2 + 1 + 2 + extensionsLength];
        Span<byte> w = body;
        BinaryPrimitives.WriteUInt16BigEndian(w, LegacyVersion);
        Random.AsSpan(0, 32).CopyTo(w[2..]);
        int offset = 34;
        body[offset++] = (byte)SessionId.Length;
        SessionId.CopyTo(body, offset);
        offset += SessionId.Length;
        BinaryPrimitives.WriteUInt16BigEndian(w[offset..], CipherSuite);
        offset += 2;
        body[offset++] = 0;
        BinaryPrimitives.WriteUInt16BigEndian(w[offset..], (ushort)extensionsLength);
        offset += 2;
        foreach (TlsExtension extension in Extensions)
        {
            BinaryPrimitives.WriteUInt16BigEndian(w[offset..], extension.Type);
            BinaryPrimitives.WriteUInt16BigEndian(w[(offset + 2)..], (ushort)extension.Data.Length);
            extension.Data.CopyTo(body, offset + 4);
            offset += 4 + extension.Data.Length;
        }

        return TlsRecords.Handshake(MessageType, body);
    }

    public byte[] Build() => TlsRecords.Record(TlsRecords.HandshakeType, RecordVersion, BuildHandshake());
}
