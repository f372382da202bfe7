using System.Globalization;
using System.Text;

namespace Assay.Protocols.Mining.Shape;

/// <summary>The shape classifier's answer for one flow.</summary>
/// <param name="MinerLike">The flow passed every gate and matched one of the miner patterns completely.</param>
/// <param name="Score">
/// 0–1: the best pattern's fraction of criteria met, halved when a gate fails; 1 exactly when <paramref name="MinerLike"/>.
/// </param>
/// <param name="Explanation">One sentence with the feature values and the pattern matched or the first reason it did not.</param>
public readonly record struct ShapeVerdict(bool MinerLike, double Score, string Explanation);

/// <summary>
/// Says whether a flow's <see cref="FlowShape"/> looks like a miner's pool session. The last line of defence, for
/// sessions whose content cannot be read (stratum over TLS, unknown protocols).
/// </summary>
/// <remarks>
/// <para><b>Gates</b> (all must hold; a flow that fails the first two is not even a <i>candidate</i>): the flow lasts at
/// least <see cref="MinDurationSeconds"/>; it has at least <see cref="MinSteadyMessages"/> steady-state messages; its
/// payload rate is at most <see cref="MaxBytesPerSecond"/>; no steady message exceeds <see cref="MaxSteadyMessageBytes"/>.
/// Veselý &amp; Žádník (2019) and the CESNET Nemea miner detector they use characterise miner flows by few, small packets
/// per minute over a long-lived connection; these gates are that.</para>
/// <para><b>Patterns</b> (one must hold completely), each the timing signature of one side of a pool protocol:</para>
/// <list type="number">
/// <item><b>Random submits</b> (stratum share submission, XMRig and stratum v1 miners): at least <see cref="MinSubmits"/>
/// steady client messages of at least <see cref="MinSubmitBytes"/> and near-constant size (size CV ≤ <see cref="MaxSubmitSizeCv"/>), at random times (gap CV ≥
/// <see cref="MinRandomGapCv"/>: finding a share is a Poisson process), at least <see cref="MinAnsweredFraction"/> of
/// them answered within <see cref="FlowShape.ResponseWindowMillis"/>, at least one push (a job, ≥
/// <see cref="MinJobBytes"/>), and directions within
/// <see cref="MaxDirectionRatio"/> of each other.</item>
/// <item><b>Random jobs</b> (getwork/ethproxy, where the client polls on a timer and the pool pushes every new block): at
/// least <see cref="MinPushes"/> pushes of at least <see cref="MinJobBytes"/> and near-constant size (CV ≤ <see cref="MaxPushSizeCv"/>) at random times (gap CV ≥
/// <see cref="MinRandomGapCv"/>), mean interval between <see cref="MinPushIntervalSeconds"/> and
/// <see cref="MaxPushIntervalSeconds"/>, the client's own messages (if any) answered like requests (≥
/// <see cref="MinAnsweredFraction"/>: a pool answers every getWork, hashrate report and submit; a messenger's phone sends
/// its own pushes), directions within <see cref="MaxDirectionRatio"/>.</item>
/// <item><b>Jobs to a silent miner</b> (a miner too slow to find shares at the pool's difficulty: NESFIT's XMR session):
/// no steady client message beyond keep-alive probes (mean ≤ <see cref="MaxSilentClientBytes"/>), at least
/// <see cref="MinSilentPushes"/> pushes of near-constant size, mean interval between
/// <see cref="MinSilentPushIntervalSeconds"/> and <see cref="MaxPushIntervalSeconds"/>.</item>
/// </list>
/// <para>What keeps look-alikes out: timers. A telemetry agent, a chat's ping, an editor's periodic sync or a polled API
/// send on a clock (gap CV well under 0.3 even with ±50 % jitter), and their messages vary in size; a pool's shares and
/// blocks arrive when the hash lottery says so.</para>
/// </remarks>
public static class ShapeClassifier
{
    /// <summary>
    /// 20 s. Pools push a job every 15–60 s (lab pools 15–25 s, nanopool XMR 60 s, ZEC 26–60 s in the NESFIT captures) and
    /// a miner needs several shares before its timing means anything; the shortest positive, the PHPUnit incident's pool
    /// leg, lasts 30 s.
    /// </summary>
    public const double MinDurationSeconds = 20;

