using System.Diagnostics;

namespace Assay.Tests.Cli;

/// <summary>Runs a program as a user would, output captured; one that outlives its time is killed and fails the test.</summary>
internal static class ProcessRun
{
    /// <summary>The JIT build of <c>assay</c> next to the test assembly.</summary>
    public static string AssayDll => Path.Combine(AppContext.BaseDirectory, "assay.dll");

    public static (int ExitCode, string Stdout, string Stderr) Run(string workingDirectory, TimeSpan timeout, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in {timeout}");
        }

        return (process.ExitCode, stdout.GetAwaiter().GetResult(), stderr.GetAwaiter().GetResult());
    }
}
