using System.Buffers.Binary;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Payloads;

/// <summary>TLS record layer (RFC 8446 §5.1): <c>ContentType type; ProtocolVersion legacy_record_version; uint16 length; opaque fragment</c>.</summary>
public static class TlsRecords
{
    public const byte ChangeCipherSpecType = 20;
    public const byte AlertType = 21;
    public const byte HandshakeType = 22;
    public const byte ApplicationDataType = 23;
    public const int HeaderLength = 5;
    public const int MaxPlaintext = 16384;

    /// <summary>Ciphertext records may be 2^14 + 256 bytes (RFC 8446 §5.2); real stacks fill 2^14 + 17 (AEAD tag + type byte).</summary>
    private const int MaxCiphertextUsed = MaxPlaintext + 17;

    /// <summary>Wraps <paramref name="fragment"/> in as many records as needed (each at most 16384 bytes).</summary>
    public static byte[] Record(byte contentType, ushort version, ReadOnlySpan<byte> fragment) =>
        Wrap(contentType, version, fragment, MaxPlaintext);

    /// <summary>A handshake message (RFC 8446 §4): <c>HandshakeType msg_type; uint24 length; body</c>.</summary>
    public static byte[] Handshake(byte messageType, ReadOnlySpan<byte> body)
    {
        byte[] message = new byte[4 + body.Length];
        message[0] = messageType;
        message[1] = (byte)(body.Length >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), (ushort)body.Length);
        body.CopyTo(message.AsSpan(4));
        return message;
    }

    /// <summary>The one-byte ChangeCipherSpec record (TLS 1.2, and TLS 1.3 middlebox compatibility).</summary>
    public static byte[] ChangeCipherSpec() => [ChangeCipherSpecType, 0x03, 0x03, 0x00, 0x01, 0x01];

    public static byte[] Alert(byte level, byte description, ushort version = TlsVersion.Tls12) => Record(AlertType, version, [level, description]);

    /// <summary>Opaque (encrypted-looking) application-data records carrying <paramref name="length"/> bytes in total.</summary>
    public static byte[] ApplicationData(int length, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        return Wrap(ApplicationDataType, TlsVersion.Tls12, random.NextBytes(length), MaxCiphertextUsed);
    }

    /// <summary>
    /// A TLS 1.3 server's first flight: ServerHello, ChangeCipherSpec, then encrypted EncryptedExtensions / Certificate /
    /// CertificateVerify / Finished as application data of roughly <paramref name="encryptedLength"/> bytes.
    /// </summary>
    public static byte[] ServerFlight13(TlsServerHello hello, int encryptedLength, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(hello);
        return Concat(hello.Build(), ChangeCipherSpec(), ApplicationData(encryptedLength, random));
    }

    /// <summary>The client's TLS 1.3 Finished flight: ChangeCipherSpec and one encrypted record (Finished, 53 bytes on the wire).</summary>
    public static byte[] ClientFinished13(SeededRandom random) => Concat(ChangeCipherSpec(), ApplicationData(53, random));

    /// <summary>
    /// A TLS 1.2 server flight: ServerHello, Certificate (one opaque certificate of <paramref name="certificateLength"/> bytes),
    /// ServerKeyExchange (x25519), ServerHelloDone, in one handshake record stream.
    /// </summary>
    public static byte[] ServerFlight12(TlsServerHello hello, int certificateLength, SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(hello);
        ArgumentNullException.ThrowIfNull(random);
        byte[] certificate = random.NextBytes(certificateLength);
        certificate[0] = 0x30; // DER SEQUENCE, so it at least starts like a certificate
        byte[] certificateBody = new byte[6 + certificate.Length];
        WriteUInt24(certificateBody, 3 + certificate.Length);
        WriteUInt24(certificateBody.AsSpan(3), certificate.Length);
        certificate.CopyTo(certificateBody, 6);

        byte[] keyExchange = new byte[4 + 32 + 4 + 64];
        keyExchange[0] = 3; // named_curve
        BinaryPrimitives.WriteUInt16BigEndian(keyExchange.AsSpan(1), 0x001D);
        keyExchange[3] = 32;
        random.NextBytes(keyExchange.AsSpan(4, 32));
        BinaryPrimitives.WriteUInt16BigEndian(keyExchange.AsSpan(36), 0x0804); // rsa_pss_rsae_sha256
        BinaryPrimitives.WriteUInt16BigEndian(keyExchange.AsSpan(38), 64);
        random.NextBytes(keyExchange.AsSpan(40));

        byte[] messages = Concat(hello.BuildHandshake(), Handshake(11, certificateBody), Handshake(12, keyExchange), Handshake(14, []));
        return Record(HandshakeType, TlsVersion.Tls12, messages);
    }

    /// <summary>A TLS 1.2 client's ClientKeyExchange, ChangeCipherSpec and encrypted Finished.</summary>
    public static byte[] ClientFinished12(SeededRandom random)
    {
        ArgumentNullException.ThrowIfNull(random);
        byte[] key = new byte[33];
        key[0] = 32;
        random.NextBytes(key.AsSpan(1));
        return Concat(Record(HandshakeType, TlsVersion.Tls12, Handshake(16, key)), ChangeCipherSpec(),
            Record(HandshakeType, TlsVersion.Tls12, random.NextBytes(40)));
    }

    internal static void WriteUInt24(Span<byte> destination, int value)
    {
        destination[0] = (byte)(value >> 16);
        BinaryPrimitives.WriteUInt16BigEndian(destination[1..], (ushort)value);
    }

    internal static byte[] Concat(params ReadOnlySpan<byte[]> parts)
    {
        int length = 0;
        foreach (byte[] part in parts)
            length += part.Length;
        byte[] all = new byte[length];
        int offset = 0;
        foreach (byte[] part in parts)
        {
            part.CopyTo(all, offset);
            offset += part.Length;
        }

        return all;
    }

    private static byte[] Wrap(byte contentType, ushort version, ReadOnlySpan<byte> fragment, int maxRecord)
    {
        int records = Math.Max(1, (fragment.Length + maxRecord - 1) / maxRecord);
        byte[] output = new byte[(records * HeaderLength) + fragment.Length];
        int offset = 0;
        for (int i = 0; i < records; i++)
        {
            ReadOnlySpan<byte> piece = fragment.Slice(i * maxRecord, Math.Min(maxRecord, fragment.Length - (i * maxRecord)));
            output[offset] = contentType;
            BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(offset + 1), version);
            BinaryPrimitives.WriteUInt16BigEndian(output.AsSpan(offset + 3), (ushort)piece.Length);
            piece.CopyTo(output.AsSpan(offset + HeaderLength));
            offset += HeaderLength + piece.Length;
        }

        return output;
    }
}
