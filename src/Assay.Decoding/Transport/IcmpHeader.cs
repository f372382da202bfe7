using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Transport;

/// <summary>
/// The 4-byte header common to ICMP (RFC 792) and ICMPv6 (RFC 4443 §2.1).
/// <code>
///  0      1      2          4
///  | type | code | checksum | message body ...
/// </code>
/// The body (<see cref="Payload"/>) starts right after these 4 bytes for every type: the next 4 bytes are type-specific
/// (echo id/sequence, unused, MTU, pointer), and consumers that care read them from the payload. Keeping one rule means
/// <see cref="DecodedPacket.PayloadOffset"/> never depends on the type.
/// </summary>
public readonly ref struct IcmpHeader
{
    public const int Length = 4;

    private readonly ReadOnlySpan<byte> _header;

    private IcmpHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        _header = header;
        Payload = payload;
    }

    public byte Type => _header[0];
    public byte Code => _header[1];
    public ushort Checksum => BinaryPrimitives.ReadUInt16BigEndian(_header[2..]);
    public ReadOnlySpan<byte> Payload { get; }

    /// <param name="message">The ICMP message.</param>
    /// <param name="tooSmall"><see cref="Anomaly.IcmpPacketTooSmall"/> or <see cref="Anomaly.IcmpV6PacketTooSmall"/>.</param>
    /// <param name="anomalies">Receives <paramref name="tooSmall"/> when the message is shorter than 4 bytes.</param>
    /// <param name="header">The header.</param>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> message, Anomaly tooSmall, ref AnomalySet anomalies, out IcmpHeader header)
    {
        if (message.Length < Length)
        {
            header = default;
            anomalies.Add(tooSmall);
            return false;
        }

        header = new IcmpHeader(message[..Length], message[Length..]);
        return true;
    }
}
