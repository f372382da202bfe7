using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Decoding.Link;

/// <summary>
/// Linux "cooked" capture v2 header, LINKTYPE_LINUX_SLL2 (tcpdump.org/linktypes/LINKTYPE_LINUX_SLL2.html). Big-endian.
/// <code>
///  0          2          4                8             10            11               12                  20
///  | protocol | reserved | interface index | ARPHRD type | packet type | address length | address (8, padded) | payload ...
/// </code>
/// </summary>
public readonly ref struct Sll2Header
{
    public const int Length = 20;
    private const int InterfaceIndexOffset = 4;
    private const int HardwareTypeOffset = 8;
    private const int PacketTypeOffset = 10;

    private readonly ReadOnlySpan<byte> _header;

    private Sll2Header(ReadOnlySpan<byte> header, ReadOnlySpan<byte> payload)
    {
        _header = header;
        Payload = payload;
    }

    public ushort Protocol => BinaryPrimitives.ReadUInt16BigEndian(_header);
    public uint InterfaceIndex => BinaryPrimitives.ReadUInt32BigEndian(_header[InterfaceIndexOffset..]);
    public ushort HardwareType => BinaryPrimitives.ReadUInt16BigEndian(_header[HardwareTypeOffset..]);
    public byte PacketType => _header[PacketTypeOffset];
    public ReadOnlySpan<byte> Payload { get; }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool TryRead(ReadOnlySpan<byte> frame, ref AnomalySet anomalies, out Sll2Header header)
    {
        if (frame.Length < Length)
        {
            header = default;
            anomalies.Add(Anomaly.Sll2PacketTooSmall);
            return false;
        }

        header = new Sll2Header(frame[..Length], frame[Length..]);
        return true;
    }
}