    /// <summary>3 steady-state messages (either direction): fewer say nothing about a rhythm.</summary>
    public const int MinSteadyMessages = 3;

    /// <summary>
    /// 1000 B/s of payload, both directions together, averaged over the flow. The lab miners run at 80–200 B/s
    /// (xmrig-plain-3333: 10.7 KB of capture in 60 s, TLS handshake included) and the NESFIT nanopool sessions below
    /// 300 B/s; a 20 s flow with a 5 KB certificate chain stays under 300 B/s. Bulk transfer and media are far above.
    /// </summary>
    public const double MaxBytesPerSecond = 1000;

    /// <summary>
    /// 4096 bytes. The largest steady miner message measured is a 2851-byte Zcash (Equihash) share in the NESFIT capture;
    /// jobs are 240–440 B, results under 100 B. Downloads, pages and file transfers exceed it at once.
    /// </summary>
    public const int MaxSteadyMessageBytes = 4096;

    /// <summary>
    /// 30: bytes one way at most thirty times the other. Lab sessions are within 1.5×, NESFIT ETH within 3.2×; Equihash
    /// shares (2.9 KB each, answered by 40–60 B results) put the stratum v1 session of nDPI's mining.pcapng at 23×. The
    /// silent-miner pattern is exempt (its client only logs in).
    /// </summary>
    public const double MaxDirectionRatio = 30;

    /// <summary>
    /// 40 bytes: the smallest share submit that carries a job id, a nonce and a 32-byte result (binary stratum v2 with its
    /// Noise tag: 44 B); the JSON ones measured are 180–2900 B. Keeps out keystrokes, one-word polls and protocol heartbeats
    /// (hislip, DNP3 and test traces of the corpus, 6–25 B).
    /// </summary>
    public const double MinSubmitBytes = 40;

    /// <summary>
    /// 64 bytes: a job carries at least a 32-byte header hash or merkle root plus a job id (stratum v2 NewMiningJob ≈ 67 B
    /// with its tag); the JSON jobs measured are 240–1320 B. Keeps out 1–51 B server heartbeats (hislip, DNP3).
    /// </summary>
    public const double MinJobBytes = 64;

    /// <summary>
    /// 1 byte: a client whose steady messages average at most this is silent; TCP keep-alive probes carry one garbage
    /// byte (RFC 9293 §3.8.4), as the NESFIT XMR client's every 60 s do.
    /// </summary>
    public const double MaxSilentClientBytes = 1;

    /// <summary>3 steady client messages (two gaps) before the client's timing is judged.</summary>
    public const int MinSubmits = 3;

    /// <summary>
    /// 0.15. Submits carry fixed-width fields (job id, nonce, result hash): 231/232 B plain, 260/261 B in TLS records,
    /// 2851 B for ZEC in the captures measured (CV &lt; 0.01). The 4444 telemetry look-alike mixes 166 B and 230 B
    /// messages (CV 0.16).
    /// </summary>
    public const double MaxSubmitSizeCv = 0.15;

    /// <summary>
    /// 0.25. Jobs have fixed-width blobs (XMRig 404/433 B, nanopool 242/297 B, ethproxy 243 B); stratum v1 notify varies
    /// with its merkle branch count, hence more room than for submits.
    /// </summary>
    public const double MaxPushSizeCv = 0.25;

    /// <summary>
    /// 0.4. Exponential gaps (Poisson arrivals) have CV 1; a timer has CV ≈ 0 (the 4444 telemetry agent: 0.02), a timer with
    /// uniform ±50 % jitter 0.29. The lowest miner value measured is 0.57 (xmrig-nicehash-5555: five shares). Small samples
    /// scatter, so this is well below 1.
    /// </summary>
    public const double MinRandomGapCv = 0.4;

    /// <summary>0.75: a pool answers every submit (accepted or rejected); a little room for a retransmission counted apart.</summary>
    public const double MinAnsweredFraction = 0.75;

