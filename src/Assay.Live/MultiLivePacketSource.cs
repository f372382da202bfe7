using Assay.Capture;

namespace Assay.Live;

/// <summary>
/// Several interfaces read as one source: one thread per interface copies packets into a bounded queue that
/// <see cref="TryReadPacket"/> drains. Each packet keeps its link type and its interface's index
/// (<see cref="PacketHeader.InterfaceId"/>, in the order the interfaces were given); statistics are summed.
/// </summary>
/// <remarks>
/// Packets of different interfaces are interleaved in arrival order, not merged by timestamp. When the queue is full a
/// device thread waits, packets back up in its kernel ring, and what does not fit there is counted as a kernel drop.
/// Slot buffers are reused: no allocation per packet once they have grown to the largest packet seen.
/// </remarks>
public sealed class MultiLivePacketSource : IPacketSource, ICaptureStatistics
{
    /// <summary>Packets in flight between the device threads and the reader.</summary>
    public const int QueueCapacity = 4096;

    private const int InitialSlotBytes = 2048;

    private sealed class Slot
    {
        public byte[] Buffer = new byte[InitialSlotBytes];
        public PacketHeader Header;
    }

    private readonly LivePacketSource[] _sources;
    private readonly Thread[] _threads;
    private readonly object _gate = new();
    private readonly Queue<Slot> _filled = new(QueueCapacity);
    private readonly Stack<Slot> _free = new(QueueCapacity);
    private readonly List<SourceProblem> _problems = [];
    private Slot? _current;
    private int _running;
    private volatile bool _stopping;
    private long _position;

    private MultiLivePacketSource(LivePacketSource[] sources)
    {
        _sources = sources;
        for (int i = 0; i < QueueCapacity; i++)
            _free.Push(new Slot());
        Name = string.Join(",", Array.ConvertAll(sources, s => s.Name));
        _threads = new Thread[sources.Length];
        _running = sources.Length;
        for (int i = 0; i < sources.Length; i++)
        {
            LivePacketSource source = sources[i];
            _threads[i] = new Thread(() => Pump(source)) { Name = $"assay-capture-{source.Name}", IsBackground = true };
        }

        foreach (Thread thread in _threads)
            thread.Start();
    }

    /// <summary>Opens every interface (interface ids 0, 1, … in this order) and starts their reader threads.</summary>
    /// <exception cref="LiveCaptureException">One of them cannot be opened; none is left open.</exception>
    public static MultiLivePacketSource Open(IReadOnlyList<string> interfaceNames, LiveCaptureOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(interfaceNames);
        ArgumentOutOfRangeException.ThrowIfZero(interfaceNames.Count);
        var sources = new List<LivePacketSource>(interfaceNames.Count);
        try
        {
            for (int i = 0; i < interfaceNames.Count; i++)
                sources.Add(LivePacketSource.Open(interfaceNames[i], options, interfaceId: i));
        }
        catch
        {
            foreach (LivePacketSource source in sources)
                source.Dispose();
            throw;
        }

        return new MultiLivePacketSource([.. sources]);
    }

    /// <summary>The interfaces, comma-separated.</summary>
    public string Name { get; }

    /// <summary>The per-interface sources, in interface-id order.</summary>
    public IReadOnlyList<LivePacketSource> Sources => _sources;

    public string? Problem
    {
        get
        {
            lock (_gate)
                return _problems.Count == 0 ? null : _problems[0].Problem;
        }
    }

    public IReadOnlyList<SourceProblem> Problems
    {
        get
        {
            lock (_gate)
                return [.. _problems];
        }
    }

    /// <summary>Captured bytes delivered so far.</summary>
    public long Position => _position;

    public long Length => -1;

    public string CurrentName => _current is { } slot ? _sources[slot.Header.InterfaceId].Name : Name;

    private void Pump(LivePacketSource source)
    {
        try
        {
            while (true)
            {
                ReadStatus status = source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data);
                if (status != ReadStatus.Packet)
                {
                    if (status != ReadStatus.EndOfInput)
                    {
                        lock (_gate)
                            _problems.Add(new SourceProblem(source.Name, status, source.Problem ?? status.ToString()));
                    }

                    return;
                }

                Slot slot;
                lock (_gate)
                {
                    while (_free.Count == 0 && !_stopping)
                        Monitor.Wait(_gate);
                    if (_stopping && _free.Count == 0)
                        return;
                    slot = _free.Pop();
                }

                if (slot.Buffer.Length < data.Length)
                    slot.Buffer = new byte[Math.Max(data.Length, slot.Buffer.Length * 2)];
                data.CopyTo(slot.Buffer);
                slot.Header = header;
                lock (_gate)
                {
                    _filled.Enqueue(slot);
                    if (_filled.Count == 1)
                        Monitor.PulseAll(_gate);
                }
            }
        }
        finally
        {
            lock (_gate)
            {
                _running--;
                Monitor.PulseAll(_gate);
            }
        }
    }

    /// <inheritdoc/>
    public ReadStatus TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        lock (_gate)
        {
            if (_current is not null)
            {
                _free.Push(_current);
                _current = null;
                if (_free.Count == 1)
                    Monitor.PulseAll(_gate);
            }

            while (_filled.Count == 0 && _running > 0)
                Monitor.Wait(_gate);
            if (_filled.Count == 0)
            {
                header = default;
                data = default;
                return _problems.Count == 0 ? ReadStatus.EndOfInput : ReadStatus.Corrupt;
            }

            Slot slot = _current = _filled.Dequeue();
            header = slot.Header;
            data = slot.Buffer.AsSpan(0, header.CapturedLength);
            _position += header.CapturedLength;
            return ReadStatus.Packet;
        }
    }

    /// <summary>Stops every interface: <see cref="TryReadPacket"/> drains what is queued, then returns end of input.</summary>
    public void Stop()
    {
        foreach (LivePacketSource source in _sources)
            source.Stop();
    }

    /// <inheritdoc/>
    /// <remarks>The sum over the interfaces.</remarks>
    public CaptureDrops ReadDrops()
    {
        long received = 0, kernel = 0, iface = 0;
        foreach (LivePacketSource source in _sources)
        {
            CaptureDrops drops = source.ReadDrops();
            received += drops.Received;
            kernel += drops.KernelDropped;
            iface += drops.InterfaceDropped;
        }

        return new CaptureDrops(received, kernel, iface);
    }

    /// <summary>Stops the interfaces, waits for their threads and closes them.</summary>
    public void Dispose()
    {
        Stop();
        lock (_gate)
        {
            _stopping = true;
            Monitor.PulseAll(_gate);
        }

        foreach (Thread thread in _threads)
            thread.Join();
        foreach (LivePacketSource source in _sources)
            source.Dispose();
    }
}
