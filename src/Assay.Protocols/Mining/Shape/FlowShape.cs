using System.Runtime.InteropServices;

namespace Assay.Protocols.Mining.Shape;

/// <summary>
/// The traffic shape of one TCP flow, accumulated per payload segment in a fixed 128 bytes (no references, no heap), for
/// <see cref="ShapeClassifier"/>: a miner's pool session seen without its content (stratum over TLS, an unknown protocol).
/// </summary>
/// <remarks>
/// <para><b>Messages.</b> Segments are grouped into <i>messages</i>: consecutive same-direction segments whose gap to the
/// previous segment is at most <see cref="MessageGapMillis"/>. A segment in the other direction, or a longer pause, ends
/// the message. A stratum line, a TLS record or a JSON-RPC reply is one message however the sender's TCP cut it; two
/// share submits 200 ms apart are two. Retransmissions cannot be told apart by the caller: one inside the gap adds its
/// bytes to the message, one after it counts as a message of its own (rare on the low-rate flows this is about).</para>
/// <para><b>Setup.</b> Messages that start within <see cref="SetupMillis"/> of the flow's first payload are the
/// handshake (TLS, SOCKS, stratum login and its reply with the first job) and count only in the totals; the
/// <i>steady-state</i> statistics below describe what follows, which is where a miner's rhythm is.</para>
/// <para><b>Responses and pushes.</b> A server message that starts within <see cref="ResponseWindowMillis"/> after the end
/// of the client message right before it is a <i>response</i> (a share's result, a poll's answer) and marks that client
/// message <i>answered</i>; any other server message is a <i>push</i> (a new job, a new block). This is the reconstruction
/// of stratum semantics from timing alone that XMR-Ray (Russo, Šrndić &amp; Laskov, "Detection of illicit cryptomining
/// using network metadata", EURASIP J. on Information Security 2021) does from NetFlow records: job
/// notifications come from the pool unprompted, share submissions come from the miner and are acknowledged.</para>
/// <para><b>Statistics.</b> Running mean and variance (Welford, single precision: sizes and gaps need two significant
/// digits) of steady client message sizes and the gaps between their starts, and of push sizes and the gaps between
/// push starts. Times inside are milliseconds since the first payload in an <see cref="int"/> (24 days; later times
/// saturate); timestamps that go backwards are taken as the last one seen.</para>
/// </remarks>
[StructLayout(LayoutKind.Sequential)]
public struct FlowShape
{
    /// <summary>
    /// Longest pause inside one message. 200 ms: segments of one application write leave back to back (&lt; 1 ms on the
    /// lab captures; 25 ms between the five segments of a 2.8 KB ZEC share over a 536-byte MSS path in the NESFIT
    /// capture), and a congestion-window stall costs one round trip, under 200 ms on most paths; miners' submits are
    /// seconds apart (the closest in the lab captures: 0.14 s apart, xmrig-plain-3333 02:37:05.566 and .704, kept apart
    /// by the pool's result in between; two writes closer than this with nothing between are one message by timing).
    /// </summary>
    public const int MessageGapMillis = 200;

    /// <summary>
    /// Handshake time excluded from the steady-state statistics. 1 s: the TLS 1.2 handshake plus the stratum login and
    /// its reply take 2 ms on the lab veth and 0.34 s against nanopool in the NESFIT captures (login, reply, first
    /// getWork and job); the first share comes 1.27 s after connect at the earliest (devlab-xmrig-socks5).
    /// </summary>
    public const int SetupMillis = 1000;

    /// <summary>
    /// Longest wait for a response to count as one. 1 s: pools answer a submit in 0.3 ms on the lab link and 36–46 ms
    /// across Europe (NESFIT nanopool); the lab pools push jobs on their own timer, 1.5 s or more after the last result.
    /// </summary>
    public const int ResponseWindowMillis = 1000;

    private const byte NoDirection = 0;
    private const byte ClientDirection = 1;
    private const byte ServerDirection = 2;

