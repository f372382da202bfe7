using System.Text;
using Assay.Decoding;

namespace Assay.Protocols.Mining;

/// <summary>
/// The mining state of one flow, fed complete JSON texts (lines of newline-delimited JSON-RPC, HTTP JSON-RPC bodies,
/// WebSocket text messages) by <see cref="OnMessage"/>. Recognises every dialect of <see cref="MiningDialect"/> by
/// message shape, whatever the port, and from any point of a session (captures start mid-session).
/// </summary>
/// <remarks>
/// <para><b>Certainty.</b> <see cref="IsMining"/> turns true only on a message no other protocol sends: any
/// <c>mining.*</c> method, <c>eth_getWork</c>/<c>eth_submitWork</c>/<c>eth_submitLogin</c>/<c>eth_submitHashrate</c>,
/// <c>getwork</c>, <c>getblocktemplate</c>/<c>submitblock</c>, or a generic name with a mining shape: a CryptoNote job
/// (<c>blob</c>+<c>job_id</c>+<c>target</c>, pushed or inside a login result), a submit with
/// <c>job_id</c>+<c>nonce</c>+<c>result</c>, a login whose <c>algo</c> list names CryptoNote/RandomX algorithms, the
/// CoinHive <c>auth</c> (with <c>site_key</c>)/<c>authed</c>/<c>job</c>/<c>submit</c>/<c>hash_accepted</c> shapes,
/// a subscribe result naming <c>mining.notify</c>, an <c>eth_getWork</c> result of 0x-prefixed 256-bit words.
/// A <c>login</c> with only login and password (coin-hive-stratum's) is a candidate: its fields are kept, and it counts
/// once the result carrying a job arrives. <c>{"status":"OK"}</c>, <c>keepalived</c>, <c>client.*</c> and the like
/// count only in a session already known to be mining.</para>
/// <para><b>Cost.</b> One <see cref="System.Text.Json.Utf8JsonReader"/> pass per text into fixed slots
/// (<see cref="MiningMessage"/>); no allocation for texts that are not mining; text fields are compared as bytes and
/// their strings made only when output reads them after a change. Caps: <see cref="MaxPendingRequests"/>,
/// <see cref="MaxEvidence"/>, <see cref="MaxFieldLength"/>, <see cref="MaxDepth"/>.</para>
/// <para>Single-threaded, like every flow state.</para>
/// </remarks>
public sealed partial class MiningSession
{
    /// <summary>Request ids awaiting a result (to tell accepted from rejected shares); the oldest is evicted past this, with <see cref="Anomaly.MiningTooManyPending"/>.</summary>
    public const int MaxPendingRequests = 64;

    /// <summary>Evidence items kept: the first message of each <see cref="MiningEvidenceKind"/>.</summary>
    public const int MaxEvidence = 16;

    /// <summary>Login, password, worker, agent and algorithm strings are cut to this many bytes.</summary>
    public const int MaxFieldLength = 256;

    /// <summary>JSON nesting allowed; deeper texts are dropped with <see cref="Anomaly.MiningJsonTooDeep"/>.</summary>
    public const int MaxDepth = 16;

    /// <summary>Algorithms kept from a login's list.</summary>
    public const int MaxAlgorithms = MiningMessage.MaxAlgorithms;

    /// <summary>Stack scratch for unescaping strings of one text.</summary>
    private const int ScratchLength = 1024;

    private const int EvidenceSentenceValueLength = 64;

    private readonly MiningText _login = new(MaxFieldLength);
    private readonly MiningText _password = new(MaxFieldLength);
    private readonly MiningText _worker = new(MaxFieldLength);
    private readonly MiningText _agent = new(MaxFieldLength);
    private readonly MiningText _algorithm = new(MaxFieldLength);
    private readonly MiningText _algorithms = new(MaxAlgorithms * 32);
    private List<string>? _algorithmList;
    private List<MiningEvidence>? _evidence;
    private uint _evidenceKinds;

    private ulong[]? _pendingIds;
    private MiningRequest[]? _pendingKinds;
    private int _pendingCount;

    private long _candidateMessages;
    private long _candidateFirstSeen;

