using System.Buffers.Binary;
using Assay.Flows;
using Microsoft.Win32.SafeHandles;

namespace Assay.Store;

/// <summary>
/// The packet store's writer: rolling pcap segments under <c>DIR/packets/</c>, each closed with an index beside it,
/// retention by size and age, crash recovery on <see cref="Open"/>. One writer per directory (a lock file says so).
/// </summary>
/// <remarks>
/// <see cref="Append"/> runs on the capture reader thread: it copies the record into a 4 MiB buffer and adds its offset
/// to the in-memory index, allocating nothing in steady state. The buffer is written through to the OS when full and at
/// least every <see cref="FlushIntervalMillis"/> ms (a timer flushes an idle store), so a kill -9 loses under a second.
/// Write failures never leave <see cref="Append"/>: a full disk evicts the oldest segments and retries, and what still
/// cannot be written is dropped and counted in <see cref="Stats"/>.
/// </remarks>
public sealed class PacketStore : IDisposable
{
    /// <summary>Size of the write buffer: one write system call per 4 MiB.</summary>
    public const int WriteBufferBytes = 4 << 20;

    /// <summary>Largest segment (record offsets in the index stay below 4 GiB).</summary>
    public const long MaxSegmentLimit = (4L << 30) - 1;

    /// <summary>Smallest segment size the store picks when <see cref="PacketStoreOptions.MaxTotalBytes"/> is small.</summary>
    public const long MinSegmentBytes = 64 << 10;

    /// <summary>Buffered packets are written through to the OS at least this often.</summary>
    public const int FlushIntervalMillis = 500;

    private const int TimerPeriodMillis = 200;
    private const int RetryAfterFailureMillis = 1000;
    private const int SegmentsPerTotal = 4;

    private readonly string _packets;
    private readonly PacketStoreOptions _options;
    private readonly FileStream _lock;
    private readonly Lock _sync = new();
    private readonly Lock _pinSync = new();
    private readonly Timer _timer;
    private readonly byte[] _buffer = GC.AllocateUninitializedArray<byte>(WriteBufferBytes);
    private readonly IndexBuilder _builder = new();
    private readonly List<ClosedSegment> _closed = [];
    private readonly List<PinRequest> _pendingPins = [];
    private readonly List<PinRequest> _openPins = [];
    private readonly long _segmentLimit;
    private readonly long _segmentAgeNanos;
    private readonly long _segmentAgeMillis;

    private SafeFileHandle? _file;
    private long _sequence;
    private long _nextSequence = 1;
    private string _openPath = "";
    private int _linkType;
    private long _segmentLength;
    private long _flushedLength;
    private long _segmentOpenedTick;
    private int _bufferUsed;
    private long _bufferedPackets;
    private long _bufferedBytes;
    private long _lastFlushTick;
    private long _retryTick;
    private long _closedBytes;
    private long _newestNanos = long.MinValue;
    private bool _disposed;

    private long _packetCount;
    private long _byteCount;
    private long _flushedPackets;
    private long _segmentsClosed;
    private long _segmentsEvicted;
    private long _bytesEvicted;
    private long _dropped;
    private string? _lastError;

    private PacketStore(string packets, PacketStoreOptions options, FileStream lockFile)
    {
        _packets = packets;
        _options = options;
        _lock = lockFile;
        long bySize = Math.Max(MinSegmentBytes, options.MaxTotalBytes / SegmentsPerTotal);
        _segmentLimit = Math.Min(Math.Min(options.MaxSegmentBytes, MaxSegmentLimit), bySize);
        _segmentAgeNanos = options.MaxSegmentAge.Ticks > long.MaxValue / 100 ? long.MaxValue : options.MaxSegmentAge.Ticks * 100;
        _segmentAgeMillis = (long)Math.Min(options.MaxSegmentAge.TotalMilliseconds, long.MaxValue / 2);
        _lastFlushTick = Environment.TickCount64;
        _timer = new Timer(static s => ((PacketStore)s!).OnTimer(), this, Timeout.Infinite, Timeout.Infinite);
    }

    /// <summary>What <see cref="Open"/> repaired or discarded.</summary>
    public RecoveryReport Recovery { get; } = new();

