using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Link;

/// <summary>
/// Linux "cooked" capture header, LINKTYPE_LINUX_SLL (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html). Big-endian.
/// <code>
///  0            2             4              6                  14         16
///  | packet type | ARPHRD type | address length | address (8, padded) | protocol | payload ...
/// </code>
/// The protocol is an EtherType for the link types that matter here (Ethernet, loopback, tunnels).
/// </summary>
public readonly ref struct SllHeader
{
    public const int Length = 16;
    private const int HardwareTypeOffset = 2;
    private const int ProtocolOffset = 14;

    private readonly ReadOnlySpan<byte> _header;

    private SllHeader(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        _header = header;
        Payload = payload;
    }

    /// <summary>0 to us, 1 broadcast, 2 multicast, 3 to another host, 4 sent by us.</summary>
    public ushort PacketType => BinaryPrimitives.ReadUInt16BigEndian(_header);
    public ushort HardwareType => BinaryPrimitives.ReadUInt16BigEndian(_header[HardwareTypeOffset..]);
    public ushort Protocol => BinaryPrimitives.ReadUInt16BigEndian(_header[ProtocolOffset..]);
    public ReadOnlySpan<byte> Payload { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> frame, ref AnomalySet anomalies, out SllHeader header)
    {
        if (frame.Length < Length)
        {
            header = default;
            anomalies.Add(Anomaly.SllPacketTooSmall);
            return false;
        }

        header = new SllHeader(frame[..Length], frame[Length..]);
        return true;
    }
}
