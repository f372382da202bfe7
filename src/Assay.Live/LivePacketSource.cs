using System.Runtime.InteropServices;
using Assay.Capture;
using SharpPcap;
using CaptureDrops = Assay.Capture.CaptureDrops;
using ICaptureStatistics = Assay.Capture.ICaptureStatistics;
using SharpPcap.LibPcap;

namespace Assay.Live;

/// <summary>
/// Packets from one network interface through libpcap (SharpPcap's <see cref="LibPcapLiveDevice"/>): full snap length,
/// promiscuous, nanosecond timestamps where the device has them, a large kernel ring, an optional BPF filter.
/// </summary>
/// <remarks>
/// One thread reads (<see cref="TryReadPacket"/>); <see cref="Stop"/> and <see cref="ReadDrops"/> may be called from any
/// thread. <see cref="TryReadPacket"/> blocks while the link is quiet and returns <see cref="ReadStatus.EndOfInput"/> within
/// milliseconds of <see cref="Stop"/> (<c>pcap_breakloop</c> wakes the wait; the read timeout is a second line of defence).
/// Packet bytes point into libpcap's ring and stay valid until the next call. Reading allocates nothing.
/// </remarks>
public sealed unsafe class LivePacketSource : IPacketSource, ICaptureStatistics
{
    /// <summary>How often the reader refreshes the counters <see cref="ReadDrops"/> returns.</summary>
    private const long StatsRefreshMillis = 250;

    /// <summary>
    /// Longest time spent reading what the ring holds after <see cref="Stop"/>, 5 s: a full 64 MiB ring is analyzed in
    /// well under a second on an idle machine, but a busy one (or the packet store's writes) can need several; only a
    /// flood that never lets the ring empty runs into the limit, and what it leaves is in the received/analyzed counts.
    /// </summary>
    private const long DrainMillis = 5_000;

    private const int PcapNextPacket = 1;
    private const int PcapNextTimeout = 0;
    private const int PcapErrorBreak = -2;

    private readonly LibPcapLiveDevice _device;
    private readonly PcapHandle _handle;
    private readonly bool _nanosecond;
    private readonly int _interfaceId;
    private volatile bool _stopping;
    private bool _draining;
    private bool _breakSeen;
    private long _drainDeadline;
    private bool _ended;
    private bool _disposed;
    private long _position;
    private long _nextStatsRefresh;

    // Cumulative counters (libpcap's are 32-bit and wrap; these add up the deltas).
    private uint _lastReceived, _lastDropped, _lastInterfaceDropped;
    private long _received, _dropped, _interfaceDropped;

    private LivePacketSource(LibPcapLiveDevice device, bool nanosecond, int interfaceId)
    {
        _device = device;
        _handle = device.Handle;
        _nanosecond = nanosecond;
        _interfaceId = interfaceId;
        LinkType = (int)device.LinkType;
        Name = device.Name;
    }

    /// <summary>The interface name.</summary>
    public string Name { get; }

    /// <summary>The interface's link type (a LINKTYPE_/DLT_ number as libpcap reports it).</summary>
    public int LinkType { get; }

    /// <summary>True when the kernel delivers nanosecond timestamps (else microseconds, scaled).</summary>
    public bool NanosecondTimestamps => _nanosecond;

    /// <summary>After <see cref="ReadStatus.Corrupt"/>: the capture error libpcap reported.</summary>
    public string? Problem { get; private set; }

    /// <summary>Captured bytes delivered so far.</summary>
    public long Position => _position;

    /// <summary>A live capture has no known length.</summary>
    public long Length => -1;

    /// <summary>
    /// Opens <paramref name="interfaceName"/> and starts capturing (packets queue in the kernel ring until read).
    /// </summary>
    /// <param name="interfaceId">Carried in each <see cref="PacketHeader.InterfaceId"/> (a multi-interface source numbers them).</param>
    /// <exception cref="LiveCaptureException">No such interface, no permission, the interface is down, or the filter does not compile.</exception>
    public static LivePacketSource Open(string interfaceName, LiveCaptureOptions? options = null, int interfaceId = 0)
    {
        ArgumentException.ThrowIfNullOrEmpty(interfaceName);
        options ??= new LiveCaptureOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.SnapLength, 64, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferBytes, 1 << 16, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.ReadTimeoutMillis, nameof(options));