    private long _workStart;
    private bool _hasWorkStart;
    private long _lastShareTime;
    private double _hashesPerShare;
    private double _expectedHashes;
    private long _sharesCounted;
    private double _minShareDifficulty;
    private double _maxShareDifficulty;

    /// <summary>At least one message that only a mining protocol sends (certain).</summary>
    public bool IsMining { get; private set; }

    public MiningDialect Dialect { get; private set; }

    /// <summary>Wallet or account: the CryptoNote login, the stratum worker name before its first '.', the EthProxy login before its first '/', a Monero <c>wallet_address</c>, a CoinHive site key.</summary>
    public string? Login => _login.Value;

    public string? Password => _password.Value;

    /// <summary>Rig id (CryptoNote <c>rigid</c>), the stratum worker suffix after the '.', the EthProxy <c>worker</c>.</summary>
    public string? Worker => _worker.Value;

    /// <summary>Miner software: CryptoNote <c>agent</c>, the first parameter of <c>mining.subscribe</c>.</summary>
    public string? Agent => _agent.Value;

    /// <summary>The algorithm announced by the pool (job <c>algo</c>) or, before one is, the one submitted.</summary>
    public string? Algorithm => _algorithm.Value;

    /// <summary>The login's algorithm list (CryptoNote <c>algo</c>), up to <see cref="MaxAlgorithms"/>.</summary>
    public IReadOnlyList<string> Algorithms => _algorithmList ??= SplitAlgorithms();

    /// <summary>Current share difficulty (see <see cref="MiningTarget"/> for each dialect's definition).</summary>
    public double? Difficulty { get; private set; }

    public long SharesSubmitted { get; private set; }

    public long SharesAccepted { get; private set; }

    public long SharesRejected { get; private set; }

    /// <summary>Jobs (work units) received: notify, job pushes, jobs in login results, getwork/getblocktemplate results.</summary>
    public long Jobs { get; private set; }

    /// <summary>Timestamp of the first mining message (ns since the Unix epoch).</summary>
    public long FirstSeen { get; private set; }

    /// <summary>Timestamp of the last mining message.</summary>
    public long LastSeen { get; private set; }

    /// <summary>JSON texts seen (valid or not).</summary>
    public long MessageCount { get; private set; }

    /// <summary>JSON texts recognised as mining.</summary>
    public long MiningMessageCount { get; private set; }

    /// <summary>The miner's own hashrate report (<c>eth_submitHashrate</c>), hashes per second.</summary>
    public double? ReportedHashrate { get; private set; }

    /// <summary>Incremented whenever an output field changes (the integrator writes update events on it).</summary>
    public int Changes { get; private set; }

    /// <summary>The first message of each kind, up to <see cref="MaxEvidence"/>.</summary>
    public IReadOnlyList<MiningEvidence> Evidence => (IReadOnlyList<MiningEvidence>?)_evidence ?? [];

    /// <summary>
    /// Reads one complete JSON text. <paramref name="fromClient"/>: sent by the flow's client. Returns true when it was a
    /// recognised mining message. Never throws: a text not starting with '{' or '[' (after whitespace) adds
    /// <see cref="Anomaly.MiningNotJson"/>, invalid JSON <see cref="Anomaly.MiningInvalidJson"/>, nesting past
    /// <see cref="MaxDepth"/> <see cref="Anomaly.MiningJsonTooDeep"/>.
    /// </summary>
    public bool OnMessage(ReadOnlySpan<byte> json, bool fromClient, long timestamp, long packetNumber, ref AnomalySet anomalies)
    {
        MessageCount++;

        // Pre-screen (STYLE §3.5): garbage never reaches the reader's exception path.
        int first = json.IndexOfAnyExcept(" \t\r\n"u8);
        if (first < 0 || (json[first] != (byte)'{' && json[first] != (byte)'['))
        {
            anomalies.Add(Anomaly.MiningNotJson);
            return false;
        }

        Span<byte> scratch = stackalloc byte[ScratchLength];
        var message = new MiningMessage(json, scratch);
        switch (message.Parse(MaxDepth))
        {
            case MiningParseStatus.InvalidJson:
                anomalies.Add(Anomaly.MiningInvalidJson);
                return false;
            case MiningParseStatus.TooDeep:
                anomalies.Add(Anomaly.MiningJsonTooDeep);
                return false;
        }

        if (!message.RootIsObject)
            return false;

        var context = new Context(fromClient, timestamp, packetNumber);
        Recognition recognition = Classify(ref message, in context, ref anomalies);
        if (recognition == Recognition.Certain && !IsMining)
        {
            IsMining = true;
            if (_candidateMessages > 0)
            {
                MiningMessageCount += _candidateMessages;
                FirstSeen = _candidateFirstSeen;
                _candidateMessages = 0;
            }

            Changed();
        }

        if (recognition == Recognition.Candidate && !IsMining)
        {
            if (_candidateMessages++ == 0)
                _candidateFirstSeen = timestamp;
            return false;
        }

        if (recognition == Recognition.None || (recognition == Recognition.IfMining && !IsMining))
            return false;

        if (MiningMessageCount++ == 0)
            FirstSeen = timestamp;
        LastSeen = timestamp;
        return true;
    }

