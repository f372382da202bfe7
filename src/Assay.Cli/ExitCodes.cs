namespace Assay.Cli;

/// <summary>Process exit codes, stable for scripts.</summary>
internal static class ExitCodes
{
    public const int Success = 0;
    /// <summary>Bad command line (System.CommandLine also uses 1 for parse errors).</summary>
    public const int Usage = 1;
    /// <summary>An input file is missing, unreadable or not a capture.</summary>
    public const int BadInput = 2;
    /// <summary>The data directory or an output file cannot be written.</summary>
    public const int OutputError = 3;

    public static int Fail(int code, string message)
    {
        Console.Error.WriteLine("assay: " + message);
        return code;
    }
}
