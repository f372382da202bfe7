namespace Assay.Protocols.Tls;

/// <summary>Content sniffing for protocol detection: does a stream's first bytes look like the start of a TLS handshake?</summary>
public static class TlsDetector
{
    /// <summary>Bytes <see cref="LooksLikeTls"/> needs to decide; fewer give <see langword="false"/>.</summary>
    public const int MinimumLength = 6;

    /// <summary>
    /// A handshake record header (type 22, version 3.0–3.4, length 1…2^14+2048) whose first message is a ClientHello or
    /// ServerHello with a 24-bit length below 2^16; or an SSLv2-format CLIENT-HELLO (two-byte header with the top bit set,
    /// msg_type 1, version 0x0002 or 0x03xx). Cheap and allocation-free: call it on every new stream.
    /// </summary>
    public static bool LooksLikeTls(ReadOnlySpan<byte> firstBytes)
    {
        if (firstBytes.Length < MinimumLength)
            return false;

        if ((firstBytes[0] & 0x80) != 0)
        {
            int length = ((firstBytes[0] & 0x7F) << 8) | firstBytes[1];
            return firstBytes[2] == 1 && length >= 9 // msg_type, version, three lengths
                && ((firstBytes[3] == 0 && firstBytes[4] == 2) || (firstBytes[3] == 3 && firstBytes[4] <= 4));
        }

        int recordLength = (firstBytes[3] << 8) | firstBytes[4];
        return firstBytes[0] == (byte)TlsContentType.Handshake
            && firstBytes[1] == 3 && firstBytes[2] <= 4
            && recordLength is > 0 and <= TlsHandshakeParser.MaxRecordLength
            && firstBytes[5] is (byte)TlsHandshakeType.ClientHello or (byte)TlsHandshakeType.ServerHello;
    }
}