    /// <summary>Back to empty, for pooling (buffers are kept).</summary>
    public void Reset()
    {
        IsMining = false;
        Dialect = MiningDialect.None;
        _login.Clear();
        _password.Clear();
        _worker.Clear();
        _agent.Clear();
        _algorithm.Clear();
        _algorithms.Clear();
        _algorithmList = null;
        _evidence?.Clear();
        _evidenceKinds = 0;
        _pendingCount = 0;
        _candidateMessages = 0;
        _candidateFirstSeen = 0;
        _workStart = 0;
        _hasWorkStart = false;
        _lastShareTime = 0;
        _hashesPerShare = 0;
        _expectedHashes = 0;
        _sharesCounted = 0;
        _minShareDifficulty = 0;
        _maxShareDifficulty = 0;
        Difficulty = null;
        SharesSubmitted = SharesAccepted = SharesRejected = Jobs = 0;
        FirstSeen = LastSeen = 0;
        MessageCount = MiningMessageCount = 0;
        ReportedHashrate = null;
        Changes = 0;
    }

    /// <summary>
    /// Hashes per second, estimated as (the sum over submitted shares of the expected hashes per share at the difficulty
    /// in force when it was submitted) / (time from the first job or login to the last share). Per dialect
    /// (<see cref="MiningTarget"/>): CryptoNote/CoinHive difficulty d → d hashes; Stratum v1 and EthereumStratum d →
    /// d × 2^32; EthProxy boundary B → 2^256/B; ZCash target T → 2^256/T solutions (Sol/s). <paramref name="method"/>
    /// states it, e.g. "14 shares × difficulty 150 over 59.6 s". False when fewer than 2 shares had a known difficulty
    /// or no time elapsed. The estimate is a count of rare events: with n shares its relative error is about 1/√n.
    /// </summary>
    public bool TryEstimateHashrate(out double hashesPerSecond, out string method)
    {
        hashesPerSecond = 0;
        method = string.Empty;
        long start = _hasWorkStart ? _workStart : FirstSeen;
        if (_sharesCounted < 2 || _expectedHashes <= 0 || _lastShareTime <= start)
            return false;
        double seconds = (_lastShareTime - start) / 1e9;
        hashesPerSecond = _expectedHashes / seconds;
        string difficulty = _minShareDifficulty == _maxShareDifficulty
            ? $"difficulty {_minShareDifficulty:G6}"
            : $"difficulty {_minShareDifficulty:G6}–{_maxShareDifficulty:G6}";
        string scale = Dialect switch
        {
            MiningDialect.Stratum or MiningDialect.EthereumStratum => " × 2^32 hashes",
            MiningDialect.ZcashStratum => " solutions",
            _ => string.Empty,
        };
        method = string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{_sharesCounted} shares × {difficulty}{scale} over {seconds:0.0} s");
        return true;
    }

    private void Changed() => Changes++;

    private void SetText(MiningText field, ReadOnlySpan<byte> value)
    {
        if (field.Set(value))
            Changed();
    }

    private void SetDialect(MiningDialect dialect)
    {
        // A specific stratum variant refines plain Stratum (its subscribe/notify are recognised first); otherwise the
        // first dialect stays.
        if (Dialect == dialect)
            return;
        if (Dialect == MiningDialect.None
            || (Dialect == MiningDialect.Stratum && dialect is MiningDialect.EthereumStratum or MiningDialect.ZcashStratum))
        {
            Dialect = dialect;
            Changed();
        }
    }