        LibPcapLiveDevice device = FindDevice(interfaceName);
        bool nanosecond = true;
        try
        {
            OpenDevice(device, options, ref nanosecond);
        }
        catch (PlatformNotSupportedException) when (nanosecond)
        {
            // The device has no nanosecond timestamps: microseconds, scaled.
            device.Close();
            nanosecond = false;
            OpenDevice(device, options, ref nanosecond);
        }

        try
        {
            if (!string.IsNullOrWhiteSpace(options.Filter))
                device.Filter = options.Filter;
        }
        catch (PcapException e)
        {
            device.Close();
            throw new LiveCaptureException($"{interfaceName}: the capture filter '{options.Filter}' does not compile: {OneLine(e.Message)}", e);
        }

        nanosecond = device.TimestampResolution == TimestampResolution.Nanosecond;
        var source = new LivePacketSource(device, nanosecond, interfaceId);
        source.RefreshStats();
        return source;
    }

    private static LibPcapLiveDevice FindDevice(string interfaceName)
    {
        LibPcapLiveDeviceList devices;
        try
        {
            devices = LibPcapLiveDeviceList.New();
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or PcapException or EntryPointNotFoundException)
        {
            throw new LiveCaptureException($"libpcap is not available ({OneLine(e.Message)}): install libpcap0.8", e);
        }

        var names = new List<string>(devices.Count);
        foreach (LibPcapLiveDevice device in devices)
        {
            if (device.Name == interfaceName)
                return device;
            names.Add(device.Name);
        }

        names.Sort(StringComparer.Ordinal);
        throw new LiveCaptureException($"{interfaceName}: no such interface (available: {(names.Count == 0 ? "none" : string.Join(", ", names))})");
    }

    private static void OpenDevice(LibPcapLiveDevice device, LiveCaptureOptions options, ref bool nanosecond)
    {
        var configuration = new DeviceConfiguration
        {
            Mode = options.Promiscuous ? DeviceModes.Promiscuous : DeviceModes.None,
            Snaplen = options.SnapLength,
            ReadTimeout = options.ReadTimeoutMillis,
            BufferSize = options.BufferBytes,
            Immediate = options.Immediate,
            TimestampResolution = nanosecond ? TimestampResolution.Nanosecond : null,
        };
        bool precisionRefused = false;
        configuration.ConfigurationFailed += (_, e) =>
        {
            if (e.Property == nameof(DeviceConfiguration.TimestampResolution))
                precisionRefused = true;
            else
                throw new LiveCaptureException($"{device.Name}: cannot set {e.Property}: {OneLine(e.Message)}");
        };
        try
        {
            device.Open(configuration);
        }
        catch (PcapException e)
        {
            device.Close();
            throw new LiveCaptureException(Explain(device.Name, e), e);
        }
        catch (LiveCaptureException)
        {
            device.Close();
            throw;
        }

        if (precisionRefused)
            nanosecond = false;
    }

    /// <summary>One sentence for a failed open, from libpcap's error code (pcap_activate(3PCAP)).</summary>
    private static string Explain(string name, PcapException e)
    {
        string message = OneLine(e.Message);
        return (int)e.Error switch
        {
            -8 => $"{name}: permission denied: live capture needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities",
            -5 => $"{name}: no such interface",
            -9 => $"{name}: the interface is not up",
            _ when message.Contains("ermission", StringComparison.Ordinal) || message.Contains("not permitted", StringComparison.Ordinal)
                => $"{name}: permission denied: live capture needs root or the CAP_NET_RAW and CAP_NET_ADMIN capabilities ({message})",
            _ => $"{name}: cannot start the capture: {message}",
        };
    }

    private static string OneLine(string text) => text.ReplaceLineEndings(" ").Trim();

    /// <inheritdoc/>
    public ReadStatus TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        while (!_ended)
        {
            if (_stopping && !_draining)
                StartDrain();

            nint headerPointer = 0;
            nint dataPointer = 0;
            int result = _device.GetNextPacketPointers(ref headerPointer, ref dataPointer);
            long now = Environment.TickCount64;
            if (now >= _nextStatsRefresh)
                RefreshStats();
            if (result == PcapNextPacket)
            {
                if (_draining && now > _drainDeadline)
                    End();   // this packet is the last one

                // struct pcap_pkthdr { struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len; } with C longs in timeval.
                var timeval = (CLong*)headerPointer;
                long seconds = timeval[0].Value;
                long fraction = timeval[1].Value;
                var lengths = (uint*)(timeval + 2);
                int captured = (int)lengths[0];
                int original = (int)Math.Min(lengths[1], int.MaxValue);
                long nanos = seconds * 1_000_000_000L + (_nanosecond ? fraction : fraction * 1_000L);
                header = new PacketHeader(nanos, captured, original, LinkType, _interfaceId);
                data = new ReadOnlySpan<byte>((void*)dataPointer, captured);
                _position += captured;
                return ReadStatus.Packet;
            }

            if (result == PcapNextTimeout)
            {
                if (_draining)
                {
                    End();
                    break;
                }

                continue;
            }

            if (result == PcapErrorBreak && !_breakSeen)
            {
                // Stop's pcap_breakloop woke a read that was not waiting (the reader was busy): the ring still holds what
                // was captured before the stop. libpcap clears the flag after this one return: drain on.
                _breakSeen = true;
                continue;
            }

            if (result == PcapErrorBreak || _stopping)
            {
                if (_draining)
                {
                    End();
                    break;
                }

                continue;   // drain what the ring already holds first
            }

            Problem = $"{Name}: capture error: {OneLine(_device.LastError)}";
            End();
            header = default;
            data = default;
            return ReadStatus.Corrupt;
        }

        header = default;
        data = default;
        return ReadStatus.EndOfInput;
    }

    /// <summary>
    /// After <see cref="Stop"/>: the ring's packets are read without blocking, so everything captured before the stop is
    /// analyzed; end of input comes when the ring is empty or after <see cref="DrainMillis"/>.
    /// </summary>
    private void StartDrain()
    {
        _draining = true;
        _drainDeadline = Environment.TickCount64 + DrainMillis;
        try
        {
            _device.NonBlockingMode = true;
        }
        catch (PcapException)
        {
            End();
        }
    }

    private void End()
    {
        _ended = true;
        RefreshStats();
    }

    /// <summary>
    /// Makes the reader's <see cref="TryReadPacket"/> return <see cref="ReadStatus.EndOfInput"/> promptly: what the kernel ring
    /// already holds is still read (for at most 5 seconds), then the capture ends. Safe from any thread, a signal handler's included, and more than once.
    /// </summary>
    public void Stop()
    {
        _stopping = true;
        bool added = false;
        try
        {
            _handle.DangerousAddRef(ref added);
            PcapNative.BreakLoop(_handle.DangerousGetHandle());
        }
        catch (ObjectDisposedException)
        {
            // Already closed: nothing to wake.
        }
        finally
        {
            if (added)
                _handle.DangerousRelease();
        }
    }

    /// <summary>True once <see cref="Stop"/> was called.</summary>
    public bool Stopping => _stopping;

    /// <inheritdoc/>
    /// <remarks>The counters as the reader last refreshed them (every 250 ms while reading, and when reading ends).</remarks>
    public CaptureDrops ReadDrops() => new(Volatile.Read(ref _received), Volatile.Read(ref _dropped), Volatile.Read(ref _interfaceDropped));

    /// <summary>Reads <c>pcap_stats</c> on the reader's thread and adds what changed to the cumulative counters.</summary>
    private void RefreshStats()
    {
        _nextStatsRefresh = Environment.TickCount64 + StatsRefreshMillis;
        if (_disposed || !PcapNative.TryReadStats(_handle.DangerousGetHandle(), out PcapNative.PcapStat stat))
            return;
        Volatile.Write(ref _received, _received + (stat.Received - _lastReceived));
        Volatile.Write(ref _dropped, _dropped + (stat.Dropped - _lastDropped));
        Volatile.Write(ref _interfaceDropped, _interfaceDropped + (stat.InterfaceDropped - _lastInterfaceDropped));
        (_lastReceived, _lastDropped, _lastInterfaceDropped) = (stat.Received, stat.Dropped, stat.InterfaceDropped);
    }

    /// <summary>Closes the device. Call after the reader has stopped reading.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        if (!_ended)
            RefreshStats();
        _disposed = true;
        _device.Close();
    }
}
