using System.Runtime.InteropServices;

namespace Assay.Live;

/// <summary>
/// The few libpcap calls SharpPcap does not expose as needed: <c>pcap_stats</c> with <c>ps_ifdrop</c> (SharpPcap reports it
/// as 0) and <c>pcap_breakloop</c> (which, since libpcap 1.10 on Linux, wakes a blocked <c>pcap_next_ex</c> from any thread).
/// Bound at run time from the same shared library SharpPcap loads.
/// </summary>
internal static unsafe class PcapNative
{
    /// <summary>Debian's libpcap0.8 ships only the versioned name; the others cover -dev installs and other distributions.</summary>
    private static readonly string[] s_libraryNames = ["libpcap.so.0.8", "libpcap.so.1", "libpcap.so", "libpcap.dylib", "wpcap"];

    private static readonly Lazy<Functions?> s_functions = new(Bind);

    /// <summary><c>struct pcap_stat</c> on Unix: three <c>u_int</c> counters.</summary>
    [StructLayout(LayoutKind.Sequential)]
    public struct PcapStat
    {
        public uint Received;
        public uint Dropped;
        public uint InterfaceDropped;
        // Windows adds ps_capt and more after these; reserve room so a larger struct never overruns the stack.
        private readonly uint _reserved0;
        private readonly uint _reserved1;
        private readonly uint _reserved2;
    }

    private sealed class Functions
    {
        public required delegate* unmanaged<nint, PcapStat*, int> Stats { get; init; }
        public required delegate* unmanaged<nint, void> BreakLoop { get; init; }
    }

    private static Functions? Bind()
    {
        foreach (string name in s_libraryNames)
        {
            if (!NativeLibrary.TryLoad(name, out nint library))
                continue;
            if (NativeLibrary.TryGetExport(library, "pcap_stats", out nint stats)
                && NativeLibrary.TryGetExport(library, "pcap_breakloop", out nint breakLoop))
            {
                return new Functions
                {
                    Stats = (delegate* unmanaged<nint, PcapStat*, int>)stats,
                    BreakLoop = (delegate* unmanaged<nint, void>)breakLoop,
                };
            }
        }

        return null;
    }

    /// <summary><c>pcap_stats</c>; false when it fails or libpcap could not be bound.</summary>
    public static bool TryReadStats(nint pcap, out PcapStat stat)
    {
        stat = default;
        Functions? functions = s_functions.Value;
        if (functions is null || pcap == 0)
            return false;
        fixed (PcapStat* p = &stat)
            return functions.Stats(pcap, p) == 0;
    }

    /// <summary><c>pcap_breakloop</c>: the reader's next or current <c>pcap_next_ex</c> returns <c>PCAP_ERROR_BREAK</c>.</summary>
    public static void BreakLoop(nint pcap)
    {
        Functions? functions = s_functions.Value;
        if (functions is not null && pcap != 0)
            functions.BreakLoop(pcap);
    }
}
