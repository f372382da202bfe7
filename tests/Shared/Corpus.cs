namespace Assay.Tests;

/// <summary>Locates <c>../shared/corpus</c> (read in place, never copied into the project).</summary>
internal static class Corpus
{
    private static readonly Lazy<string?> s_root = new(Find);

    /// <summary>
    /// The corpus folder, or <see langword="null"/> when this checkout has none beside it (corpus tests then return early).
    /// Under CI (<c>CI=true</c>) a missing corpus is an error, so oracle tests can never pass without their oracle.
    /// </summary>
    public static string? Root => s_root.Value ?? (Environment.GetEnvironmentVariable("CI") == "true"
        ? throw new InvalidOperationException("../shared/corpus was not found beside the project (set ASSAY_CORPUS)")
        : null);

    public static string Path(string relative) =>
        System.IO.Path.Combine(Root ?? throw new InvalidOperationException("../shared/corpus was not found beside the project"), relative);

    private static string? Find()
    {
        string? env = Environment.GetEnvironmentVariable("ASSAY_CORPUS");
        if (!string.IsNullOrEmpty(env) && Directory.Exists(env))
            return env;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            string candidate = System.IO.Path.Combine(dir.FullName, "..", "shared", "corpus");
            if (Directory.Exists(candidate) && File.Exists(System.IO.Path.Combine(candidate, "MANIFEST.md")))
                return System.IO.Path.GetFullPath(candidate);
        }

        return null;
    }
}
