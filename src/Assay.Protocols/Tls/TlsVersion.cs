namespace Assay.Protocols.Tls;

/// <summary>ProtocolVersion values (uint16, major then minor) and the names Suricata writes for them in EVE <c>tls.version</c>.</summary>
public static class TlsVersion
{
    public const ushort Unknown = 0;
    public const ushort Ssl20 = 0x0002;
    public const ushort Ssl30 = 0x0300;
    public const ushort Tls10 = 0x0301;
    public const ushort Tls11 = 0x0302;
    public const ushort Tls12 = 0x0303;
    public const ushort Tls13 = 0x0304;

    /// <summary>A TLS 1.3 draft before 16 (0x7F01, Suricata's <c>TLS_VERSION_13_PRE_DRAFT16</c>): those sent 0x0304 as the version.</summary>
    public const ushort Tls13PreDraft16 = 0x7F01;

    /// <summary>TLS 1.3 drafts 16..28 were 0x7F10..0x7F1C; drafts before 16 used 0x7F01..0x7F0F (Suricata lumps them).</summary>
    private const ushort Tls13DraftBase = 0x7F00;

    /// <summary>Facebook's TLS 1.3 draft variants (fizz): 0xFB00 + draft number.</summary>
    private const ushort Tls13FacebookDraftBase = 0xFB00;

    /// <summary>
    /// Suricata's name for <paramref name="version"/> (its <c>SSLVersionToString</c>): <c>"TLSv1"</c> but <c>"TLS 1.2"</c>,
    /// <c>"TLS 1.3 draft-28"</c>, <c>"UNDETERMINED"</c> for 0 and <c>"0x0305"</c> for values it has no name for.
    /// </summary>
    /// <remarks>Output boundary only: unknown values allocate their hex string.</remarks>
    public static string GetName(ushort version) => version switch
    {
        Unknown => "UNDETERMINED",
        Ssl20 => "SSLv2",
        Ssl30 => "SSLv3",
        Tls10 => "TLSv1",
        Tls11 => "TLS 1.1",
        Tls12 => "TLS 1.2",
        Tls13 => "TLS 1.3",
        >= Tls13DraftBase + 16 and <= Tls13DraftBase + 28 => s_draftNames[version - Tls13DraftBase - 16],
        > Tls13DraftBase and < Tls13DraftBase + 16 => "TLS 1.3 draft-<16",
        Tls13FacebookDraftBase + 20 => "TLS 1.3 draft-20-fb",
        Tls13FacebookDraftBase + 21 => "TLS 1.3 draft-21-fb",
        Tls13FacebookDraftBase + 22 => "TLS 1.3 draft-22-fb",
        Tls13FacebookDraftBase + 23 => "TLS 1.3 draft-23-fb",
        Tls13FacebookDraftBase + 26 => "TLS 1.3 draft-26-fb",
        _ => "0x" + version.ToString("x4", System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>TLS 1.3 draft versions (0x7Fxx, 0xFBxx) as sent in the version field of drafts 16–21.</summary>
    public static bool IsTls13Draft(ushort version) => (version >> 8) is 0x7F or 0xFB;

    private static readonly string[] s_draftNames =
    [
        "TLS 1.3 draft-16", "TLS 1.3 draft-17", "TLS 1.3 draft-18", "TLS 1.3 draft-19", "TLS 1.3 draft-20",
        "TLS 1.3 draft-21", "TLS 1.3 draft-22", "TLS 1.3 draft-23", "TLS 1.3 draft-24", "TLS 1.3 draft-25",
        "TLS 1.3 draft-26", "TLS 1.3 draft-27", "TLS 1.3 draft-28",
    ];
}
