using System.Diagnostics;

namespace Assay.Tests;

/// <summary>
/// Warm-up for allocation tests: run the code under test for a while before measuring, so that one-time work — static
/// initialisation, and tier-1 recompilation, which the runtime queues after a delay and which on a busy machine landed
/// inside a short measured loop — is over. Dependency-free: compiled into every test project.
/// </summary>
internal static class Allocations
{
    public static void WarmUp(Action body, int milliseconds = 500)
    {
        var clock = Stopwatch.StartNew();
        while (clock.ElapsedMilliseconds < milliseconds)
            body();
    }
}
