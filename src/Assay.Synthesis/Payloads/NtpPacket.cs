using System.Buffers.Binary;

namespace Assay.Synthesis.Payloads;

/// <summary>NTPv4 packets (RFC 5905 §7.3): 48 bytes, LI/VN/Mode, stratum, poll, precision, root delay/dispersion, refid, 4 timestamps.</summary>
public static class NtpPacket
{
    public const int Length = 48;
    private const long NtpEpochOffsetSeconds = 2_208_988_800; // 1900-01-01 to 1970-01-01

    /// <summary>Client request (mode 3) with the transmit timestamp set, as chrony / ntpd send.</summary>
    public static byte[] Client(long transmitUnixNanos)
    {
        byte[] p = new byte[Length];
        p[0] = (4 << 3) | 3; // LI 0, version 4, mode 3
        p[2] = 6;            // poll 2^6 s
        p[3] = 0xE9;         // precision ~2^-23
        WriteTimestamp(p.AsSpan(40), transmitUnixNanos);
        return p;
    }

    /// <summary>Server reply (mode 4, stratum 2) echoing the client's transmit time as origin.</summary>
    public static byte[] Server(long originUnixNanos, long receiveUnixNanos, long transmitUnixNanos, uint referenceId = 0xC0000201)
    {
        byte[] p = new byte[Length];
        p[0] = (4 << 3) | 4;
        p[1] = 2;
        p[2] = 6;
        p[3] = 0xE7;
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(4), 0x0000_0120);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(8), 0x0000_0340);
        BinaryPrimitives.WriteUInt32BigEndian(p.AsSpan(12), referenceId);
        WriteTimestamp(p.AsSpan(16), receiveUnixNanos - (64L * 1_000_000_000));
        WriteTimestamp(p.AsSpan(24), originUnixNanos);
        WriteTimestamp(p.AsSpan(32), receiveUnixNanos);
        WriteTimestamp(p.AsSpan(40), transmitUnixNanos);
        return p;
    }

    /// <summary>64-bit NTP timestamp: seconds since 1900 (u32), then the fraction of a second in 1/2^32 units.</summary>
    private static void WriteTimestamp(Span<byte> destination, long unixNanos)
    {
        long seconds = Math.DivRem(unixNanos, 1_000_000_000L, out long nanos);
        BinaryPrimitives.WriteUInt32BigEndian(destination, (uint)(seconds + NtpEpochOffsetSeconds));
        BinaryPrimitives.WriteUInt32BigEndian(destination[4..], (uint)((nanos << 32) / 1_000_000_000L));
    }
}
