namespace Assay.Output;

/// <summary>
/// Assay's intrusion alerts (docs/EVE.md): exploit attempts in HTTP requests use 9,100,100–9,100,199 (one id per exploit
/// kind, from <c>Assay.Detection.ExploitKind</c>); downloads of scripts and binaries by tool clients 9,100,200–9,100,209.
/// </summary>
public static class IntrusionSignatures
{
    public const int ExploitFirst = 9_100_100;
    public const int ExploitLast = 9_100_199;

    /// <summary>A shell/script file fetched by curl, wget or a similar tool.</summary>
    public const int ToolDownloadScript = 9_100_200;

    /// <summary>An executable (ELF, PE) fetched by curl, wget or a similar tool.</summary>
    public const int ToolDownloadBinary = 9_100_201;

    /// <summary>Suricata's classification for web application attacks (priority 1).</summary>
    public const string ExploitCategory = "Web Application Attack";

    /// <summary>Suricata's classification for tool downloads after compromise (<c>trojan-activity</c>, priority 1).</summary>
    public const string DownloadCategory = "A Network Trojan was detected";
}
