namespace Assay.Capture;

/// <summary>A live source's own counters: what the kernel and the interface saw and dropped (files have none).</summary>
public interface ICaptureStatistics
{
    /// <summary>Counters since the capture started, read now (cheap; called about once a second from the reader thread).</summary>
    CaptureDrops ReadDrops();
}

/// <param name="Received">Packets the capture mechanism passed up (libpcap's <c>ps_recv</c>).</param>
/// <param name="KernelDropped">Dropped because the capture buffer was full (<c>ps_drop</c>).</param>
/// <param name="InterfaceDropped">Dropped by the interface or its driver (<c>ps_ifdrop</c>).</param>
public readonly record struct CaptureDrops(long Received, long KernelDropped, long InterfaceDropped);
