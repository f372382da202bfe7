namespace Assay.Decoding.Link;

/// <summary>
/// The LINKTYPE_ numbers (tcpdump.org/linktypes.html) that <see cref="PacketDecoder.TryDecode"/> understands. Plain
/// <see langword="int"/> constants so Decoding does not depend on the capture project's enum.
/// </summary>
public static class LinkTypes
{
    /// <summary>BSD loopback: 4-byte address family in the capturing host's byte order.</summary>
    public const int Null = 0;
    public const int Ethernet = 1;
    /// <summary>DLT_RAW as most BSDs number it (some files carry the DLT instead of LINKTYPE_RAW).</summary>
    public const int RawBsd12 = 12;
    /// <summary>DLT_RAW as OpenBSD numbers it.</summary>
    public const int RawBsd14 = 14;
    /// <summary>Raw IP: IPv4 or IPv6 chosen by the version nibble.</summary>
    public const int Raw = 101;
    /// <summary>OpenBSD loopback: like <see cref="Null"/> but the family is big-endian.</summary>
    public const int Loop = 108;
    public const int LinuxSll = 113;
    public const int IPv4 = 228;
    public const int IPv6 = 229;
    public const int LinuxSll2 = 276;
}
