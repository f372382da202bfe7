namespace Assay.Capture;

/// <summary>A damaged member of a <see cref="MergedPacketSource"/>: its name, how it ended, and its problem sentence.</summary>
public readonly record struct SourceProblem(string Name, ReadStatus Status, string Problem);

/// <summary>Several sources read as one stream in timestamp order (a k-way merge); equal timestamps go to the earlier source.</summary>
/// <remarks>
/// Each member's next packet waits in a buffer of its own (the member's span would not survive the reads of the others),
/// and a priority queue keyed by (timestamp, member index) picks the earliest. A member's own order is kept even when
/// its timestamps go backwards, since only one of its packets is queued at a time.
/// A member that ends truncated or corrupt is recorded in <see cref="Problems"/> and the others go on; once every member
/// has ended, <see cref="TryReadPacket"/> returns the first such member's status, with <see cref="Problem"/> naming
/// them all. The merged source owns its members and disposes them.
/// <see cref="PacketHeader.InterfaceId"/> is passed through as the member reported it.
/// </remarks>
public sealed class MergedPacketSource : IPacketSource
{
    private const int InitialPacketBuffer = 2048;

    private readonly IReadOnlyList<IPacketSource> _sources;
    private readonly byte[][] _buffers;
    private readonly PacketHeader[] _headers;
    private readonly PriorityQueue<int, (long Timestamp, int Index)> _queue;
    private readonly List<SourceProblem> _problems = [];
    private int _delivered = -1;   // member whose packet the caller holds; refilled on the next call
    private bool _started;

    public MergedPacketSource(IReadOnlyList<IPacketSource> sources)
    {
        ArgumentNullException.ThrowIfNull(sources);
        _sources = sources;
        _buffers = new byte[sources.Count][];
        _headers = new PacketHeader[sources.Count];
        _queue = new PriorityQueue<int, (long, int)>(sources.Count);
        var names = new string[sources.Count];
        for (int i = 0; i < sources.Count; i++)
        {
            _buffers[i] = new byte[InitialPacketBuffer];
            names[i] = sources[i].Name;
        }

        Name = string.Join(", ", names);
    }

    public string Name { get; }

    public string? Problem { get; private set; }

    public string CurrentName => _delivered >= 0 ? _sources[_delivered].Name : Name;

    /// <summary>Members that ended truncated or corrupt, in the order they did.</summary>
    public IReadOnlyList<SourceProblem> Problems => _problems;

    public long Position
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _sources.Count; i++)
                sum += _sources[i].Position;
            return sum;
        }
    }

    public long Length
    {
        get
        {
            long sum = 0;
            for (int i = 0; i < _sources.Count; i++)
            {
                long length = _sources[i].Length;
                if (length < 0)
                    return -1;
                sum += length;
            }

            return sum;
        }
    }

    public ReadStatus TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        if (!_started)
        {
            _started = true;
            for (int i = 0; i < _sources.Count; i++)
                Refill(i);
        }
        else if (_delivered >= 0)
        {
            Refill(_delivered);
            _delivered = -1;
        }

        if (_queue.TryDequeue(out int next, out _))
        {
            header = _headers[next];
            data = new ReadOnlySpan<byte>(_buffers[next], 0, header.CapturedLength);
            _delivered = next;
            return ReadStatus.Packet;
        }

        header = default;
        data = default;
        return _problems.Count == 0 ? ReadStatus.EndOfInput : _problems[0].Status;
    }

    public void Dispose()
    {
        for (int i = 0; i < _sources.Count; i++)
            _sources[i].Dispose();
    }

    private void Refill(int index)
    {
        IPacketSource source = _sources[index];
        ReadStatus status = source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data);
        if (status == ReadStatus.Packet)
        {
            if (data.Length > _buffers[index].Length)
                _buffers[index] = new byte[Math.Max(data.Length, _buffers[index].Length * 2)];
            data.CopyTo(_buffers[index]);
            _headers[index] = header with { CapturedLength = data.Length };
            _queue.Enqueue(index, (header.TimestampNanos, index));
        }
        else if (status != ReadStatus.EndOfInput)
        {
            _problems.Add(new SourceProblem(source.Name, status, source.Problem ?? $"the source ended with status {status}"));
            Problem = _problems.Count == 1
                ? $"{source.Name}: {_problems[0].Problem}"
                : $"{Problem}; {source.Name}: {_problems[^1].Problem}";
        }
    }
}