    /// <summary>The <c>DIR/packets</c> folder.</summary>
    public string PacketsDirectory => _packets;

    /// <summary>Counters (a snapshot).</summary>
    public StoreStats Stats
    {
        get
        {
            lock (_sync)
            {
                return new StoreStats(_packetCount, _byteCount, _flushedPackets, _segmentsClosed, _segmentsEvicted, _bytesEvicted,
                    _dropped, TotalBytes, _lastError);
            }
        }
    }

    /// <summary>Segments closed so far (no snapshot: for tests that must not allocate).</summary>
    internal long SegmentsClosedCount => _segmentsClosed;

    private long TotalBytes => _closedBytes + OpenBytes;

    /// <summary>The open segment with an estimate of its index (a new segment needs its file header).</summary>
    private long OpenBytes => _file is null
        ? PcapLayout.FileHeaderLength
        : _segmentLength + IndexFormat.HeaderLength + IndexFormat.TrailerLength + ((long)_builder.FlowCount * IndexFormat.EntryLength) + _builder.PostingsBytes;

    /// <summary>Opens (creating <c>DIR/packets</c>) the store in <paramref name="directory"/> for writing, repairing what a crash left.</summary>
    /// <exception cref="StoreException">The directory cannot be created or written, or another writer holds it.</exception>
    public static PacketStore Open(string directory, PacketStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (string.IsNullOrWhiteSpace(directory))
            throw new StoreException("store directory is empty");
        if (options.MaxSegmentBytes < MinSegmentBytes || options.MaxTotalBytes < MinSegmentBytes || options.MaxSegmentAge <= TimeSpan.Zero)
            throw new StoreException($"store options out of range (segment and total sizes must be at least {MinSegmentBytes} bytes, segment age positive)");
        if (File.Exists(directory))
            throw new StoreException($"store directory {directory} is a file");

        string packets = Path.Combine(directory, SegmentFiles.PacketsFolder);
        try
        {
            Directory.CreateDirectory(packets);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new StoreException($"cannot create store directory {packets}: {e.Message}", e);
        }

        FileStream lockFile;
        string lockPath = Path.Combine(packets, SegmentFiles.LockName);
        try
        {
            lockFile = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new StoreException($"store directory {packets} is not writable: {e.Message}", e);
        }
        catch (IOException e)
        {
            throw new StoreException($"store {directory} is in use by another writer (cannot lock {lockPath}: {e.Message})", e);
        }

        var store = new PacketStore(packets, options, lockFile);
        try
        {
            store.Recover();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            store.Dispose();
            throw new StoreException($"cannot recover store {packets}: {e.Message}", e);
        }

        store._timer.Change(TimerPeriodMillis, TimerPeriodMillis);
        return store;
    }

    /// <summary>Stores one packet (reader thread, arrival order). Never throws for I/O: failures are counted in <see cref="Stats"/>.</summary>
    /// <param name="timestampNanos">Capture time, ns since the epoch.</param>
    /// <param name="originalLength">Length on the wire.</param>
    /// <param name="linkType">LINKTYPE_ of <paramref name="frame"/>; a change closes the segment.</param>
    /// <param name="frame">Captured bytes (cut at the 262144-byte snap length).</param>
    /// <param name="key">The flow key when <paramref name="hasKey"/>.</param>
    /// <param name="hasKey">False for packets without a flow (non-IP, undecodable): indexed under the "no flow" entry.</param>
    public void Append(long timestampNanos, int originalLength, int linkType, ReadOnlySpan<byte> frame, in FlowKey key, bool hasKey)
    {
        lock (_sync)
        {
            if (_disposed)
            {
                _dropped++;
                return;
            }

            try
            {
                AppendCore(timestampNanos, originalLength, linkType, frame, in key, hasKey);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _dropped++;
                Fail($"packet dropped: {e.Message}");
            }
        }
    }

