using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Assay.Decoding;

namespace Assay.Flows;

/// <summary>What <see cref="FlowTable.Track"/> found for a packet.</summary>
/// <param name="Index">Slot of the flow; valid until the flow ends. <see cref="FlowTable.NoFlow"/> when the packet has no flow.</param>
/// <param name="ToServer">The packet travels from the flow's client to its server.</param>
/// <param name="IsNew">The packet started the flow.</param>
public readonly record struct FlowLookup(int Index, bool ToServer, bool IsNew);

/// <summary>
/// The flows of one worker. Owned by one thread: no locks. Records live by value in one array (slots reused through a
/// free list); a dictionary maps keys to slots. Each flow sits in one intrusive least-recently-seen list per timeout class
/// (TCP new, TCP established, …): every list is ordered by last packet and shares one timeout, so an expiry sweep
/// looks only at flows that have expired, and eviction takes the oldest list head. Timeouts are decided from packet time only, so the set of flow events does not depend on how packets are
/// spread over workers or when the sweep runs.
/// </summary>
public sealed class FlowTable
{
    /// <summary>Default hard cap on concurrent flows per table. ≈ 250 bytes each with the index: 1 Mi flows ≈ 250 MiB.</summary>
    public const int DefaultMaxFlows = 1 << 20;

    /// <summary>Returned in <see cref="FlowLookup.Index"/> for packets that have no flow (no IP layer).</summary>
    public const int NoFlow = -1;

    /// <summary>Slots allocated up front unless the caller expects more flows (<c>expectedFlows</c>).</summary>
    public const int DefaultInitialCapacity = 1024;

    /// <summary>Most slots allocated up front (≈ 15 MiB with the index); beyond it the table grows by doubling.</summary>
    public const int MaxInitialCapacity = 1 << 16;
    private const int None = -1;

    private readonly FlowTimeouts _timeouts;
    private readonly int _maxFlows;
    private readonly Dictionary<FlowKey, int> _index;
    private FlowRecord[] _records;
    private int[] _prev;
    private int[] _next;
    private byte[] _class;       // timeout class of the list a slot is in; Unlinked when in none
    private int[] _free;
    private int _freeCount;
    private int _used;           // slots ever handed out (high-water mark)
    private const byte Unlinked = 0xFF;
    private readonly int[] _head = new int[(int)TimeoutClass.Count];   // least recently seen, per class
    private readonly int[] _tail = new int[(int)TimeoutClass.Count];   // most recently seen, per class
    private readonly long[] _timeoutNanos = new long[(int)TimeoutClass.Count];