    /// <summary>
    /// 5 pushes (four intervals) before the pool's timing is judged: NESFIT's ZEC session has 5 in 219 s. With three, a
    /// messenger's pushes (KakaoTalk in nDPI's corpus: 246 B, CV 0.45 over two intervals) pass by chance.
    /// </summary>
    public const int MinPushes = 5;

    /// <summary>
    /// 2 pushes (one interval) for a silent client: its timing cannot be judged, so the job rhythm alone decides (the
    /// Coinhive stratum sessions of the Zeek cryptomining package show two jobs 25 s apart in 58 s).
    /// </summary>
    public const int MinSilentPushes = 2;

    /// <summary>2 s: the fastest block rhythm mined in the captures (Ethereum, ≈ 13 s mean with clustering).</summary>
    public const double MinPushIntervalSeconds = 2;

    /// <summary>10 s: a job timer without shares is at least this slow (nanopool XMR: 60 s).</summary>
    public const double MinSilentPushIntervalSeconds = 10;

    /// <summary>300 s: pools refresh jobs at least every few minutes so miners see new transactions (and keep NAT alive).</summary>
    public const double MaxPushIntervalSeconds = 300;

    /// <summary>
    /// Whether a flow is long enough and busy enough to be judged at all: at least <see cref="MinDurationSeconds"/> and
    /// <see cref="MinSteadyMessages"/> steady-state messages. Flows that are not never score above 0.5.
    /// </summary>
    public static bool IsCandidate(in FlowShape shape, long firstTimestampNanos, long lastTimestampNanos)
    {
        FlowShape s = shape;
        s.Flush();
        return Seconds(firstTimestampNanos, lastTimestampNanos) >= MinDurationSeconds
            && SteadyMessages(in s) >= MinSteadyMessages;
    }

    /// <summary>
    /// Scores one flow. Allocates the explanation string: call it at flow end and on a long flow's periodic check, not
    /// per packet.
    /// </summary>
    /// <param name="shape">The flow's accumulator; the message still open is included (on a copy).</param>
    /// <param name="firstTimestampNanos">First packet of the flow (SYN included).</param>
    /// <param name="lastTimestampNanos">Last packet of the flow (FIN/ACK included).</param>
    public static ShapeVerdict Evaluate(in FlowShape shape, long firstTimestampNanos, long lastTimestampNanos)
    {
        FlowShape s = shape;
        s.Flush();
        double duration = Seconds(firstTimestampNanos, lastTimestampNanos);
        long total = s.ClientBytes + s.ServerBytes;
        double rate = duration > 0 ? total / duration : total;
        int steady = SteadyMessages(in s);
        long low = Math.Min(s.ClientBytes, s.ServerBytes);
        long high = Math.Max(s.ClientBytes, s.ServerBytes);
        bool balanced = high <= MaxDirectionRatio * low;

        string? gate = null;
        if (duration < MinDurationSeconds)
            gate = "too short";
        else if (steady < MinSteadyMessages)
            gate = "too few messages after setup";
        else if (rate > MaxBytesPerSecond)
            gate = "too many bytes per second";
        else if (s.MaxSteadyMessage > MaxSteadyMessageBytes)
            gate = "a message too large";

        double answered = s.SteadyClientMessages > 0 ? (double)s.AnsweredClientMessages / s.SteadyClientMessages : 0;
        double submits = Fraction(
            s.SteadyClientMessages >= MinSubmits && s.ClientMessageMean >= MinSubmitBytes,
            s.ClientMessageMean > 0 && s.ClientMessageStdDev <= MaxSubmitSizeCv * s.ClientMessageMean,
            s.ClientGapCount >= MinSubmits - 1 && s.ClientGapCv >= MinRandomGapCv,
            answered >= MinAnsweredFraction,
            s.ServerPushes >= 1 && s.PushMean >= MinJobBytes,
            balanced);
        bool pushSizesConstant = s.PushMean >= MinJobBytes && s.PushStdDev <= MaxPushSizeCv * s.PushMean;
        double pushInterval = s.PushGapMeanSeconds;
        double jobs = Fraction(
            s.ServerPushes >= MinPushes && (s.SteadyClientMessages == 0 || answered >= MinAnsweredFraction),
            pushSizesConstant,
            s.PushGapCount >= MinPushes - 1 && s.PushGapCv >= MinRandomGapCv,
            pushInterval >= MinPushIntervalSeconds && pushInterval <= MaxPushIntervalSeconds,
            balanced);
        double silent = Fraction(
            s.ClientMessageMean <= MaxSilentClientBytes,
            s.ServerPushes >= MinSilentPushes,
            pushSizesConstant,
            pushInterval >= MinSilentPushIntervalSeconds && pushInterval <= MaxPushIntervalSeconds);

        double best = Math.Max(submits, Math.Max(jobs, silent));
        string pattern = submits >= best ? "share submits at random times"
            : jobs >= best ? "jobs pushed at random times" : "jobs pushed to a silent client";
        bool minerLike = gate is null && best >= 1;
        double score = gate is null ? best : best / 2;
        string verdict = minerLike ? "miner-like: " + pattern
            : gate is not null ? "not miner-like: " + gate
            : $"not miner-like: closest pattern {pattern} meets {best:P0} of its criteria";
        return new ShapeVerdict(minerLike, score, Describe(in s, duration, answered) + " — " + verdict);
    }