    /// <summary>Marks the segments holding <paramref name="key"/> between the two times as pinned (kept up to <see cref="PacketStoreOptions.PinnedMaxAge"/>). Thread-safe.</summary>
    public void Pin(in FlowKey key, long firstTimestampNanos, long lastTimestampNanos)
    {
        lock (_pinSync)
            _pendingPins.Add(new PinRequest(key, firstTimestampNanos, lastTimestampNanos));
    }

    /// <summary>Writes buffered packets through to the OS now (normally the timer and a full buffer do it).</summary>
    public void Flush()
    {
        lock (_sync)
        {
            if (_file is not null && !_disposed)
                FlushBuffer();
        }
    }

    /// <summary>Closes the open segment cleanly (index, rename) and releases the directory.</summary>
    public void Dispose()
    {
        using (var done = new ManualResetEvent(false))
        {
            if (_timer.Dispose(done))
                done.WaitOne();
        }

        lock (_sync)
        {
            if (_disposed)
                return;
            try
            {
                ProcessPins();
                CloseSegment(rebuild: false);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail($"closing the open segment failed: {e.Message}");
            }

            _disposed = true;
            _lock.Dispose();
        }
    }

    private void AppendCore(long timestampNanos, int originalLength, int linkType, ReadOnlySpan<byte> frame, in FlowKey key, bool hasKey)
    {
        int captured = Math.Min(frame.Length, PcapLayout.SnapLength);
        int record = PcapLayout.RecordHeaderLength + captured;
        long now = Environment.TickCount64;
        if (_file is not null && NeedsRotation(timestampNanos, linkType, record, now))
            CloseSegment(rebuild: false);

        if (!EnsureSpace(record))
        {
            _dropped++;
            return;
        }

        if (_file is null && !TryOpenSegment(linkType, now))
        {
            _dropped++;
            return;
        }

        if (_bufferUsed + record > _buffer.Length && !FlushBuffer())
        {
            _dropped++;
            return;
        }

        Span<byte> h = _buffer.AsSpan(_bufferUsed, record);
        long seconds = Math.DivRem(timestampNanos, 1_000_000_000L, out long nanos);
        if (nanos < 0)
        {
            seconds--;
            nanos += 1_000_000_000L;
        }

        BinaryPrimitives.WriteUInt32LittleEndian(h, (uint)seconds);
        BinaryPrimitives.WriteUInt32LittleEndian(h[4..], (uint)nanos);
        BinaryPrimitives.WriteUInt32LittleEndian(h[8..], (uint)captured);
        BinaryPrimitives.WriteUInt32LittleEndian(h[12..], (uint)Math.Max(originalLength, captured));
        frame[..captured].CopyTo(h[PcapLayout.RecordHeaderLength..]);
        _builder.Add(_segmentLength, timestampNanos, in key, hasKey);
        _segmentLength += record;
        _bufferUsed += record;
        _bufferedPackets++;
        _bufferedBytes += record;
        _packetCount++;
        _byteCount += record;
        if (timestampNanos > _newestNanos)
            _newestNanos = timestampNanos;
        if (now - _lastFlushTick >= FlushIntervalMillis)
            FlushBuffer();
    }

    private bool NeedsRotation(long timestampNanos, int linkType, int record, long now) =>
        linkType != _linkType ||
        _segmentLength + record > _segmentLimit ||
        _builder.IsFull ||
        (_builder.PacketCount > 0 && timestampNanos - _builder.FirstNanos >= _segmentAgeNanos) ||
        now - _segmentOpenedTick >= _segmentAgeMillis;

    /// <summary>Makes room under <see cref="PacketStoreOptions.MaxTotalBytes"/> for one record, evicting oldest segments.</summary>
    private bool EnsureSpace(int record)
    {
        long max = _options.MaxTotalBytes;
        if (PcapLayout.FileHeaderLength + record + IndexFormat.HeaderLength + IndexFormat.EntryLength + IndexFormat.TrailerLength + 8 > max)
        {
            Fail($"packet dropped: a {record}-byte record can never fit in MaxTotalBytes ({max} bytes)");
            return false;
        }

        while (TotalBytes + record + IndexFormat.EntryLength > max)
        {
            if (EvictOldest($"over MaxTotalBytes ({max} bytes)"))
                continue;
            if (_file is not null && _builder.PacketCount > 0)
            {
                // Only the open segment is left: close it so that it can go, oldest first.
                CloseSegment(rebuild: false);
                continue;
            }

            Fail($"packet dropped: a {record}-byte record does not fit in MaxTotalBytes ({max} bytes) with nothing left to evict");
            return false;
        }

        return true;
    }

