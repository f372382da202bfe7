namespace Assay.Protocols.Tls;

/// <summary>GREASE code points (RFC 8701 §2): clients sprinkle them into every list so servers stay tolerant.</summary>
public static class TlsGrease
{
    /// <summary>0x0A0A, 0x1A1A … 0xFAFA: both bytes equal, low nibble 0xA. JA3 and JA4 leave them out.</summary>
    public static bool Is(ushort value) => (value & 0x0F0F) == 0x0A0A && (value >> 8) == (value & 0xFF);
}
