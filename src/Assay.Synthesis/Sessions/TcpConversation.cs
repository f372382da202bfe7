using Assay.Synthesis.Packets;

namespace Assay.Synthesis.Sessions;

/// <summary>
/// Scripts one TCP connection and records the packets a sensor between client and server would see: handshake with options,
/// data split at the MSS with consistent sequence and acknowledgment numbers, ACKs (optionally delayed), optional loss,
/// retransmission and reordering, then a FIN close, a reset, or nothing (left open).
/// </summary>
/// <remarks>
/// Timing model: the sensor sees a packet at <see cref="Now"/>; the other side's reaction is seen one round trip (that side's
/// RTT) later. Data is ACKed when it arrives, or piggybacked on the receiver's next data if that is what it does next.
/// Packets are appended in generation order, which is not always time order; <see cref="Packets"/> returns them sorted.
/// </remarks>
public sealed class TcpConversation
{
    private const int TimestampOptionSpace = 12; // NOP, NOP, kind 8 length 10
    private const ushort SynWindow = 64240;
    private const ushort SynAckWindow = 65160;

    private readonly TcpConversationOptions _options;
    private readonly SeededRandom _random;
    private readonly Side _client;
    private readonly Side _server;
    private readonly List<SyntheticPacket> _packets = [];
    private readonly long _start;
    private readonly long _gap;
    private bool _timestamps;
    private bool _sorted = true;

    public TcpConversation(Host client, ushort clientPort, Host server, ushort serverPort, long startNanos, TcpConversationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(server);
        if (client.IsIPv6 != server.IsIPv6)
            throw new ArgumentException("Client and server must share an address family.", nameof(server));
        _options = options ?? new TcpConversationOptions();
        _random = new SeededRandom(_options.Seed);
        _start = startNanos;
        _gap = SynthTime.ToNanos(_options.SegmentSpacing);
        Now = startNanos;
        _client = new Side(client, clientPort, _options.ClientIsn ?? _random.NextUInt32(), SynthTime.ToNanos(_options.ClientRtt),
            _options.ClientMss, _options.ClientWindowScale, _options.ClientWindow, _options.ClientStack, _random);
        _server = new Side(server, serverPort, _options.ServerIsn ?? _random.NextUInt32(), SynthTime.ToNanos(_options.ServerRtt),
            _options.ServerMss, _options.ServerWindowScale, _options.ServerWindow, _options.ServerStack, _random);
    }

    /// <summary>The sensor time the next scripted packet is sent at.</summary>
    public long Now { get; private set; }

    public Host Client => _client.Host;
    public Host Server => _server.Host;
    public ushort ClientPort => _client.Port;
    public ushort ServerPort => _server.Port;

    /// <summary>Next sequence number each side will send (its SND.NXT).</summary>
    public uint ClientNextSequence => _client.Next;

    public uint ServerNextSequence => _server.Next;
    public uint ClientInitialSequence => _client.Isn;
    public uint ServerInitialSequence => _server.Isn;
    public bool IsEstablished { get; private set; }
    public bool IsClosed { get; private set; }

    /// <summary>Packets so far, in time order (ties in generation order).</summary>
    public IReadOnlyList<SyntheticPacket> Packets
    {
        get
        {
            if (!_sorted)
            {
                // ACKs are generated after the burst they answer, so they land out of order; OrderBy is a stable sort.
                SyntheticPacket[] ordered = [.. _packets.OrderBy(static p => p.TimestampNanos)];
                _packets.Clear();
                _packets.AddRange(ordered);
                _sorted = true;
            }

            return _packets;
        }
    }

