namespace Assay.Cli;

/// <summary>Names inside a data directory (docs/DESIGN.md, "Data directory").</summary>
internal static class DataLayout
{
    public const string EveFile = "eve.json";
}