    /// <param name="expectedFlows">Flows the caller expects (e.g. from a capture file's size): the table starts that large
    /// (up to <see cref="MaxInitialCapacity"/>) instead of doubling up to it — each doubling of a large table costs a full
    /// garbage collection.</param>
    public FlowTable(FlowTimeouts? timeouts = null, int maxFlows = DefaultMaxFlows, int expectedFlows = DefaultInitialCapacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxFlows, 1);
        _timeouts = timeouts ?? FlowTimeouts.Default;
        const long Second = 1_000_000_000L;
        _timeoutNanos[(int)TimeoutClass.TcpNew] = _timeouts.TcpNew * Second;
        _timeoutNanos[(int)TimeoutClass.TcpEstablished] = _timeouts.TcpEstablished * Second;
        _timeoutNanos[(int)TimeoutClass.TcpClosed] = _timeouts.TcpClosed * Second;
        _timeoutNanos[(int)TimeoutClass.UdpNew] = _timeouts.UdpNew * Second;
        _timeoutNanos[(int)TimeoutClass.UdpEstablished] = _timeouts.UdpEstablished * Second;
        _timeoutNanos[(int)TimeoutClass.IcmpNew] = _timeouts.IcmpNew * Second;
        _timeoutNanos[(int)TimeoutClass.IcmpEstablished] = _timeouts.IcmpEstablished * Second;
        _timeoutNanos[(int)TimeoutClass.OtherNew] = _timeouts.OtherNew * Second;
        _timeoutNanos[(int)TimeoutClass.OtherEstablished] = _timeouts.OtherEstablished * Second;
        Array.Fill(_head, None);
        Array.Fill(_tail, None);
        _maxFlows = maxFlows;
        int capacity = Math.Min(Math.Clamp(expectedFlows, DefaultInitialCapacity, MaxInitialCapacity), maxFlows);
        _index = new Dictionary<FlowKey, int>(capacity);
        _records = new FlowRecord[capacity];
        _prev = new int[capacity];
        _next = new int[capacity];
        _class = new byte[capacity];
        _free = new int[capacity];
    }

    public int Count => _index.Count;

    public int MaxFlows => _maxFlows;

    public long FlowsCreated { get; private set; }

    public long FlowsTimedOut { get; private set; }

    /// <summary>Flows ended early because the table was full (each is also an anomaly <c>flow.table_full</c>).</summary>
    public long FlowsEvicted { get; private set; }

    public ref FlowRecord this[int index] => ref _records[index];

    /// <summary>Finds or creates the flow of <paramref name="packet"/> and updates its counters and TCP state.</summary>
    /// <param name="frameLength">Bytes of the captured frame (counted as <c>bytes_toserver</c>/<c>bytes_toclient</c>, as Suricata does).</param>
    /// <param name="packetNumber">1-based position of the packet in the input.</param>
    public FlowLookup Track<TSink>(in DecodedPacket packet, int frameLength, long timestamp, long packetNumber, ref TSink sink)
        where TSink : struct, IFlowSink
    {
        if (!packet.IsIP)
            return new FlowLookup(NoFlow, true, false);

        FlowKey key = FlowKey.From(in packet, out bool sourceIsLow);
        if (_index.Count >= _maxFlows && !_index.ContainsKey(key))
            Evict(ref sink);

        int slot;
        bool isNew = false;
        {
            // NOTE: no other access to _index while this ref is held (it points into the dictionary's entry array).
            ref int indexSlot = ref CollectionsMarshal.GetValueRefOrAddDefault(_index, key, out bool exists);
            if (!exists)
            {
                indexSlot = Allocate();
                isNew = true;
            }

            slot = indexSlot;
        }

        ref FlowRecord flow = ref _records[slot];
        if (!isNew && (timestamp - flow.LastTimestamp > _timeoutNanos[_class[slot]] || IsTcpPortReuse(in flow, in packet)))
        {
            // The old flow ends and a new one takes its slot and key.
            if (flow.EndReason == FlowEndReason.None)
                flow.EndReason = FlowEndReason.Timeout;
            FlowsTimedOut += flow.EndReason == FlowEndReason.Timeout ? 1 : 0;
            sink.OnFlowEnd(ref flow);
            FlowsCreated++;
            isNew = true;
        }

        if (isNew)
            Start(ref flow, in key, in packet, sourceIsLow, timestamp, packetNumber);

        bool toServer = sourceIsLow == flow.ClientIsLow;
        Update(ref flow, in packet, toServer, frameLength, timestamp);
        Touch(slot, ClassOf(in flow));
        return new FlowLookup(slot, toServer, isNew);
    }

    /// <summary>Ends every flow idle past its timeout at packet time <paramref name="now"/>. Cheap to call often: it looks
    /// only at list heads and at flows that have expired.</summary>
    public int Expire<TSink>(long now, ref TSink sink) where TSink : struct, IFlowSink
    {
        int ended = 0;
        for (int c = 0; c < (int)TimeoutClass.Count; c++)
        {
            long timeout = _timeoutNanos[c];
            while (_head[c] != None && now - _records[_head[c]].LastTimestamp > timeout)
            {
                int slot = _head[c];
                ref FlowRecord flow = ref _records[slot];
                if (flow.EndReason == FlowEndReason.None)
                    flow.EndReason = FlowEndReason.Timeout;
                FlowsTimedOut += flow.EndReason == FlowEndReason.Timeout ? 1 : 0;
                End(slot, ref sink);
                ended++;
            }
        }

        return ended;
    }

    /// <summary>Ends every flow (end of input). Flows already past their timeout at <paramref name="now"/> end as timed out.</summary>
    public void Flush<TSink>(long now, ref TSink sink) where TSink : struct, IFlowSink
    {
        for (int c = 0; c < (int)TimeoutClass.Count; c++)
        {
            while (_head[c] != None)
            {
                int slot = _head[c];
                ref FlowRecord flow = ref _records[slot];
                if (flow.EndReason == FlowEndReason.None)
                    flow.EndReason = now - flow.LastTimestamp > _timeoutNanos[c] ? FlowEndReason.Timeout : FlowEndReason.EndOfInput;
                End(slot, ref sink);
            }
        }
    }

    private void Evict<TSink>(ref TSink sink) where TSink : struct, IFlowSink
    {
        // The least recently seen flow overall is the oldest of the list heads.
        int oldest = None;
        for (int c = 0; c < (int)TimeoutClass.Count; c++)
        {
            int head = _head[c];
            if (head != None && (oldest == None || _records[head].LastTimestamp < _records[oldest].LastTimestamp))
                oldest = head;
        }

        ref FlowRecord flow = ref _records[oldest];
        if (flow.EndReason == FlowEndReason.None)
            flow.EndReason = FlowEndReason.Evicted;
        FlowsEvicted++;
        End(oldest, ref sink);
    }

    private void End<TSink>(int slot, ref TSink sink) where TSink : struct, IFlowSink
    {
        ref FlowRecord flow = ref _records[slot];
        sink.OnFlowEnd(ref flow);
        _index.Remove(flow.Key);
        Unlink(slot);
        flow = default;
        _free[_freeCount++] = slot;
    }

    /// <summary>Which timeout applies to the flow in its current state.</summary>
    private static TimeoutClass ClassOf(in FlowRecord flow)
    {
        bool established = flow.BothDirectionsSeen;
        return flow.Protocol switch
        {
            (byte)IpProtocol.Tcp => flow.TcpState switch
            {
                TcpConnectionState.Closed or TcpConnectionState.TimeWait => TimeoutClass.TcpClosed,
                TcpConnectionState.Established or TcpConnectionState.FinWait1 or TcpConnectionState.CloseWait => TimeoutClass.TcpEstablished,
                _ => established ? TimeoutClass.TcpEstablished : TimeoutClass.TcpNew,
            },
            (byte)IpProtocol.Udp => established ? TimeoutClass.UdpEstablished : TimeoutClass.UdpNew,
            (byte)IpProtocol.Icmp or (byte)IpProtocol.IcmpV6 => established ? TimeoutClass.IcmpEstablished : TimeoutClass.IcmpNew,
            _ => established ? TimeoutClass.OtherEstablished : TimeoutClass.OtherNew,
        };
    }

    /// <summary>A closed TCP flow sees a fresh SYN from a client: the tuple is being reused for a new connection.</summary>
    private static bool IsTcpPortReuse(in FlowRecord flow, in DecodedPacket packet) =>
        flow.IsTcp &&
        flow.TcpState is TcpConnectionState.Closed or TcpConnectionState.TimeWait &&
        (packet.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack | TcpFlags.Rst)) == TcpFlags.Syn;

    private static void Start(ref FlowRecord flow, in FlowKey key, in DecodedPacket packet, bool sourceIsLow, long timestamp, long packetNumber)
    {
        // The sender of the first packet is the client, unless that packet is a SYN-ACK: then we missed the SYN and the
        // receiver is the client.
        bool reverse = packet.Protocol == (byte)IpProtocol.Tcp &&
                       (packet.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack);
        (ushort sourcePort, ushort destinationPort) = (packet.SourcePort, packet.DestinationPort);
        flow = default;
        flow.Key = key;
        flow.ClientIsLow = sourceIsLow != reverse;
        flow.ClientAddress = reverse ? packet.Destination : packet.Source;
        flow.ServerAddress = reverse ? packet.Source : packet.Destination;
        flow.ClientPort = reverse ? destinationPort : sourcePort;
        flow.ServerPort = reverse ? sourcePort : destinationPort;
        flow.IcmpType = packet.IcmpType;
        flow.IcmpCode = packet.IcmpCode;
        flow.Protocol = packet.Protocol;
        flow.IPVersion = packet.IPVersion;
        flow.VlanId = packet.VlanId;
        flow.VlanId2 = packet.VlanId2;
        flow.FirstTimestamp = timestamp;
        flow.FirstPacketNumber = packetNumber;
        flow.FlowId = (long)(FlowKey.Mix(key.ShardHash() ^ (ulong)timestamp) & long.MaxValue) | 1;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Update(ref FlowRecord flow, in DecodedPacket packet, bool toServer, int frameLength, long timestamp)
    {
        if (toServer)
        {
            flow.PacketsToServer++;
            flow.BytesToServer += (uint)frameLength;
            flow.PayloadBytesToServer += (uint)packet.PayloadLength;
            flow.TcpFlagsToServer |= packet.TcpFlags;
        }
        else
        {
            flow.PacketsToClient++;
            flow.BytesToClient += (uint)frameLength;
            flow.PayloadBytesToClient += (uint)packet.PayloadLength;
            flow.TcpFlagsToClient |= packet.TcpFlags;
        }

        // Out-of-order timestamps across merged files must not move the flow backwards.
        if (timestamp > flow.LastTimestamp)
            flow.LastTimestamp = timestamp;
        if (flow.IsTcp && (packet.Layers & PacketLayers.Tcp) != 0)
            TcpStateMachine.Advance(ref flow, packet.TcpFlags, toServer);
    }

    private int Allocate()
    {
        FlowsCreated++;
        int slot;
        if (_freeCount > 0)
        {
            slot = _free[--_freeCount];
        }
        else
        {
            if (_used == _records.Length)
                Grow();
            slot = _used++;
        }

        _prev[slot] = None;
        _next[slot] = None;
        _class[slot] = Unlinked;
        return slot;
    }

    private void Grow()
    {
        int size = (int)Math.Min((long)_records.Length * 2, _maxFlows);
        Array.Resize(ref _records, size);
        Array.Resize(ref _prev, size);
        Array.Resize(ref _next, size);
        Array.Resize(ref _class, size);
        Array.Resize(ref _free, size);
    }

    /// <summary>Moves a slot to the most-recent end of its class's list (changing lists when its class changed).</summary>
    private void Touch(int slot, TimeoutClass timeoutClass)
    {
        int c = (int)timeoutClass;
        if (_class[slot] == c && _tail[c] == slot)
            return;
        if (_class[slot] != Unlinked)
            Unlink(slot);
        _class[slot] = (byte)c;
        _prev[slot] = _tail[c];
        _next[slot] = None;
        if (_tail[c] != None)
            _next[_tail[c]] = slot;
        _tail[c] = slot;
        if (_head[c] == None)
            _head[c] = slot;
    }

    private void Unlink(int slot)
    {
        int c = _class[slot];
        int prev = _prev[slot], next = _next[slot];
        if (prev != None)
            _next[prev] = next;
        else
            _head[c] = next;
        if (next != None)
            _prev[next] = prev;
        else
            _tail[c] = prev;
        _prev[slot] = None;
        _next[slot] = None;
        _class[slot] = Unlinked;
    }

    /// <summary>Flows whose state implies the same idle timeout share a least-recently-seen list.</summary>
    private enum TimeoutClass : byte
    {
        TcpNew,
        TcpEstablished,
        TcpClosed,
        UdpNew,
        UdpEstablished,
        IcmpNew,
        IcmpEstablished,
        OtherNew,
        OtherEstablished,
        Count,
    }
}