    /// <summary>SYN, SYN-ACK, ACK with each side's options.</summary>
    public TcpConversation Handshake()
    {
        if (IsEstablished)
            throw new InvalidOperationException("The handshake has already happened.");
        _timestamps = _options.Timestamps && _client.Stack == TcpStack.Linux && _server.Stack == TcpStack.Linux;

        long t = Now;
        bool clientOffers = _options.Timestamps && _client.Stack == TcpStack.Linux;
        Emit(_client, _server, TcpControl.Syn, _client.Isn, 0, default, t, SynOptions(_client, t, 0, clientOffers), SynWindow);
        _client.Next = _client.Isn + 1;

        t += _server.Rtt;
        Emit(_server, _client, TcpControl.Syn | TcpControl.Ack, _server.Isn, _client.Next, default, t,
            SynOptions(_server, t, _server.LastPeerTsVal, _timestamps), SynAckWindow);
        _server.Next = _server.Isn + 1;
        _server.RcvNext = _client.Next;

        t += _client.Rtt;
        _client.RcvNext = _server.Next;
        Emit(_client, _server, TcpControl.Ack, _client.Next, _client.RcvNext, default, t);
        Now = t;
        IsEstablished = true;
        return this;
    }

    /// <summary>A SYN answered by RST-ACK, as from a closed port.</summary>
    public TcpConversation Refused()
    {
        long t = Now;
        _timestamps = false;
        Emit(_client, _server, TcpControl.Syn, _client.Isn, 0, default, t, SynOptions(_client, t, 0, _options.Timestamps), SynWindow);
        _client.Next = _client.Isn + 1;
        t += _server.Rtt;
        Emit(_server, _client, TcpControl.Rst | TcpControl.Ack, 0, _client.Next, default, t, window: 0);
        Now = t;
        IsClosed = true;
        return this;
    }

    public TcpConversation ClientSends(ReadOnlySpan<byte> data, TimeSpan thinkTime = default) => Send(_client, data, thinkTime);

    public TcpConversation ServerSends(ReadOnlySpan<byte> data, TimeSpan thinkTime = default) => Send(_server, data, thinkTime);

    public TcpConversation Send(bool fromClient, ReadOnlySpan<byte> data, TimeSpan thinkTime = default) =>
        Send(fromClient ? _client : _server, data, thinkTime);

    /// <summary>Client request, then the server's response after <paramref name="serverThinkTime"/>.</summary>
    public TcpConversation Exchange(ReadOnlySpan<byte> request, ReadOnlySpan<byte> response, TimeSpan serverThinkTime = default)
    {
        ClientSends(request);
        return ServerSends(response, serverThinkTime);
    }

    /// <summary>Sends any owed ACKs, then lets <paramref name="idle"/> pass.</summary>
    public TcpConversation Wait(TimeSpan idle)
    {
        FlushAcks();
        Now += SynthTime.ToNanos(idle);
        return this;
    }

    /// <summary>Sends any owed ACKs, then moves <see cref="Now"/> forward to <paramref name="timestampNanos"/> (never back).</summary>
    public TcpConversation AdvanceTo(long timestampNanos)
    {
        FlushAcks();
        Now = Math.Max(Now, timestampNanos);
        return this;
    }

    /// <summary>FIN-ACK from one side, FIN-ACK back, final ACK.</summary>
    public TcpConversation Close(bool clientFirst = true)
    {
        RequireOpen();
        Side a = clientFirst ? _client : _server;
        Side b = Peer(a);
        long t = TakePiggyback(a);
        FlushAck(b);

        Emit(a, b, TcpControl.Fin | TcpControl.Ack, a.Next, a.RcvNext, default, t);
        a.Next++;
        b.RcvNext = a.Next;
        t += b.Rtt;
        Emit(b, a, TcpControl.Fin | TcpControl.Ack, b.Next, b.RcvNext, default, t);
        b.Next++;
        a.RcvNext = b.Next;
        t += a.Rtt;
        Emit(a, b, TcpControl.Ack, a.Next, a.RcvNext, default, t);
        Now = t;
        IsClosed = true;
        return this;
    }

    /// <summary>RST-ACK from one side; the connection ends without a FIN exchange.</summary>
    public TcpConversation Reset(bool fromClient = true)
    {
        RequireOpen();
        Side a = fromClient ? _client : _server;
        long t = TakePiggyback(a);
        FlushAck(Peer(a));
        Emit(a, Peer(a), TcpControl.Rst | TcpControl.Ack, a.Next, a.RcvNext, default, t, window: 0);
        Now = t;
        IsClosed = true;
        return this;
    }

