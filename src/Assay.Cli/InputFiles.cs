using Assay.Capture;

namespace Assay.Cli;

/// <summary>An input problem found before any packet was read: one line per file.</summary>
internal sealed class InputException(IReadOnlyList<string> lines) : Exception(string.Join(Environment.NewLine, lines))
{
    public IReadOnlyList<string> Lines { get; } = lines;
}

/// <summary>Opens the command line's capture files, all or none.</summary>
internal static class InputFiles
{
    public static IPacketSource Open(IReadOnlyList<FileInfo> files)
    {
        var sources = new List<IPacketSource>(files.Count);
        var problems = new List<string>();
        foreach (FileInfo file in files)
        {
            try
            {
                if (Directory.Exists(file.FullName))
                {
                    problems.Add($"{file}: is a directory, not a capture file");
                    continue;
                }

                if (!file.Exists)
                {
                    problems.Add($"{file}: no such file");
                    continue;
                }

                sources.Add(CaptureFile.Open(file.FullName));
            }
            catch (CaptureFormatException e)
            {
                problems.Add($"{file}: {e.Message}");
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                problems.Add($"{file}: cannot read: {e.Message}");
            }
        }

        if (problems.Count > 0)
        {
            foreach (IPacketSource source in sources)
                source.Dispose();
            throw new InputException(problems);
        }

        return sources.Count == 1 ? sources[0] : new MergedPacketSource(sources);
    }
}
