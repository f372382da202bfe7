using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Transport;

/// <summary>
/// SCTP common header (RFC 9260 §3.1), 12 bytes, big-endian. Only the ports are decoded; chunks are the payload.
/// <code>
///  0             2                  4                  8          12
///  | Source Port | Destination Port | Verification Tag | Checksum | chunks ...
/// </code>
/// </summary>
public readonly ref struct SctpHeader
{
    public const int Length = 12;
    private const int VerificationTagOffset = 4;

    private readonly ReadOnlySpan<byte> _header;

    private SctpHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        _header = header;
        Payload = payload;
    }

    public ushort SourcePort => BinaryPrimitives.ReadUInt16BigEndian(_header);
    public ushort DestinationPort => BinaryPrimitives.ReadUInt16BigEndian(_header[2..]);
    public uint VerificationTag => BinaryPrimitives.ReadUInt32BigEndian(_header[VerificationTagOffset..]);
    public ReadOnlySpan<byte> Payload { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> packet, ref AnomalySet anomalies, out SctpHeader header)
    {
        if (packet.Length < Length)
        {
            header = default;
            anomalies.Add(Anomaly.SctpPacketTooSmall);
            return false;
        }

        header = new SctpHeader(packet[..Length], packet[Length..]);
        return true;
    }
}