    private TcpConversation Send(Side from, ReadOnlySpan<byte> data, TimeSpan thinkTime)
    {
        RequireOpen();
        if (data.IsEmpty)
            return this;
        Side to = Peer(from);
        long t = TakePiggyback(from) + SynthTime.ToNanos(thinkTime);
        FlushAck(to);

        int mss = Math.Min(from.Mss, to.Mss) - (_timestamps ? TimestampOptionSpace : 0);
        int count = (data.Length + mss - 1) / mss;
        var segments = new Segment[count];
        for (int i = 0; i < count; i++)
        {
            int offset = i * mss;
            int length = Math.Min(mss, data.Length - offset);
            Fate fate = _random.Chance(_options.LossRate) ? Fate.LostUpstream
                : _random.Chance(_options.RetransmissionRate) ? Fate.LostDownstream
                : Fate.Delivered;
            segments[i] = new Segment(from.Next + (uint)offset, offset, length, fate);
        }

        // Sensor order: swap neighbours that are both delivered when the reorder knob fires.
        int[] order = new int[count];
        for (int i = 0; i < count; i++)
            order[i] = i;
        for (int i = 0; i + 1 < count; i++)
        {
            if (segments[order[i]].Fate == Fate.Delivered && segments[order[i + 1]].Fate == Fate.Delivered && _random.Chance(_options.ReorderRate))
            {
                (order[i], order[i + 1]) = (order[i + 1], order[i]);
                i++;
            }
        }

        var arrivals = new List<(int Index, long Time)>(count);
        long sent = t;
        for (int k = 0; k < count; k++)
        {
            Segment segment = segments[order[k]];
            sent = t + (k * _gap);
            if (segment.Fate != Fate.LostUpstream)
                EmitData(from, to, data, segment, sent, order[k] == count - 1);
            if (segment.Fate == Fate.Delivered)
                arrivals.Add((order[k], sent + to.Rtt));
        }

        // Dup ACKs reach the sender, which retransmits the holes in sequence order.
        long retransmitAt = sent + to.Rtt + from.Rtt;
        for (int i = 0; i < count; i++)
        {
            if (segments[i].Fate == Fate.Delivered)
                continue;
            EmitData(from, to, data, segments[i], retransmitAt, i == count - 1);
            arrivals.Add((i, retransmitAt + to.Rtt));
            sent = retransmitAt;
            retransmitAt += _gap;
        }

        from.Next += (uint)data.Length;
        Acknowledge(from, to, segments, arrivals);
        Now = Math.Max(Now, sent + _gap);
        return this;
    }

    /// <summary>The receiver's side: cumulative ACKs as segments arrive, immediate dup ACKs for out-of-order ones.</summary>
    private void Acknowledge(Side from, Side to, Segment[] segments, List<(int Index, long Time)> arrivals)
    {
        bool[] received = new bool[segments.Length];
        int firstMissing = 0;
        int unacked = 0;
        for (int a = 0; a < arrivals.Count; a++)
        {
            (int index, long time) = arrivals[a];
            bool inOrder = index == firstMissing;
            received[index] = true;
            while (firstMissing < segments.Length && received[firstMissing])
                firstMissing++;
            uint ack = firstMissing < segments.Length ? segments[firstMissing].Sequence : from.Next;
            to.RcvNext = ack;
            unacked++;

            if (a == arrivals.Count - 1)
            {
                // Everything has arrived: owe one ACK, piggybacked if the receiver speaks next.
                to.AckPending = true;
                to.RespondTime = time;
                to.AckTime = _options.DelayedAck && unacked == 1 ? time + SynthTime.ToNanos(_options.DelayedAckTimeout) : time;
            }
            else if (!inOrder || !_options.DelayedAck || unacked >= 2)
            {
                Emit(to, from, TcpControl.Ack, to.Next, ack, default, time);
                unacked = 0;
            }
        }
    }

    private void EmitData(Side from, Side to, ReadOnlySpan<byte> data, Segment segment, long time, bool last)
    {
        TcpControl flags = last ? TcpControl.Ack | TcpControl.Psh : TcpControl.Ack;
        Emit(from, to, flags, segment.Sequence, from.RcvNext, data.Slice(segment.Offset, segment.Length), time);
    }

    private long TakePiggyback(Side side)
    {
        long t = Now;
        if (side.AckPending)
        {
            t = Math.Max(t, side.RespondTime);
            side.AckPending = false;
        }

        return t;
    }

