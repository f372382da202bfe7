using System.Buffers;

namespace Assay.Decoding.Network;

/// <summary>
/// Reassembles IPv4 (RFC 791 §3.2, RFC 815) and IPv6 (RFC 8200 §4.5) fragments into whole datagrams that
/// <see cref="PacketDecoder.TryDecode"/> can decode as raw IP (<see cref="Link.LinkTypes.Raw"/>).
/// </summary>
/// <remarks>
/// <para><b>Overlap policy: first wins.</b> Bytes already received are never replaced; a later fragment only fills holes.
/// This is Suricata's <c>first</c> policy (and what Windows and Solaris hosts do). Any overlap adds
/// <see cref="Anomaly.FragmentOverlap"/>; overlapping bytes that differ from what is held add
/// <see cref="Anomaly.FragmentOverlapDifferentData"/> — the evasion signal (Ptacek &amp; Newsham 1998), whichever policy the
/// end host follows. Hosts that follow RFC 5722 drop an IPv6 datagram with any overlap; this class still reassembles it
/// (first wins) so the traffic is inspected, and the anomaly says the host may have seen nothing.</para>
/// <para><b>Header.</b> The reassembled datagram carries the offset-0 fragment's header (IPv4 with its options; IPv6 with
/// its unfragmentable extension headers and the fragment header removed). IPv4: total length set, MF and offset cleared
/// (DF and the reserved bit kept), checksum recomputed. IPv6: payload length set, and the next-header field that pointed at
/// the fragment header now holds the offset-0 fragment's next header.</para>
/// <para><b>Rejected fragments</b> (<see cref="DefragStatus.Dropped"/>, the datagram kept): a non-last fragment that is
/// empty, an IPv6 non-last fragment whose length is not a multiple of 8 (RFC 8200 §4.5; an IPv4 one is trimmed to a multiple
/// of 8 as Linux does, and held), a fragment past a known end, or a second, different end
/// (all <see cref="Anomaly.FragmentInvalidLength"/>); a fragment whose bytes were cut by the snap length
/// (<see cref="Anomaly.PacketTruncatedBySnapLength"/>); one that would exceed <see cref="DefragmenterOptions.MaxBufferedBytes"/>.
/// A fragment that would make the datagram longer than IP allows drops the whole datagram (<see cref="Anomaly.FragmentTooLarge"/>,
/// "ping of death"), as does exceeding <see cref="DefragmenterOptions.MaxFragmentsPerDatagram"/>.</para>
/// <para><b>Time.</b> A datagram expires <see cref="DefragmenterOptions.TimeoutNanos"/> after its first fragment, as Linux
/// times a fragment queue from its creation. <see cref="Expire"/> drops expired datagrams; <see cref="Add"/> also treats an
/// expired match as gone and expires old datagrams itself when the pending table is full.</para>
/// <para><b>Key.</b> (version, source, destination, identification, protocol) as <see cref="DefragKey"/> says; the link layer
/// (VLAN, MPLS) is not part of it and not part of the returned datagram, so a caller that needs those copies them from the
/// completing fragment's <see cref="DecodedPacket"/>.</para>
/// <para><b>Memory.</b> Payload and header bytes live in <see cref="ArrayPool{T}.Shared"/> arrays; trackers are recycled
/// through a free list; the key table is a <see cref="Dictionary{TKey, TValue}"/> whose freed entries are reused. After
/// warm-up nothing is allocated per fragment. Not thread-safe: one instance per worker, as flows are.</para>
/// </remarks>
public sealed partial class Defragmenter : IDisposable
{
    /// <summary>Longest reassembled datagram: IPv6's 40-byte header plus a 65,535-byte payload (IPv4 stops at 65,535 total).</summary>
    public const int MaxDatagramLength = IPv6Header.Length + MaxIPPayloadLength;

    /// <summary>Default per-datagram fragment cap: enough for a maximum-size datagram at the IPv6 minimum MTU (1280 → 54
    /// fragments); FreeBSD allows 16 (<c>net.inet.ip.maxfragsperpacket</c>). Tiny-fragment floods hit it.</summary>
    public const int DefaultMaxFragmentsPerDatagram = 64;

    /// <summary>Default pending-datagram cap (Linux bounds its queues by memory only; Suricata's default tracker count is 65535).</summary>
    public const int DefaultMaxPendingDatagrams = 4096;

    /// <summary>Default pooled-byte cap, 32 MiB as Suricata's <c>defrag.memcap</c>.</summary>
    public const long DefaultMaxBufferedBytes = 32L * 1024 * 1024;

    /// <summary>Default timeout, 30 s as Linux <c>ipfrag_time</c>.</summary>
    public const long DefaultTimeoutNanos = 30L * 1_000_000_000;

