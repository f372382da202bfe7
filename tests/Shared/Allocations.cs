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
        Settle();
    }

    /// <summary>
    /// Collects now, so that no collection is pending when the measured loop starts: a GC during it (set off by garbage
    /// other tests left) retires this thread's allocation context, and what was left unused of it (up to ~8 KiB) then
    /// counts as allocated by <see cref="GC.GetAllocatedBytesForCurrentThread"/> although nothing was.
    /// </summary>
    public static void Settle()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }
}