    private bool TryOpenSegment(int linkType, long now)
    {
        if (now < _retryTick)
            return false;
        for (int attempt = 0; ; attempt++)
        {
            long sequence = _nextSequence;
            string path = Path.Combine(_packets, SegmentFiles.OpenName(sequence));
            try
            {
                _file = File.OpenHandle(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.Read);
            }
            catch (IOException e) when (IsDiskFull(e) && attempt == 0 && EvictOldest("disk full"))
            {
                continue;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                _retryTick = now + RetryAfterFailureMillis;
                _nextSequence++;   // never reuse a name that may exist
                Fail($"cannot create segment {path}: {e.Message}");
                return false;
            }

            _nextSequence++;
            _sequence = sequence;
            _openPath = path;
            _linkType = linkType;
            _segmentOpenedTick = now;
            _flushedLength = 0;
            _builder.Clear();
            Span<byte> h = _buffer.AsSpan(0, PcapLayout.FileHeaderLength);
            BinaryPrimitives.WriteUInt32LittleEndian(h, 0xA1B23C4D);
            BinaryPrimitives.WriteUInt16LittleEndian(h[4..], 2);
            BinaryPrimitives.WriteUInt16LittleEndian(h[6..], 4);
            BinaryPrimitives.WriteInt32LittleEndian(h[8..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(h[12..], 0);
            BinaryPrimitives.WriteUInt32LittleEndian(h[16..], PcapLayout.SnapLength);
            BinaryPrimitives.WriteUInt32LittleEndian(h[20..], (uint)linkType);
            _bufferUsed = PcapLayout.FileHeaderLength;
            _bufferedPackets = 0;
            _bufferedBytes = 0;
            _segmentLength = PcapLayout.FileHeaderLength;
            return true;
        }
    }

    /// <summary>Writes the buffer through to the OS. On a full disk, evicts and retries; if that fails, drops the buffered packets and closes the segment.</summary>
    private bool FlushBuffer()
    {
        _lastFlushTick = Environment.TickCount64;
        if (_file is null || _bufferUsed == 0)
            return true;
        while (true)
        {
            try
            {
                RandomAccess.Write(_file, _buffer.AsSpan(0, _bufferUsed), _flushedLength);
                break;
            }
            catch (IOException e) when (IsDiskFull(e))
            {
                if (EvictOldest("disk full"))
                    continue;
                AbandonBuffer($"disk full with nothing left to evict: {e.Message}");
                return false;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                AbandonBuffer($"write to {_openPath} failed: {e.Message}");
                return false;
            }
        }

        _flushedLength += _bufferUsed;
        _flushedPackets += _bufferedPackets;
        _bufferUsed = 0;
        _bufferedPackets = 0;
        _bufferedBytes = 0;
        return true;
    }

    /// <summary>The buffered packets cannot be written: count them dropped, cut the file back, close it with an index rebuilt from disk.</summary>
    private void AbandonBuffer(string reason)
    {
        _dropped += _bufferedPackets;
        _packetCount -= _bufferedPackets;
        _byteCount -= _bufferedBytes;
        Fail($"{_bufferedPackets} packets dropped: {reason}");
        _bufferUsed = 0;
        _bufferedPackets = 0;
        _bufferedBytes = 0;
        _retryTick = Environment.TickCount64 + RetryAfterFailureMillis;
        try
        {
            RandomAccess.SetLength(_file!, _flushedLength);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Fail($"cannot truncate {_openPath}: {e.Message}");
        }

        _segmentLength = _flushedLength;
        CloseSegment(rebuild: true);
    }

    /// <summary>Closes the open segment: flush, fsync, index to a temp name, fsync, rename; then the pcap is renamed.</summary>
    private void CloseSegment(bool rebuild)
    {
        if (_file is null)
            return;
        if (!rebuild && !FlushBuffer())
            return;   // AbandonBuffer closed it

        SafeFileHandle file = _file;
        _file = null;
        string openPath = _openPath;
        try
        {
            if (_flushedLength <= PcapLayout.FileHeaderLength || (!rebuild && _builder.PacketCount == 0))
            {
                file.Dispose();
                File.Delete(openPath);
                return;
            }

            using (var stream = new FileStream(file, FileAccess.ReadWrite, bufferSize: 0))
                stream.Flush(flushToDisk: true);

            ProcessPins();
            bool pinned = false;
            foreach (PinRequest pin in _openPins)
                pinned |= _builder.Contains(pin.Key, pin.First, pin.Last);

            byte[]? index = rebuild
                ? SegmentScanner.RebuildIndex(openPath, _sequence, _builder, out _, out _)
                : _builder.Build(_sequence, _linkType, _flushedLength);
            if (index is null || !IndexFormat.TryReadHeader(index, index.Length, out IndexHeader header, out _) || header.PacketCount == 0)
            {
                File.Delete(openPath);
                return;
            }

            string baseName = SegmentFiles.ClosedBase(_sequence, header.FirstNanos);
            WriteIndex(Path.Combine(_packets, baseName + SegmentFiles.IndexExtension), index);
            File.Move(openPath, Path.Combine(_packets, baseName + SegmentFiles.PcapExtension));
            if (pinned)
                File.WriteAllBytes(Path.Combine(_packets, baseName + SegmentFiles.PinExtension), []);

            var closed = new ClosedSegment(_sequence, baseName, header.PcapBytes, index.Length, header.FirstNanos, header.LastNanos) { Pinned = pinned };
            _closed.Add(closed);
            _closedBytes += closed.Bytes;
            _segmentsClosed++;
            _openPins.RemoveAll(p => p.Last < header.LastNanos);
        }
        finally
        {
            file.Dispose();
            _builder.Clear();
            _segmentLength = 0;
        }

        ApplyRetention();
    }

    private void WriteIndex(string path, byte[] index)
    {
        for (int attempt = 0; ; attempt++)
        {
            try
            {
                SegmentFiles.WriteAtomically(path, index);
                return;
            }
            catch (IOException e) when (IsDiskFull(e) && attempt < 8 && EvictOldest("disk full"))
            {
            }
        }
    }

    /// <summary>Age retention (segments whose end is older than MaxAge, pinned ones up to PinnedMaxAge), then size.</summary>
    private void ApplyRetention()
    {
        if (_options.MaxAge is TimeSpan maxAge && _newestNanos != long.MinValue)
        {
            long limit = maxAge.Ticks * 100;
            long pinnedLimit = _options.PinnedMaxAge is TimeSpan p ? Math.Max(p.Ticks * 100, limit) : limit;
            for (int i = 0; i < _closed.Count;)
            {
                ClosedSegment c = _closed[i];
                long age = _newestNanos - c.LastNanos;
                if (age > (c.Pinned ? pinnedLimit : limit))
                    Evict(i, null);
                else
                    i++;
            }
        }

        while (TotalBytes > _options.MaxTotalBytes && EvictOldest($"over MaxTotalBytes ({_options.MaxTotalBytes} bytes)"))
        {
        }
    }

    /// <summary>Evicts the oldest unpinned closed segment, else the oldest pinned one.</summary>
    private bool EvictOldest(string reason)
    {
        int victim = -1;
        for (int i = 0; i < _closed.Count; i++)
        {
            if (!_closed[i].Pinned)
            {
                victim = i;
                break;
            }
        }

        if (victim < 0 && _closed.Count > 0)
            victim = 0;
        if (victim < 0)
            return false;
        Evict(victim, reason);
        return true;
    }

    private void Evict(int index, string? reason)
    {
        ClosedSegment c = _closed[index];
        _closed.RemoveAt(index);
        _closedBytes -= c.Bytes;
        _segmentsEvicted++;
        _bytesEvicted += c.Bytes;
        foreach (string extension in (ReadOnlySpan<string>)[SegmentFiles.PcapExtension, SegmentFiles.IndexExtension, SegmentFiles.PinExtension])
        {
            try
            {
                File.Delete(Path.Combine(_packets, c.BaseName + extension));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail($"cannot delete {c.BaseName}{extension}: {e.Message}");
            }
        }

        if (reason is not null)
            Fail($"store full ({reason}): evicted segment {c.BaseName} ({c.Bytes} bytes)");
    }

    private void OnTimer()
    {
        lock (_sync)
        {
            if (_disposed)
                return;
            try
            {
                long now = Environment.TickCount64;
                if (_file is not null && now - _segmentOpenedTick >= _segmentAgeMillis)
                    CloseSegment(rebuild: false);
                else if (_bufferUsed > 0 && now - _lastFlushTick >= FlushIntervalMillis)
                    FlushBuffer();
                ProcessPins();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                Fail($"background flush failed: {e.Message}");
            }
        }
    }

    /// <summary>Applies new pins: closed segments that hold the flow get a <c>.pin</c> marker; the open segment is checked when it closes.</summary>
    private void ProcessPins()
    {
        PinRequest[] pins;
        lock (_pinSync)
        {
            if (_pendingPins.Count == 0)
                return;
            pins = [.. _pendingPins];
            _pendingPins.Clear();
        }

        foreach (PinRequest pin in pins)
        {
            _openPins.Add(pin);
            foreach (ClosedSegment c in _closed)
            {
                if (c.Pinned || c.FirstNanos > pin.Last || c.LastNanos < pin.First)
                    continue;
                SegmentIndex? index = SegmentIndex.TryLoad(Path.Combine(_packets, c.BaseName + SegmentFiles.IndexExtension), out _);
                if (index is null || !index.Contains(pin.Key, pin.First, pin.Last))
                    continue;
                File.WriteAllBytes(Path.Combine(_packets, c.BaseName + SegmentFiles.PinExtension), []);
                c.Pinned = true;
            }
        }
    }

    private void Fail(string message) => _lastError = message;

    private static bool IsDiskFull(IOException e)
    {
        int code = e.HResult & 0xFFFF;
        return code is 28 /* ENOSPC */ or 122 /* EDQUOT */ or 112 /* ERROR_DISK_FULL */ or 39 /* ERROR_HANDLE_DISK_FULL */;
    }

    /// <summary>Finds the store's files, repairs the open segments of a crashed writer, rebuilds missing or corrupt indexes.</summary>
    private void Recover()
    {
        var pcaps = new SortedDictionary<long, string>();
        var indexes = new Dictionary<long, List<string>>();
        var pins = new HashSet<string>(StringComparer.Ordinal);
        var opens = new SortedDictionary<long, string>();
        long maxSequence = 0;
        foreach (string path in Directory.EnumerateFiles(_packets))
        {
            string name = Path.GetFileName(path);
            long sequence;
            if (name.EndsWith(SegmentFiles.TempExtension, StringComparison.Ordinal))
            {
                File.Delete(path);
                Recovery.DiscardedList.Add($"{name}: temporary file of an interrupted write, removed");
                continue;
            }

            if (SegmentFiles.TryParseOpen(name, out sequence))
                opens[sequence] = name;
            else if (SegmentFiles.TryParseClosed(name, SegmentFiles.PcapExtension, out sequence))
                pcaps[sequence] = name;
            else if (SegmentFiles.TryParseClosed(name, SegmentFiles.IndexExtension, out sequence))
                (indexes.TryGetValue(sequence, out List<string>? list) ? list : indexes[sequence] = []).Add(name);
            else if (SegmentFiles.TryParseClosed(name, SegmentFiles.PinExtension, out sequence))
                pins.Add(name);
            else
                continue;
            maxSequence = Math.Max(maxSequence, sequence);
        }

        _nextSequence = maxSequence + 1;
        foreach ((long sequence, string name) in opens)
        {
            if (pcaps.ContainsKey(sequence))
            {
                Recovery.DiscardedList.Add($"{name}: a closed segment with the same number exists, left alone");
                continue;
            }

            string path = Path.Combine(_packets, name);
            byte[]? index = SegmentScanner.RebuildIndex(path, sequence, _builder, out ScanResult scan, out string? problem);
            if (index is null || scan.Packets == 0)
            {
                File.Delete(path);
                Recovery.DiscardedList.Add($"{name}: open segment with no whole packet ({problem ?? "empty"}), removed");
                continue;
            }

            long length = new FileInfo(path).Length;
            if (length > scan.WholeBytes)
            {
                using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.ReadWrite);
                RandomAccess.SetLength(handle, scan.WholeBytes);
                using var stream = new FileStream(handle, FileAccess.ReadWrite, bufferSize: 0);
                stream.Flush(flushToDisk: true);
            }

            string baseName = SegmentFiles.ClosedBase(sequence, _builder.FirstNanos);
            WriteIndex(Path.Combine(_packets, baseName + SegmentFiles.IndexExtension), index);
            File.Move(path, Path.Combine(_packets, baseName + SegmentFiles.PcapExtension));
            pcaps[sequence] = baseName + SegmentFiles.PcapExtension;
            indexes[sequence] = [baseName + SegmentFiles.IndexExtension];
            Recovery.RepairedList.Add(new RepairedSegment(baseName + SegmentFiles.PcapExtension, scan.Packets, length - scan.WholeBytes));
        }

        foreach ((long sequence, string name) in pcaps)
        {
            string baseName = name[..^SegmentFiles.PcapExtension.Length];
            string pcapPath = Path.Combine(_packets, name);
            string indexName = baseName + SegmentFiles.IndexExtension;
            string indexPath = Path.Combine(_packets, indexName);
            SegmentIndex? index = SegmentIndex.TryLoad(indexPath, out string? problem);
            long pcapLength = new FileInfo(pcapPath).Length;
            if (index is not null && (index.Header.Sequence != sequence || index.Header.PcapBytes > pcapLength))
            {
                problem = $"index does not match its pcap (sequence {index.Header.Sequence}, covers {index.Header.PcapBytes} of {pcapLength} bytes)";
                index = null;
            }

            if (index is null)
            {
                byte[]? rebuilt = SegmentScanner.RebuildIndex(pcapPath, sequence, _builder, out ScanResult scan, out string? scanProblem);
                if (rebuilt is null || scan.Packets == 0)
                {
                    Recovery.DiscardedList.Add($"{name}: unreadable pcap ({scanProblem ?? "no packets"}), skipped");
                    continue;
                }

                WriteIndex(indexPath, rebuilt);
                index = SegmentIndex.TryParse(rebuilt, out _)!;
                Recovery.RebuiltList.Add($"{name}: {problem}, rebuilt ({scan.Packets} packets)");
            }

            var closed = new ClosedSegment(sequence, baseName, pcapLength, index.Length, index.Header.FirstNanos, index.Header.LastNanos)
            {
                Pinned = pins.Contains(baseName + SegmentFiles.PinExtension),
            };
            _closed.Add(closed);
            _closedBytes += closed.Bytes;
            _newestNanos = Math.Max(_newestNanos, closed.LastNanos);
        }

        foreach ((long sequence, List<string> names) in indexes)
        {
            foreach (string name in names)
            {
                if (pcaps.TryGetValue(sequence, out string? pcap) && name == pcap[..^SegmentFiles.PcapExtension.Length] + SegmentFiles.IndexExtension)
                    continue;
                File.Delete(Path.Combine(_packets, name));
                Recovery.DiscardedList.Add($"{name}: index without its pcap, removed");
            }
        }

        _builder.Clear();
        Recovery.SegmentsFound = _closed.Count;
        ApplyRetention();
    }

    private sealed class ClosedSegment(long sequence, string baseName, long pcapBytes, long indexBytes, long firstNanos, long lastNanos)
    {
        public long Sequence { get; } = sequence;

        public string BaseName { get; } = baseName;

        public long Bytes { get; } = pcapBytes + indexBytes;

        public long FirstNanos { get; } = firstNanos;

        public long LastNanos { get; } = lastNanos;

        public bool Pinned { get; set; }
    }

    private readonly record struct PinRequest(FlowKey Key, long First, long Last);
}
