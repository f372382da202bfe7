namespace Assay.Capture;

/// <summary>Link-layer header types (tcpdump.org/linktypes.html). Values are the LINKTYPE_ numbers stored in files.</summary>
public enum LinkType : ushort
{
    /// <summary>BSD loopback: a 4-byte address family in the capturing host's byte order.</summary>
    Null = 0,
    Ethernet = 1,
    /// <summary>DLT_RAW as some BSDs number it.</summary>
    RawBsd12 = 12,
    /// <summary>DLT_RAW as OpenBSD numbers it.</summary>
    RawBsd14 = 14,
    Raw = 101,
    /// <summary>OpenBSD loopback: like <see cref="Null"/> but the family is big-endian.</summary>
    Loop = 108,
    LinuxSll = 113,
    IPv4 = 228,
    IPv6 = 229,
    LinuxSll2 = 276,
}
