namespace Assay.Cli;

/// <summary>Names inside a data directory (docs/DESIGN.md, "Data directory").</summary>
internal static class DataLayout
{
    public const string EveFile = "eve.json";

    /// <summary>Carved files, stored once each as <c>files/&lt;sha256[0..2]&gt;/&lt;sha256&gt;</c> (with <c>--store-files</c>).</summary>
    public const string FilesDirectory = "files";

    /// <summary>The packet store: pcap segments and their indexes (docs/DESIGN.md, "Packet store").</summary>
    public const string PacketsDirectory = "packets";
}