    /// <summary>IPv4 total length and IPv6 payload length are 16-bit fields.</summary>
    private const int MaxIPPayloadLength = ushort.MaxValue;

    /// <summary>First payload buffer when the datagram's end is still unknown (covers a 1500-byte-MTU pair).</summary>
    private const int InitialBufferLength = 2048;

    private readonly DefragmenterOptions _options;
    private readonly Dictionary<DefragKey, Datagram> _pending = [];
    private Datagram? _oldest;                            // age list, by first fragment
    private Datagram? _newest;
    private Datagram? _free;                              // recycled trackers, linked through Newer
    private byte[] _output = [];
    private long _bufferedBytes;

    public Defragmenter()
        : this(DefragmenterOptions.Default)
    {
    }

    public Defragmenter(DefragmenterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.TimeoutNanos);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxPendingDatagrams);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBufferedBytes);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxFragmentsPerDatagram);
        _options = options;
    }

    public DefragmenterOptions Options => _options;

    // ---- counters: plain values read by the stats thread (torn reads of a long are acceptable for statistics) ----

    /// <summary>Fragments passed to <see cref="Add"/>.</summary>
    public long FragmentsReceived { get; private set; }

    public long DatagramsReassembled { get; private set; }

    /// <summary>Datagrams dropped because they expired incomplete.</summary>
    public long Timeouts { get; private set; }

    /// <summary>Fragments that overlapped data already held (including exact duplicates).</summary>
    public long Overlaps { get; private set; }

    /// <summary>Overlaps whose bytes differed from those held.</summary>
    public long OverlapsWithDifferentData { get; private set; }

    /// <summary>Fragments refused for their length or end (<see cref="Anomaly.FragmentInvalidLength"/>).</summary>
    public long InvalidFragments { get; private set; }

    /// <summary>Fragments refused because the capture cut them short.</summary>
    public long TruncatedFragments { get; private set; }

    /// <summary>Datagrams dropped for exceeding the IP length limit.</summary>
    public long TooLarge { get; private set; }

    /// <summary>Datagrams dropped at <see cref="DefragmenterOptions.MaxFragmentsPerDatagram"/>.</summary>
    public long FragmentCapHits { get; private set; }

    /// <summary>Fragments refused at <see cref="DefragmenterOptions.MaxPendingDatagrams"/>.</summary>
    public long PendingCapHits { get; private set; }

    /// <summary>Fragments refused at <see cref="DefragmenterOptions.MaxBufferedBytes"/>.</summary>
    public long MemoryCapHits { get; private set; }

    /// <summary>Datagrams being reassembled now.</summary>
    public int PendingDatagrams => _pending.Count;

    /// <summary>Pooled bytes held by pending datagrams now.</summary>
    public long BufferedBytes => _bufferedBytes;

    /// <summary>
    /// Adds one fragment. <paramref name="packet"/> must be a fragment (<see cref="DecodedPacket.IsFragment"/>) decoded from
    /// <paramref name="frame"/>.
    /// </summary>
    /// <param name="packet">The decoded fragment.</param>
    /// <param name="frame">The frame it was decoded from.</param>
    /// <param name="timestampNanos">Capture time of the frame.</param>
    /// <param name="anomalies">Receives overlap, length, cap and timeout anomalies.</param>
    /// <param name="datagram">On <see cref="DefragStatus.Complete"/>, the whole IP datagram; valid until the next call on this instance.</param>
    /// <exception cref="ArgumentException"><paramref name="packet"/> is not an IP fragment or does not fit <paramref name="frame"/>.</exception>
    public DefragStatus Add(in DecodedPacket packet, ReadOnlySpan<byte> frame, long timestampNanos, ref AnomalySet anomalies, out ReadOnlySpan<byte> datagram)
    {
        datagram = default;
        bool isIPv4 = packet.IPVersion == 4;
        if (!packet.IsFragment || (!isIPv4 && packet.IPVersion != 6))
            ThrowHelper.ThrowArgumentException("The packet is not a decoded IP fragment.", nameof(packet));

        int start = packet.FragmentOffset;
        int length = packet.FragmentPayloadLength;
        int payloadOffset = packet.FragmentPayloadOffset;
        // Header bytes copied from the offset-0 fragment: IPv4 header with options, or IPv6 unfragmentable part.
        int headerLength = isIPv4 ? payloadOffset - packet.NetworkOffset : packet.UnfragmentableLength;
        if ((uint)payloadOffset > (uint)frame.Length || (uint)length > (uint)(frame.Length - payloadOffset)
            || packet.NetworkOffset < 0 || headerLength < (isIPv4 ? IPv4Header.MinLength : IPv6Header.Length)
            || packet.NetworkOffset + headerLength > payloadOffset || (uint)start > MaxIPPayloadLength)
        {
            ThrowHelper.ThrowArgumentException("The fragment's offsets do not fit the frame.", nameof(frame));
        }

        FragmentsReceived++;
        int statedLength = packet.NetworkOffset + packet.NetworkLength - payloadOffset;
        if (length < statedLength)
        {
            TruncatedFragments++;
            anomalies.Add(Anomaly.PacketTruncatedBySnapLength);
            return DefragStatus.Dropped;
        }

        // Every fragment but the last carries a multiple of 8 bytes. IPv4: trim the excess, as Linux ip_frag_queue does;
        // IPv6: discard, as RFC 8200 §4.5 requires. Either way it is named.
        bool last = !packet.MoreFragments;
        if (!last && (length & 7) != 0)
        {
            InvalidFragments++;
            anomalies.Add(Anomaly.FragmentInvalidLength);
            if (!isIPv4)
                return DefragStatus.Dropped;
            length &= ~7;
            if (length == 0)
                return DefragStatus.Dropped;
        }
        else if (!last && length == 0)
        {
            InvalidFragments++;
            anomalies.Add(Anomaly.FragmentInvalidLength);
            return DefragStatus.Dropped;
        }

        var key = new DefragKey(packet.Source, packet.Destination, packet.FragmentId, packet.IPVersion, isIPv4 ? packet.Protocol : (byte)0);
        if (_pending.TryGetValue(key, out Datagram? entry) && timestampNanos - entry.FirstSeen >= _options.TimeoutNanos)
        {
            TimeOut(entry, ref anomalies);
            entry = null;
        }

        // The reassembled payload must fit IP's 16-bit length: IPv4 counts its header in it, IPv6 its extension headers.
        int end = start + length;
        int lengthBeyondPayload = isIPv4 ? headerLength : headerLength - IPv6Header.Length;
        if (end + lengthBeyondPayload > MaxIPPayloadLength)
        {
            TooLarge++;
            anomalies.Add(Anomaly.FragmentTooLarge);
            if (entry is not null)
                Release(entry);
            return DefragStatus.Dropped;
        }

        if (entry is null)
        {
            if (_pending.Count >= _options.MaxPendingDatagrams)
                Expire(timestampNanos, ref anomalies);
            if (_pending.Count >= _options.MaxPendingDatagrams)
            {
                PendingCapHits++;
                anomalies.Add(Anomaly.FragmentGlobalCapReached);
                return DefragStatus.Dropped;
            }

            entry = Track(key, timestampNanos);
        }

        if (entry.FragmentCount == _options.MaxFragmentsPerDatagram)
        {
            FragmentCapHits++;
            anomalies.Add(Anomaly.FragmentDatagramCapReached);
            Release(entry);
            return DefragStatus.Dropped;
        }

        // RFC 815 / Linux ip_frag_queue: one end only, and nothing beyond it.
        if (last ? (entry.TotalLength >= 0 && entry.TotalLength != end) || entry.DataEnd > end
                 : entry.TotalLength >= 0 && end > entry.TotalLength)
        {
            InvalidFragments++;
            anomalies.Add(Anomaly.FragmentInvalidLength);
            ReleaseIfEmpty(entry);
            return DefragStatus.Dropped;
        }

        bool takeHeader = start == 0 && !entry.HasHeader;
        if (!TryReserve(entry, end, last ? end : entry.TotalLength, takeHeader ? headerLength : 0))
        {
            MemoryCapHits++;
            anomalies.Add(Anomaly.FragmentGlobalCapReached);
            ReleaseIfEmpty(entry);
            return DefragStatus.Dropped;
        }

        entry.FragmentCount++;
        if (last)
            entry.TotalLength = end;
        if (length > 0)
            Insert(entry, start, frame.Slice(payloadOffset, length), ref anomalies);
        if (end > entry.DataEnd)
            entry.DataEnd = end;
        if (takeHeader)
        {
            frame.Slice(packet.NetworkOffset, headerLength).CopyTo(entry.Header);
            entry.HeaderLength = headerLength;
            entry.NextHeader = isIPv4 ? packet.Protocol : packet.FragmentNextHeader;
            entry.HasHeader = true;
        }

        if (!entry.IsComplete)
            return DefragStatus.Held;

        int total = Assemble(entry, isIPv4);
        Release(entry);
        if (total < 0)
        {
            TooLarge++;
            anomalies.Add(Anomaly.FragmentTooLarge);
            return DefragStatus.Dropped;
        }

        DatagramsReassembled++;
        datagram = _output.AsSpan(0, total);
        return DefragStatus.Complete;
    }

    /// <summary>Drops every datagram whose first fragment is at least the timeout older than <paramref name="nowNanos"/>.</summary>
    /// <returns>The number dropped; each also adds <see cref="Anomaly.FragmentTimeout"/> to <paramref name="anomalies"/>.</returns>
    public int Expire(long nowNanos, ref AnomalySet anomalies)
    {
        int expired = 0;
        while (_oldest is { } oldest && nowNanos - oldest.FirstSeen >= _options.TimeoutNanos)
        {
            TimeOut(oldest, ref anomalies);
            expired++;
        }

        return expired;
    }

    /// <summary>Returns every pooled buffer; the instance is empty (and still usable) afterwards.</summary>
    public void Dispose()
    {
        while (_oldest is { } oldest)
            Release(oldest);
        if (_output.Length != 0)
            ArrayPool<byte>.Shared.Return(_output);
        _output = [];
    }

    private void TimeOut(Datagram entry, ref AnomalySet anomalies)
    {
        Timeouts++;
        anomalies.Add(Anomaly.FragmentTimeout);
        Release(entry);
    }

    /// <summary>A tracker created for a fragment that was then refused holds nothing; it should not occupy a slot.</summary>
    private void ReleaseIfEmpty(Datagram entry)
    {
        if (entry.FragmentCount == 0)
            Release(entry);
    }

    private Datagram Track(DefragKey key, long timestampNanos)
    {
        Datagram entry;
        if (_free is { } recycled)
        {
            _free = recycled.Newer;
            entry = recycled;
        }
        else
        {
            entry = new Datagram(_options.MaxFragmentsPerDatagram);
        }

        entry.Key = key;
        entry.FirstSeen = timestampNanos;
        entry.Newer = null;
        entry.Older = _newest;
        if (_newest is null)
            _oldest = entry;
        else
            _newest.Newer = entry;
        _newest = entry;
        _pending.Add(key, entry);
        return entry;
    }

    private void Release(Datagram entry)
    {
        _pending.Remove(entry.Key);
        if (entry.Older is null)
            _oldest = entry.Newer;
        else
            entry.Older.Newer = entry.Newer;
        if (entry.Newer is null)
            _newest = entry.Older;
        else
            entry.Newer.Older = entry.Older;

        if (entry.Data is { } data)
        {
            _bufferedBytes -= data.Length;
            ArrayPool<byte>.Shared.Return(data);
        }

        if (entry.Header is { } header)
        {
            _bufferedBytes -= header.Length;
            ArrayPool<byte>.Shared.Return(header);
        }

        entry.Reset();
        entry.Older = null;
        entry.Newer = _free;
        _free = entry;
    }

    /// <summary>Makes room for payload up to <paramref name="end"/> and a header of <paramref name="headerLength"/> bytes,
    /// within <see cref="DefragmenterOptions.MaxBufferedBytes"/>. Nothing changes when it returns false.</summary>
    /// <param name="entry">The datagram.</param>
    /// <param name="end">The end of the fragment being added.</param>
    /// <param name="totalLength">The datagram's payload length if known (this fragment or an earlier one was the last), else -1.</param>
    /// <param name="headerLength">Header bytes to store, 0 when this is not the first offset-0 fragment.</param>
    private bool TryReserve(Datagram entry, int end, int totalLength, int headerLength)
    {
        int dataCapacity = entry.Data?.Length ?? 0;
        int newDataLength = 0;
        if (end > dataCapacity)
        {
            // Known end: exactly that. Otherwise double, so a datagram arriving in order grows O(log n) times.
            newDataLength = totalLength >= 0 ? totalLength
                : Math.Min(Math.Max(end, Math.Max(InitialBufferLength, dataCapacity * 2)), MaxIPPayloadLength);
            newDataLength = Math.Max(newDataLength, end);
        }

        long growth = (newDataLength == 0 ? 0 : newDataLength - dataCapacity) + headerLength;
        if (_bufferedBytes + growth > _options.MaxBufferedBytes)
            return false;

        if (newDataLength != 0)
        {
            byte[] fresh = ArrayPool<byte>.Shared.Rent(newDataLength);
            if (entry.Data is { } old)
            {
                old.AsSpan(0, entry.DataEnd).CopyTo(fresh);
                _bufferedBytes -= old.Length;
                ArrayPool<byte>.Shared.Return(old);
            }

            entry.Data = fresh;
            _bufferedBytes += fresh.Length;
        }

        if (headerLength != 0)
        {
            entry.Header = ArrayPool<byte>.Shared.Rent(headerLength);
            _bufferedBytes += entry.Header.Length;
        }

        return true;
    }
}