    private void StartWork(long timestamp)
    {
        if (!_hasWorkStart)
        {
            _workStart = timestamp;
            _hasWorkStart = true;
        }
    }

    private void SetDifficulty(double difficulty, double hashesPerShare)
    {
        if (!double.IsFinite(difficulty) || difficulty <= 0)
            return;
        _hashesPerShare = hashesPerShare;
        if (Difficulty != difficulty)
        {
            Difficulty = difficulty;
            Changed();
        }
    }

    private void CountSubmit(long timestamp)
    {
        SharesSubmitted++;
        Changed();
        if (_hashesPerShare > 0 && Difficulty is double difficulty)
        {
            _expectedHashes += _hashesPerShare;
            _minShareDifficulty = _sharesCounted == 0 ? difficulty : Math.Min(_minShareDifficulty, difficulty);
            _maxShareDifficulty = _sharesCounted == 0 ? difficulty : Math.Max(_maxShareDifficulty, difficulty);
            _sharesCounted++;
            _lastShareTime = timestamp;
        }
    }

    private void CountJob()
    {
        Jobs++;
        Changed();
    }

    private void Accept()
    {
        SharesAccepted++;
        Changed();
    }

    private void Reject()
    {
        SharesRejected++;
        Changed();
    }

    /// <summary>Requests awaiting a result (for tests of the cap).</summary>
    internal int PendingCount => _pendingCount;

    private bool HasEvidence(MiningEvidenceKind kind) => (_evidenceKinds & (1u << (int)kind)) != 0;

    private void AddEvidence(MiningEvidenceKind kind, string sentence, in Context context)
    {
        _evidenceKinds |= 1u << (int)kind;
        _evidence ??= new List<MiningEvidence>(4);
        if (_evidence.Count >= MaxEvidence)
            return;
        _evidence.Add(new MiningEvidence(kind, sentence, context.Timestamp, context.PacketNumber));
        Changed();
    }

    /// <summary>A value for an evidence sentence: UTF-8 decoded, cut to <see cref="EvidenceSentenceValueLength"/> bytes.</summary>
    private static string Quote(ReadOnlySpan<byte> value) =>
        Encoding.UTF8.GetString(MiningText.Truncate(value, EvidenceSentenceValueLength));

    private void SetAlgorithms(ref MiningMessage message)
    {
        // Joined with NUL (never in a real algorithm name) so the list compares as one byte string.
        Span<byte> joined = stackalloc byte[MaxAlgorithms * 32];
        int length = 0;
        for (int i = 0; i < message.AlgorithmCount; i++)
        {
            ReadOnlySpan<byte> name = message.Span(message.Algorithms[i]);
            if (length + name.Length + 1 > joined.Length)
                break;
            if (length > 0)
                joined[length++] = 0;
            name.CopyTo(joined[length..]);
            length += name.Length;
        }

        if (_algorithms.Set(joined[..length]))
        {
            _algorithmList = null;
            Changed();
        }
    }

    private List<string> SplitAlgorithms()
    {
        var list = new List<string>();
        ReadOnlySpan<byte> rest = _algorithms.Bytes;
        while (_algorithms.HasValue && rest.Length > 0)
        {
            int end = rest.IndexOf((byte)0);
            ReadOnlySpan<byte> name = end < 0 ? rest : rest[..end];
            list.Add(Encoding.UTF8.GetString(name));
            rest = end < 0 ? [] : rest[(end + 1)..];
        }

        return list;
    }

    private readonly record struct Context(bool FromClient, long Timestamp, long PacketNumber);

    private enum Recognition : byte
    {
        /// <summary>Not a mining message.</summary>
        None,

        /// <summary>Possibly mining (a bare login): fields kept, counted once the session is certain.</summary>
        Candidate,

        /// <summary>Part of a mining protocol, but also plausible elsewhere: counts only in a mining session.</summary>
        IfMining,

        /// <summary>Recognised and only a mining protocol sends it.</summary>
        Certain,
    }
}