    /// <summary>Seconds from first to last; 0 when reversed, and no overflow on hostile values.</summary>
    private static double Seconds(long first, long last) => last > first ? ((ulong)last - (ulong)first) / 1e9 : 0;

    private static int SteadyMessages(in FlowShape s) => s.SteadyClientMessages + s.ServerPushes + s.SteadyServerResponses;

    /// <summary>The fraction of a pattern's criteria met.</summary>
    private static double Fraction(bool a, bool b, bool c, bool d, bool e, bool f) => (Fraction(a, b, c, d, e) * 5 + One(f)) / 6;

    private static double Fraction(bool a, bool b, bool c, bool d, bool e) => (Fraction(a, b, c, d) * 4 + One(e)) / 5;

    private static double Fraction(bool a, bool b, bool c, bool d) => (One(a) + One(b) + One(c) + One(d)) / 4.0;

    private static int One(bool condition) => condition ? 1 : 0;

    /// <summary>"client sent 10 messages (mean 221 B ± 3 B) at random intervals (CV 0.93, mean 5.1 s), 10 answered; …".</summary>
    private static string Describe(in FlowShape s, double duration, double answered)
    {
        var text = new StringBuilder(256);
        IFormatProvider c = CultureInfo.InvariantCulture;
        text.Append(c, $"client sent {s.SteadyClientMessages} messages");
        if (s.SteadyClientMessages > 0)
            text.Append(c, $" (mean {s.ClientMessageMean:0} B ± {s.ClientMessageStdDev:0} B)");
        if (s.ClientGapCount > 0)
        {
            text.Append(c, $" at {Timing(s.ClientGapCv, s.ClientGapCount)} intervals (CV {s.ClientGapCv:0.00}, mean {s.ClientGapMeanSeconds:0.0} s)");
        }

        if (s.SteadyClientMessages > 0)
            text.Append(c, $", {answered:P0} answered");
        text.Append(c, $"; server pushed {s.ServerPushes} messages");
        if (s.ServerPushes > 0)
            text.Append(c, $" (mean {s.PushMean:0} B ± {s.PushStdDev:0} B)");
        if (s.PushGapCount > 0)
            text.Append(c, $" at ~{s.PushGapMeanSeconds:0.0} s {Timing(s.PushGapCv, s.PushGapCount)} intervals (CV {s.PushGapCv:0.00})");
        text.Append(c, $"; {duration:0.0} s, {Kilobytes(s.ClientBytes)} ↑ / {Kilobytes(s.ServerBytes)} ↓");
        return text.ToString();
    }

    private static string Timing(double cv, int gaps) => gaps < MinSubmits - 1 ? "too few" : cv >= MinRandomGapCv ? "random" : "regular";

    private static string Kilobytes(long bytes) => (bytes / 1000.0).ToString("0.0 KB", CultureInfo.InvariantCulture);
}
