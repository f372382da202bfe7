using Assay.Synthesis.Scenarios;
using Xunit.Abstractions;

namespace Assay.Tests.Cli;

/// <summary>
/// The deployable form: <c>dotnet publish src/Assay.Cli</c> makes one NativeAOT executable. It must publish, and analyze a
/// capture into the same events as the JIT build (trimming or AOT could silently drop code that reflection reaches).
/// </summary>
public sealed class NativeExecutableTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("assay-native-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static string RepositoryRoot()
    {
        for (DirectoryInfo? d = new(AppContext.BaseDirectory); d is not null; d = d.Parent)
        {
            if (File.Exists(Path.Combine(d.FullName, "Assay.slnx")))
                return d.FullName;
        }

        throw new InvalidOperationException("Assay.slnx not found above " + AppContext.BaseDirectory);
    }

    private (int ExitCode, string Stdout, string Stderr) Run(string file, TimeSpan timeout, params string[] args) =>
        ProcessRun.Run(_dir, timeout, file, args);

    private static List<string> EventsWithoutStats(string eve) =>
        [.. File.ReadAllLines(eve).Where(l => !l.Contains("\"event_type\":\"stats\"", StringComparison.Ordinal))];

    [Fact]
    public void ThePublishedNativeExecutableWritesTheSameEventsAsTheJitBuild()
    {
        string native = Path.Combine(_dir, "native");
        var publish = Run("dotnet", TimeSpan.FromMinutes(15), "publish", Path.Combine(RepositoryRoot(), "src", "Assay.Cli"), "-c", "Release",
            "-o", native, "-nologo", "-v", "quiet");
        Assert.True(publish.ExitCode == 0, "dotnet publish failed:\n" + publish.Stdout + publish.Stderr);
        string exe = Path.Combine(native, "assay");
        Assert.True(File.Exists(exe), "no native executable at " + exe);
        Assert.False(File.Exists(Path.Combine(native, "assay.dll")), "publish made a JIT build, not a native one");

        string capture = Path.Combine(_dir, "demo.pcap");
        DemoScenario.Write(capture, new DemoOptions { Seed = 11, Duration = TimeSpan.FromMinutes(2) });
        var aot = Run(exe, TimeSpan.FromMinutes(2), "analyze", capture, "-d", Path.Combine(_dir, "aot"), "--workers", "1", "--no-record", "--json");
        var jit = Run("dotnet", TimeSpan.FromMinutes(2), ProcessRun.AssayDll, "analyze", capture,
            "-d", Path.Combine(_dir, "jit"), "--workers", "1", "--no-record", "--json");
        Assert.True(aot.ExitCode == 0, aot.Stderr);
        Assert.True(jit.ExitCode == 0, jit.Stderr);
        List<string> expected = EventsWithoutStats(Path.Combine(_dir, "jit", "eve.json"));
        List<string> actual = EventsWithoutStats(Path.Combine(_dir, "aot", "eve.json"));
        Assert.NotEmpty(expected);
        Assert.Equal(expected, actual);
        Assert.Contains(actual, l => l.Contains("\"event_type\":\"miner\"", StringComparison.Ordinal));
        Assert.Contains(actual, l => l.Contains("\"event_type\":\"tls\"", StringComparison.Ordinal));
        output.WriteLine($"{actual.Count} events identical from the native and the JIT build");

        // A bad input from the native build: one clear line and exit code 2, no stack trace.
        var missing = Run(exe, TimeSpan.FromMinutes(1), "analyze", Path.Combine(_dir, "absent.pcap"), "-d", Path.Combine(_dir, "x"));
        Assert.Equal(2, missing.ExitCode);
        Assert.DoesNotContain("   at ", missing.Stderr, StringComparison.Ordinal);
        Assert.Contains("absent.pcap", missing.Stderr, StringComparison.Ordinal);
    }
}