    private long _firstNanos;
    private int _lastMillis;
    private int _openStartMillis;
    private int _openBytes;
    private int _lastClientEndMillis;
    private int _lastClientStartMillis;
    private int _lastPushStartMillis;
    private long _clientBytes;
    private long _serverBytes;
    private int _clientSegments;
    private int _serverSegments;
    private int _clientMessages;
    private int _serverMessages;
    private int _clientAnswered;
    private int _serverResponses;
    private int _maxSteadyMessage;
    private byte _openDirection;
    private byte _previousDirection;
    private bool _previousClientSteady;
    private RunningStats _clientSizes;
    private RunningStats _clientGaps;
    private RunningStats _pushSizes;
    private RunningStats _pushGaps;

    /// <summary>Payload bytes the client sent (every segment, retransmissions included).</summary>
    public readonly long ClientBytes => _clientBytes;

    /// <summary>Payload bytes the server sent.</summary>
    public readonly long ServerBytes => _serverBytes;

    /// <summary>Payload segments the client sent.</summary>
    public readonly int ClientSegments => _clientSegments;

    /// <summary>Payload segments the server sent.</summary>
    public readonly int ServerSegments => _serverSegments;

    /// <summary>Client messages closed so far (setup included; the message still open is not counted).</summary>
    public readonly int ClientMessages => _clientMessages;

    /// <summary>Server messages closed so far (setup included).</summary>
    public readonly int ServerMessages => _serverMessages;

    /// <summary>Steady-state client messages (after <see cref="SetupMillis"/>): a miner's share submits.</summary>
    public readonly int SteadyClientMessages => _clientSizes.Count;

    /// <summary>Steady-state client messages the server answered within <see cref="ResponseWindowMillis"/>.</summary>
    public readonly int AnsweredClientMessages => _clientAnswered;

    /// <summary>Server messages that were responses (setup included).</summary>
    public readonly int ServerResponses => _serverResponses;

    /// <summary>Steady-state server messages that were responses (to steady client messages).</summary>
    public readonly int SteadyServerResponses => _clientAnswered;

    /// <summary>Steady-state server messages that were not responses: a pool's job notifications.</summary>
    public readonly int ServerPushes => _pushSizes.Count;

    /// <summary>Mean size in bytes of the steady client messages (0 without any).</summary>
    public readonly double ClientMessageMean => _clientSizes.Mean;

    /// <summary>Sample standard deviation of the steady client message sizes (0 with fewer than two).</summary>
    public readonly double ClientMessageStdDev => _clientSizes.StdDev;

    /// <summary>Mean gap in seconds between the starts of consecutive steady client messages.</summary>
    public readonly double ClientGapMeanSeconds => _clientGaps.Mean / 1000;

    /// <summary>Coefficient of variation of those gaps: ≈ 1 for Poisson arrivals (shares), ≈ 0 for a timer.</summary>
    public readonly double ClientGapCv => _clientGaps.Cv;

    /// <summary>Number of client gaps measured (steady client messages less one).</summary>
    public readonly int ClientGapCount => _clientGaps.Count;

    /// <summary>Mean size in bytes of the pushes.</summary>
    public readonly double PushMean => _pushSizes.Mean;

    /// <summary>Sample standard deviation of the push sizes.</summary>
    public readonly double PushStdDev => _pushSizes.StdDev;

    /// <summary>Mean interval in seconds between the starts of consecutive pushes.</summary>
    public readonly double PushGapMeanSeconds => _pushGaps.Mean / 1000;

    /// <summary>Coefficient of variation of the push intervals.</summary>
    public readonly double PushGapCv => _pushGaps.Cv;

    /// <summary>Number of push intervals measured.</summary>
    public readonly int PushGapCount => _pushGaps.Count;

    /// <summary>Largest steady-state message in either direction, in bytes.</summary>
    public readonly int MaxSteadyMessage => _maxSteadyMessage;

    /// <summary>Timestamp of the first payload segment (0 before any).</summary>
    public readonly long FirstPayloadNanos => _firstNanos;

    /// <summary>Whether any payload was observed.</summary>
    public readonly bool IsEmpty => (_clientSegments | _serverSegments) == 0;