    private void FlushAcks()
    {
        FlushAck(_client);
        FlushAck(_server);
    }

    private void FlushAck(Side side)
    {
        if (!side.AckPending)
            return;
        side.AckPending = false;
        Emit(side, Peer(side), TcpControl.Ack, side.Next, side.RcvNext, default, side.AckTime);
        Now = Math.Max(Now, side.AckTime);
    }

    private void RequireOpen()
    {
        if (!IsEstablished)
            throw new InvalidOperationException("Call Handshake first.");
        if (IsClosed)
            throw new InvalidOperationException("The connection is closed.");
    }

    private Side Peer(Side side) => ReferenceEquals(side, _client) ? _server : _client;

    /// <summary>SYN / SYN-ACK options in the layout of the side's stack (the layouts p0f and JA4T key on).</summary>
    private byte[] SynOptions(Side side, long time, uint echo, bool timestamps)
    {
        var options = new TcpOptionList().Mss(side.Mss);
        if (side.Stack == TcpStack.Windows)
        {
            if (side.WindowScale >= 0)
                options.Nop().WindowScale((byte)side.WindowScale);
            if (_options.SackPermitted)
                options.Nop().Nop().SackPermitted();
            return options.ToArray();
        }

        if (timestamps)
        {
            if (_options.SackPermitted)
                options.SackPermitted();
            else
                options.Nop().Nop();
            options.Timestamps(side.TsVal(time, _start), echo);
        }
        else if (_options.SackPermitted)
        {
            options.Nop().Nop().SackPermitted();
        }

        if (side.WindowScale >= 0)
            options.Nop().WindowScale((byte)side.WindowScale);
        return options.ToArray();
    }

    private void Emit(Side from, Side to, TcpControl flags, uint sequence, uint acknowledgment, ReadOnlySpan<byte> payload, long time,
        byte[]? options = null, int window = -1)
    {
        if (options is null && _timestamps)
            options = new TcpOptionList().Nop().Nop().Timestamps(from.TsVal(time, _start), from.LastPeerTsVal).ToArray();
        if (_timestamps || (flags & TcpControl.Syn) != 0)
            to.LastPeerTsVal = from.TsVal(time, _start);

        ushort windowField = window >= 0 ? (ushort)window : from.WindowScale >= 0 && to.WindowScale >= 0 ? from.Window : SynWindow;
        byte[] frame = _options.Framing.BeginIP(from.Host, to.Host, from.IpId++, dontFragment: true, from.FlowLabel)
            .Tcp(from.Port, to.Port, sequence, acknowledgment, flags, windowField, options)
            .Payload(payload)
            .Build();
        if (_packets.Count > 0 && time < _packets[^1].TimestampNanos)
            _sorted = false;
        _packets.Add(new SyntheticPacket(time, frame));
    }

    private enum Fate : byte
    {
        Delivered,
        LostUpstream,
        LostDownstream,
    }

    private readonly record struct Segment(uint Sequence, int Offset, int Length, Fate Fate);

    private sealed class Side(Host host, ushort port, uint isn, long rtt, ushort mss, int windowScale, ushort window, TcpStack stack, SeededRandom random)
    {
        public Host Host { get; } = host;
        public ushort Port { get; } = port;
        public uint Isn { get; } = isn;
        public long Rtt { get; } = rtt;
        public ushort Mss { get; } = mss;
        public int WindowScale { get; } = windowScale;
        public ushort Window { get; } = window;
        public TcpStack Stack { get; } = stack;
        public uint TsBase { get; } = random.NextUInt32();
        public uint FlowLabel { get; } = random.NextUInt32() & 0xFFFFF;
        public ushort IpId { get; set; } = (ushort)random.NextUInt32();
        public uint Next { get; set; } = isn;
        public uint RcvNext { get; set; }
        public uint LastPeerTsVal { get; set; }
        public bool AckPending { get; set; }
        public long RespondTime { get; set; }
        public long AckTime { get; set; }

        /// <summary>TSval ticks once a millisecond, as Linux's does.</summary>
        public uint TsVal(long time, long start) => TsBase + (uint)((time - start) / SynthTime.Millisecond);
    }
}