    /// <summary>Accounts one TCP segment with payload.</summary>
    /// <param name="toServer"><see langword="true"/> when the flow's client sent it.</param>
    /// <param name="payloadLength">TCP payload bytes; zero or negative is ignored (pure ACKs).</param>
    /// <param name="timestampNanos">Capture time, nanoseconds since the Unix epoch.</param>
    public void Observe(bool toServer, int payloadLength, long timestampNanos)
    {
        if (payloadLength <= 0)
            return;

        if (IsEmpty)
        {
            _firstNanos = timestampNanos;
            _lastClientEndMillis = -1;
        }

        // Unsigned difference: exact for any pair of longs when the later is not earlier, so hostile timestamps
        // (long.MinValue after a real one) cannot overflow into a huge positive time.
        ulong elapsed = timestampNanos > _firstNanos ? ((ulong)timestampNanos - (ulong)_firstNanos) / 1_000_000 : 0;
        int now = elapsed <= (ulong)_lastMillis ? _lastMillis : (int)Math.Min(elapsed, int.MaxValue);
        byte direction = toServer ? ClientDirection : ServerDirection;
        if (direction == _openDirection && now - _lastMillis <= MessageGapMillis)
        {
            // Saturating: a flow's message is capped far below int.MaxValue by MaxSteadyMessageBytes anyway.
            _openBytes = (int)Math.Min((long)_openBytes + payloadLength, int.MaxValue);
        }
        else
        {
            CloseMessage();
            _openDirection = direction;
            _openStartMillis = now;
            _openBytes = payloadLength;
        }

        _lastMillis = now;
        if (toServer)
        {
            _clientBytes += payloadLength;
            _clientSegments++;
        }
        else
        {
            _serverBytes += payloadLength;
            _serverSegments++;
        }
    }

    /// <summary>Forgets everything (a reused flow slot).</summary>
    public void Reset() => this = default;

    /// <summary>Closes the message still open, as <see cref="ShapeClassifier.Evaluate"/> does on a copy.</summary>
    public void Flush()
    {
        CloseMessage();
        _openDirection = NoDirection;
    }

    private void CloseMessage()
    {
        if (_openDirection == NoDirection)
            return;

        int start = _openStartMillis;
        int size = _openBytes;
        bool steady = start >= SetupMillis;
        if (steady && size > _maxSteadyMessage)
            _maxSteadyMessage = size;

        if (_openDirection == ClientDirection)
        {
            _clientMessages++;
            if (steady)
            {
                if (_clientSizes.Count > 0)
                    _clientGaps.Add(start - _lastClientStartMillis);
                _clientSizes.Add(size);
                _lastClientStartMillis = start;
            }

            _lastClientEndMillis = _lastMillis;
            _previousClientSteady = steady;
        }
        else
        {
            _serverMessages++;
            bool response = _previousDirection == ClientDirection && _lastClientEndMillis >= 0
                && start - _lastClientEndMillis <= ResponseWindowMillis;
            if (response)
            {
                _serverResponses++;
                if (_previousClientSteady)
                    _clientAnswered++;
            }
            else if (steady)
            {
                if (_pushSizes.Count > 0)
                    _pushGaps.Add(start - _lastPushStartMillis);
                _pushSizes.Add(size);
                _lastPushStartMillis = start;
            }
        }

        _previousDirection = _openDirection;
        _openDirection = NoDirection;
    }

    /// <summary>Welford's running mean and variance in 12 bytes.</summary>
    private struct RunningStats
    {
        public int Count;
        private float _mean;
        private float _m2;

        public readonly double Mean => _mean;

        public readonly double StdDev => Count > 1 ? Math.Sqrt(_m2 / (Count - 1)) : 0;

        /// <summary>Sample standard deviation over mean; 0 when undefined.</summary>
        public readonly double Cv => Count > 1 && _mean > 0 ? StdDev / _mean : 0;

        public void Add(float value)
        {
            Count++;
            float delta = value - _mean;
            _mean += delta / Count;
            _m2 += delta * (value - _mean);
        }
    }
}
