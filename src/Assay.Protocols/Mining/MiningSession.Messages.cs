using Assay.Decoding;

namespace Assay.Protocols.Mining;

public sealed partial class MiningSession
{
    private Recognition Classify(ref MiningMessage m, in Context c, ref AnomalySet anomalies)
    {
        JsonValue method = m.TopValue(MiningJsonKey.Method);
        if (method.Kind == JsonKind.String)
            return OnMethod(ref m, m.Span(method), in c, ref anomalies);
        JsonValue type = m.TopValue(MiningJsonKey.Type);
        if (type.Kind == JsonKind.String && m.TopValue(MiningJsonKey.Params).Kind == JsonKind.Object)
            return OnWebMiner(ref m, m.Span(type), in c);
        if (m.TopValue(MiningJsonKey.Result).Kind != JsonKind.None || m.TopValue(MiningJsonKey.Error).Kind != JsonKind.None)
            return OnResponse(ref m, in c);
        return Recognition.None;
    }

    private Recognition OnMethod(ref MiningMessage m, ReadOnlySpan<byte> method, in Context c, ref AnomalySet anomalies)
    {
        if (method.StartsWith("mining."u8))
            return OnStratum(ref m, method, in c, ref anomalies);
        if (method.StartsWith("eth_"u8))
            return OnEthProxy(ref m, method["eth_".Length..], in c, ref anomalies);
        if (method.StartsWith("client."u8))
        {
            // client.reconnect / client.get_version / client.show_message: stratum's, but the names are generic.
            if (IsMining && !HasEvidence(MiningEvidenceKind.Extension))
                AddEvidence(MiningEvidenceKind.Extension, $"{Quote(method)} from the pool", in c);
            return Recognition.IfMining;
        }

        if (method.SequenceEqual("login"u8))
            return OnLogin(ref m, in c, ref anomalies);
        if (method.SequenceEqual("job"u8))
            return OnCryptoNoteJob(ref m, MiningDialect.CryptoNote, in c);
        if (method.SequenceEqual("submit"u8))
            return OnCryptoNoteSubmit(ref m, MiningDialect.CryptoNote, in c, ref anomalies);
        if (method.SequenceEqual("keepalived"u8) || method.SequenceEqual("getjob"u8))
        {
            if (IsMining && !HasEvidence(MiningEvidenceKind.Keepalive) && method.SequenceEqual("keepalived"u8))
                AddEvidence(MiningEvidenceKind.Keepalive, "keepalived from the miner", in c);
            if (IsMining)
                AddPending(ref m, MiningRequest.Other, in c, ref anomalies);
            return Recognition.IfMining;
        }

        if (method.SequenceEqual("getwork"u8))
            return OnGetwork(ref m, in c, ref anomalies);
        if (method.SequenceEqual("getblocktemplate"u8) || method.SequenceEqual("get_block_template"u8))
            return OnGetBlockTemplate(ref m, in c, ref anomalies);
        if (method.SequenceEqual("submitblock"u8) || method.SequenceEqual("submit_block"u8))
        {
            SetDialect(MiningDialect.GetBlockTemplate);
            CountSubmit(c.Timestamp);
            AddPending(ref m, MiningRequest.Submit, in c, ref anomalies);
            if (!HasEvidence(MiningEvidenceKind.Submit))
                AddEvidence(MiningEvidenceKind.Submit, $"{Quote(method)}: a block submitted to the node", in c);
            return Recognition.Certain;
        }

        return Recognition.None;
    }

    /// <summary>Stratum v1 and its EthereumStratum / ZCash variants: every <c>mining.*</c> method is mining.</summary>
    private Recognition OnStratum(ref MiningMessage m, ReadOnlySpan<byte> method, in Context c, ref AnomalySet anomalies)
    {
        ReadOnlySpan<byte> name = method["mining.".Length..];
        JsonValue p0 = m.ParamsItem(0);
        if (name.SequenceEqual("subscribe"u8))
        {
            // ZCash: ["equihashminer", null, "zec-eu1.nanopool.org", "6666"] (miner, session, host, port).
            MiningDialect dialect = m.NamesEthereumStratum ? MiningDialect.EthereumStratum
                : m.ParamsCount == 4 && m.ParamsItem(2).Kind == JsonKind.String ? MiningDialect.ZcashStratum
                : MiningDialect.Stratum;
            SetDialect(MiningDialect.Stratum);
            SetDialect(dialect);
            if (p0.Kind == JsonKind.String && p0.Length > 0)
                SetText(_agent, m.Span(p0));
            StartWork(c.Timestamp);
            AddPending(ref m, MiningRequest.Subscribe, in c, ref anomalies);
            if (!HasEvidence(MiningEvidenceKind.Subscribe))
                AddEvidence(MiningEvidenceKind.Subscribe, p0.Kind == JsonKind.String ? $"mining.subscribe from {Quote(m.Span(p0))}" : "mining.subscribe", in c);
            return Recognition.Certain;
        }

        SetDialect(MiningDialect.Stratum);
        if (name.SequenceEqual("authorize"u8))
        {
            if (p0.Kind == JsonKind.String)
                SetWorkerName(m.Span(p0), (byte)'.');
            if (m.ParamsItem(1).Kind == JsonKind.String)
                SetText(_password, m.Span(m.ParamsItem(1)));
            StartWork(c.Timestamp);
            AddPending(ref m, MiningRequest.Authorize, in c, ref anomalies);
            if (!HasEvidence(MiningEvidenceKind.Authorize))
                AddEvidence(MiningEvidenceKind.Authorize, $"mining.authorize as {Quote(m.Span(p0))}", in c);
            return Recognition.Certain;
        }

        if (name.SequenceEqual("notify"u8))
        {
            // Bitcoin: 9 params (job, prevhash, coinb1, coinb2, merkle[], version, nbits, ntime, clean).
            // ZCash: 8 (job, version, prevhash, merkleroot, reserved, time, bits, clean): params[4] is a string.
            // EthereumStratum: 4 (job, seedhash, headerhash, clean).
            if (m.ParamsCount == 8 && m.ParamsItem(4).Kind == JsonKind.String)
                SetDialect(MiningDialect.ZcashStratum);
            else if (m.ParamsCount == 4 && m.ParamsItem(1).Kind == JsonKind.String && MiningTarget.IsHex(m.Span(m.ParamsItem(1)), 64)
                && m.ParamsItem(2).Kind == JsonKind.String && MiningTarget.IsHex(m.Span(m.ParamsItem(2)), 64))
            {
                SetDialect(MiningDialect.EthereumStratum);
            }

            CountJob();
            StartWork(c.Timestamp);
            if (!HasEvidence(MiningEvidenceKind.JobPush))
                AddEvidence(MiningEvidenceKind.JobPush, p0.Kind == JsonKind.String ? $"mining.notify job {Quote(m.Span(p0))}" : "mining.notify", in c);
            return Recognition.Certain;
        }

        if (name.SequenceEqual("set_difficulty"u8))
        {
            if (p0.Kind == JsonKind.Number && double.TryParse(m.Span(p0), System.Globalization.NumberStyles.Float,
                    System.Globalization.CultureInfo.InvariantCulture, out double difficulty))
            {
                SetDifficulty(difficulty, MiningTarget.StratumHashesPerShare(difficulty));
            }

            StartWork(c.Timestamp);
            if (!HasEvidence(MiningEvidenceKind.SetDifficulty))
                AddEvidence(MiningEvidenceKind.SetDifficulty, $"mining.set_difficulty {Quote(m.Span(p0))}", in c);
            return Recognition.Certain;
        }

        if (name.SequenceEqual("set_target"u8))
        {
            SetDialect(MiningDialect.ZcashStratum);
            if (p0.Kind == JsonKind.String && MiningTarget.TryDifficultyFromTarget256(m.Span(p0), out double difficulty))
                SetDifficulty(difficulty, difficulty);
            StartWork(c.Timestamp);
            if (!HasEvidence(MiningEvidenceKind.SetDifficulty))
                AddEvidence(MiningEvidenceKind.SetDifficulty, $"mining.set_target {Quote(m.Span(p0))}", in c);
            return Recognition.Certain;
        }

        if (name.SequenceEqual("submit"u8))
        {
            if (p0.Kind == JsonKind.String)
                SetWorkerName(m.Span(p0), (byte)'.');
            CountSubmit(c.Timestamp);
            AddPending(ref m, MiningRequest.Submit, in c, ref anomalies);
            if (!HasEvidence(MiningEvidenceKind.Submit))
                AddEvidence(MiningEvidenceKind.Submit, $"mining.submit by {Quote(m.Span(p0))}", in c);
            return Recognition.Certain;
        }

        // mining.configure, mining.extranonce.subscribe, mining.get_transactions, mining.suggest_difficulty, …
        AddPending(ref m, MiningRequest.Other, in c, ref anomalies);
        if (!HasEvidence(MiningEvidenceKind.Extension))
            AddEvidence(MiningEvidenceKind.Extension, Quote(method), in c);
        return Recognition.Certain;
    }

    /// <summary>
    /// XMRig/CryptoNote <c>login</c>: <c>{"login":…,"pass":…,"agent":…,"rigid":…,"algo":[…]}</c>. Certain when the
    /// algorithm list names CryptoNote-family algorithms; otherwise (coin-hive-stratum sends only login and pass) a
    /// candidate until the result brings a job.
    /// </summary>
    private Recognition OnLogin(ref MiningMessage m, in Context c, ref AnomalySet anomalies)
    {
        JsonValue login = m.ParamsValue(MiningJsonKey.Login);
        if (m.TopValue(MiningJsonKey.Params).Kind != JsonKind.Object || login.Kind != JsonKind.String)
            return Recognition.None;
        SetText(_login, m.Span(login));
        if (m.ParamsValue(MiningJsonKey.Pass).Kind == JsonKind.String)
            SetText(_password, m.ParamsText(MiningJsonKey.Pass));
        if (m.ParamsValue(MiningJsonKey.Agent).Kind == JsonKind.String)
            SetText(_agent, m.ParamsText(MiningJsonKey.Agent));
        if (m.ParamsValue(MiningJsonKey.RigId).Kind == JsonKind.String)
            SetText(_worker, m.ParamsText(MiningJsonKey.RigId));
        if (m.AlgorithmCount > 0)
            SetAlgorithms(ref m);

        bool certain = NamesCryptoNoteAlgorithm(ref m);
        if (certain)
            SetDialect(MiningDialect.CryptoNote);
        StartWork(c.Timestamp);
        AddPending(ref m, MiningRequest.Login, in c, ref anomalies);
        if (!HasEvidence(MiningEvidenceKind.Login))
        {
            string agent = m.ParamsValue(MiningJsonKey.Agent).Kind == JsonKind.String ? $" with agent {Quote(m.ParamsText(MiningJsonKey.Agent))}" : string.Empty;
            string algorithms = m.AlgorithmCount > 0 ? $" offering {m.AlgorithmCount} algorithms" : string.Empty;
            AddEvidence(MiningEvidenceKind.Login, $"login as {Quote(m.Span(login))}{agent}{algorithms}", in c);
        }

        return certain ? Recognition.Certain : Recognition.Candidate;
    }

    private static bool NamesCryptoNoteAlgorithm(ref MiningMessage m)
    {
        JsonValue single = m.ParamsValue(MiningJsonKey.Algo);
        if (single.Kind == JsonKind.String && IsCryptoNoteAlgorithm(m.Span(single)))
            return true;
        for (int i = 0; i < m.AlgorithmCount; i++)
        {
            if (IsCryptoNoteAlgorithm(m.Span(m.Algorithms[i])))
                return true;
        }

        return false;
    }

    /// <summary>XMRig's algorithm families (<c>cn/0</c>, <c>cn-lite/1</c>, <c>rx/0</c>, <c>argon2/chukwa</c>, <c>astrobwt</c>, <c>ghostrider</c>, <c>kawpow</c>).</summary>
    private static bool IsCryptoNoteAlgorithm(ReadOnlySpan<byte> name) =>
        name.StartsWith("rx/"u8) || name.StartsWith("cn/"u8) || name.StartsWith("cn-"u8) || name.StartsWith("argon2/"u8)
        || name.SequenceEqual("astrobwt"u8) || name.SequenceEqual("ghostrider"u8) || name.SequenceEqual("kawpow"u8);

    /// <summary>A CryptoNote job, pushed (<c>"method":"job"</c>, CoinHive <c>"type":"job"</c>) or inside a login result: blob + job_id + target.</summary>
    private Recognition OnCryptoNoteJob(ref MiningMessage m, MiningDialect dialect, in Context c)
    {
        if (m.TopValue(MiningJsonKey.Params).Kind != JsonKind.Object || !HasJobShape(ref m, ref m.Params))
            return Recognition.None;
        ApplyCryptoNoteJob(ref m, ref m.Params, dialect, in c);
        return Recognition.Certain;
    }

    private static bool HasJobShape(ref MiningMessage m, ref MiningMessage.KeyTable fields) =>
        fields[(int)MiningJsonKey.Blob].Kind == JsonKind.String
        && fields[(int)MiningJsonKey.JobId].Kind == JsonKind.String
        && fields[(int)MiningJsonKey.Target].Kind == JsonKind.String
        && MiningTarget.IsHex(m.Span(fields[(int)MiningJsonKey.Blob]), m.Span(fields[(int)MiningJsonKey.Blob]).Length);

    private void ApplyCryptoNoteJob(ref MiningMessage m, ref MiningMessage.KeyTable fields, MiningDialect dialect, in Context c)
    {
        SetDialect(dialect);
        CountJob();
        StartWork(c.Timestamp);
        ReadOnlySpan<byte> target = m.Span(fields[(int)MiningJsonKey.Target]);
        if (MiningTarget.TryCryptoNoteDifficulty(target, out double difficulty))
            SetDifficulty(difficulty, difficulty);
        JsonValue algorithm = fields[(int)MiningJsonKey.Algo];
        if (algorithm.Kind == JsonKind.String)
            SetText(_algorithm, m.Span(algorithm));
        if (!HasEvidence(MiningEvidenceKind.JobPush))
        {
            string algo = algorithm.Kind == JsonKind.String ? $", algo {Quote(m.Span(algorithm))}" : string.Empty;
            AddEvidence(MiningEvidenceKind.JobPush, $"job {Quote(m.Span(fields[(int)MiningJsonKey.JobId]))} with target {Quote(target)} (difficulty {difficulty:G6}){algo}", in c);
        }
    }

    /// <summary>A CryptoNote (or CoinHive) share: job_id + nonce + result.</summary>
    private Recognition OnCryptoNoteSubmit(ref MiningMessage m, MiningDialect dialect, in Context c, ref AnomalySet anomalies)
    {
        if (m.TopValue(MiningJsonKey.Params).Kind != JsonKind.Object
            || m.ParamsValue(MiningJsonKey.JobId).Kind != JsonKind.String
            || m.ParamsValue(MiningJsonKey.Nonce).Kind != JsonKind.String
            || m.ParamsValue(MiningJsonKey.Result).Kind != JsonKind.String
            || !MiningTarget.IsHex(m.ParamsText(MiningJsonKey.Nonce), m.ParamsText(MiningJsonKey.Nonce).Length))
        {
            return Recognition.None;
        }

        SetDialect(dialect);
        if (m.ParamsValue(MiningJsonKey.Algo).Kind == JsonKind.String && !_algorithm.HasValue)
            SetText(_algorithm, m.ParamsText(MiningJsonKey.Algo));
        CountSubmit(c.Timestamp);
        AddPending(ref m, MiningRequest.Submit, in c, ref anomalies);
        if (!HasEvidence(MiningEvidenceKind.Submit))
            AddEvidence(MiningEvidenceKind.Submit, $"share for job {Quote(m.ParamsText(MiningJsonKey.JobId))} with nonce {Quote(m.ParamsText(MiningJsonKey.Nonce))}", in c);
        return Recognition.Certain;
    }

    /// <summary>Bitcoin getwork: no params asks for work, one (the solved data) submits.</summary>
    private Recognition OnGetwork(ref MiningMessage m, in Context c, ref AnomalySet anomalies)
    {
        SetDialect(MiningDialect.Getwork);
        StartWork(c.Timestamp);
        if (m.ParamsCount > 0 && m.ParamsItem(0).Kind == JsonKind.String)
        {
            CountSubmit(c.Timestamp);
            AddPending(ref m, MiningRequest.Submit, in c, ref anomalies);
            if (!HasEvidence(MiningEvidenceKind.Submit))
                AddEvidence(MiningEvidenceKind.Submit, "getwork submission", in c);
            return Recognition.Certain;
        }

        AddPending(ref m, MiningRequest.GetWork, in c, ref anomalies);
        if (!HasEvidence(MiningEvidenceKind.GetWork))
            AddEvidence(MiningEvidenceKind.GetWork, "getwork request", in c);
        return Recognition.Certain;
    }

    /// <summary><c>getblocktemplate</c>: Bitcoin (BIP 22, params [{capabilities}]) or the Monero daemon (params {wallet_address, …}).</summary>
    private Recognition OnGetBlockTemplate(ref MiningMessage m, in Context c, ref AnomalySet anomalies)
    {
        SetDialect(MiningDialect.GetBlockTemplate);
        StartWork(c.Timestamp);
        JsonValue wallet = m.ParamsValue(MiningJsonKey.WalletAddress);
        if (wallet.Kind == JsonKind.String)
        {
            SetText(_login, m.Span(wallet));
            if (!HasEvidence(MiningEvidenceKind.Login))
                AddEvidence(MiningEvidenceKind.Login, $"getblocktemplate for wallet {Quote(m.Span(wallet))}", in c);
        }

        AddPending(ref m, MiningRequest.GetBlockTemplate, in c, ref anomalies);
        if (!HasEvidence(MiningEvidenceKind.GetBlockTemplate))
            AddEvidence(MiningEvidenceKind.GetBlockTemplate, "getblocktemplate request", in c);
        return Recognition.Certain;
    }

    /// <summary>EthProxy (eth_*): only the mining calls; the rest of Ethereum's JSON-RPC is not mining.</summary>
    private Recognition OnEthProxy(ref MiningMessage m, ReadOnlySpan<byte> name, in Context c, ref AnomalySet anomalies)
    {
        JsonValue p0 = m.ParamsItem(0);
        if (name.SequenceEqual("submitLogin"u8) || name.SequenceEqual("login"u8))
        {
            SetDialect(MiningDialect.EthProxy);
            if (p0.Kind == JsonKind.String)
            {
                // "0xWALLET/worker/email", "0xWALLET.worker" or a bare wallet.
                ReadOnlySpan<byte> value = m.Span(p0);
                SetWorkerName(value, value.Contains((byte)'/') ? (byte)'/' : (byte)'.');
            }

            if (!_worker.HasValue && m.TopValue(MiningJsonKey.Worker).Kind == JsonKind.String && m.TopValue(MiningJsonKey.Worker).Length > 0)
                SetText(_worker, m.TopText(MiningJsonKey.Worker));
            if (m.ParamsItem(1).Kind == JsonKind.String)
                SetText(_password, m.Span(m.ParamsItem(1)));
            StartWork(c.Timestamp);
            AddPending(ref m, MiningRequest.Login, in c, ref anomalies);
            if (!HasEvidence(MiningEvidenceKind.Login))
                AddEvidence(MiningEvidenceKind.Login, $"eth_submitLogin as {Quote(m.Span(p0))}", in c);
            return Recognition.Certain;
        }

        if (name.SequenceEqual("getWork"u8))
        {
            SetDialect(MiningDialect.EthProxy);
            StartWork(c.Timestamp);
            AddPending(ref m, MiningRequest.EthGetWork, in c, ref anomalies);
            if (!HasEvidence(MiningEvidenceKind.GetWork))
                AddEvidence(MiningEvidenceKind.GetWork, "eth_getWork request", in c);
            return Recognition.Certain;
        }

        if (name.SequenceEqual("submitWork"u8))
        {
            SetDialect(MiningDialect.EthProxy);
            CountSubmit(c.Timestamp);
            AddPending(ref m, MiningRequest.Submit, in c, ref anomalies);
            if (!HasEvidence(MiningEvidenceKind.Submit))
                AddEvidence(MiningEvidenceKind.Submit, $"eth_submitWork nonce {Quote(m.Span(p0))}", in c);
            return Recognition.Certain;
        }

        if (name.SequenceEqual("submitHashrate"u8))
        {
            SetDialect(MiningDialect.EthProxy);
            double rate = 0;
            if (p0.Kind == JsonKind.String && MiningTarget.TryReadHexQuantity(m.Span(p0), out rate) && ReportedHashrate != rate)
            {
                ReportedHashrate = rate;
                Changed();
            }

            AddPending(ref m, MiningRequest.Other, in c, ref anomalies);
            if (!HasEvidence(MiningEvidenceKind.HashrateReport))
                AddEvidence(MiningEvidenceKind.HashrateReport, $"eth_submitHashrate {rate:G6} H/s", in c);
            return Recognition.Certain;
        }

        return Recognition.None;
    }

    /// <summary>CoinHive-style web miner (WebSocket): <c>{"type":…,"params":{…}}</c>.</summary>
    private Recognition OnWebMiner(ref MiningMessage m, ReadOnlySpan<byte> type, in Context c)
    {
        if (type.SequenceEqual("auth"u8))
        {
            JsonValue siteKey = m.ParamsValue(MiningJsonKey.SiteKey);
            if (siteKey.Kind != JsonKind.String)
                return Recognition.None;
            SetDialect(MiningDialect.CoinHive);
            SetText(_login, m.Span(siteKey));
            if (m.ParamsValue(MiningJsonKey.User).Kind == JsonKind.String)
                SetText(_worker, m.ParamsText(MiningJsonKey.User));
            StartWork(c.Timestamp);
            if (!HasEvidence(MiningEvidenceKind.WebMinerAuth))
                AddEvidence(MiningEvidenceKind.WebMinerAuth, $"web miner auth with site key {Quote(m.Span(siteKey))}", in c);
            return Recognition.Certain;
        }

        if (type.SequenceEqual("authed"u8))
        {
            if (m.ParamsValue(MiningJsonKey.Hashes).Kind != JsonKind.Number || m.ParamsValue(MiningJsonKey.Token).Kind != JsonKind.String)
                return Recognition.None;
            SetDialect(MiningDialect.CoinHive);
            if (!HasEvidence(MiningEvidenceKind.WebMinerAuth))
                AddEvidence(MiningEvidenceKind.WebMinerAuth, "web miner authed by the server", in c);
            return Recognition.Certain;
        }

        if (type.SequenceEqual("job"u8))
            return OnCryptoNoteJob(ref m, MiningDialect.CoinHive, in c);
        if (type.SequenceEqual("submit"u8))
        {
            AnomalySet ignored = default;
            return OnCryptoNoteSubmit(ref m, MiningDialect.CoinHive, in c, ref ignored);
        }

        if (type.SequenceEqual("hash_accepted"u8))
        {
            if (m.ParamsValue(MiningJsonKey.Hashes).Kind != JsonKind.Number)
                return Recognition.None;
            SetDialect(MiningDialect.CoinHive);
            Accept();
            if (!HasEvidence(MiningEvidenceKind.ShareAccepted))
                AddEvidence(MiningEvidenceKind.ShareAccepted, $"hash_accepted, {Quote(m.ParamsText(MiningJsonKey.Hashes))} hashes", in c);
            return Recognition.Certain;
        }

        if (type.SequenceEqual("error"u8) || type.SequenceEqual("banned"u8) || type.SequenceEqual("verify"u8) || type.SequenceEqual("verified"u8))
            return Recognition.IfMining;
        return Recognition.None;
    }

    /// <summary>A response (result/error without method): matched to its request by id, else judged by its shape.</summary>
    private Recognition OnResponse(ref MiningMessage m, in Context c)
    {
        MiningRequest request = TakePending(ref m);
        JsonValue result = m.TopValue(MiningJsonKey.Result);
        JsonValue error = m.TopValue(MiningJsonKey.Error);
        bool failed = error.Kind is not (JsonKind.None or JsonKind.Null) || result.Kind == JsonKind.False;
        switch (request)
        {
            case MiningRequest.Submit:
                if (failed || !IsAcceptance(ref m, result))
                {
                    Reject();
                    if (!HasEvidence(MiningEvidenceKind.ShareRejected))
                        AddEvidence(MiningEvidenceKind.ShareRejected, $"share rejected: {Quote(RejectionReason(ref m))}", in c);
                }
                else
                {
                    Accept();
                    if (!HasEvidence(MiningEvidenceKind.ShareAccepted))
                        AddEvidence(MiningEvidenceKind.ShareAccepted, "share accepted", in c);
                }

                return Recognition.IfMining;
            case MiningRequest.Login when m.ResultHasJob && HasJobShape(ref m, ref m.Result):
                ApplyCryptoNoteJob(ref m, ref m.Result, MiningDialect.CryptoNote, in c);
                return Recognition.Certain;
            case MiningRequest.EthGetWork when TryApplyEthWork(ref m, in c):
                return Recognition.Certain;
            case MiningRequest.GetWork when result.Kind == JsonKind.Object && m.ResultValue(MiningJsonKey.Data).Kind == JsonKind.String:
                CountJob();
                if (!HasEvidence(MiningEvidenceKind.JobPush))
                    AddEvidence(MiningEvidenceKind.JobPush, "getwork data from the pool", in c);
                return Recognition.Certain;
            case MiningRequest.GetBlockTemplate when result.Kind == JsonKind.Object:
                ApplyBlockTemplate(ref m, in c);
                return Recognition.Certain;
            case MiningRequest.None:
                break;
            default:
                return Recognition.IfMining;
        }

        // Unmatched (the capture began after the request, or a pool pushes results with its own ids): the shape decides.
        if (m.ResultHasJob && HasJobShape(ref m, ref m.Result))
        {
            ApplyCryptoNoteJob(ref m, ref m.Result, MiningDialect.CryptoNote, in c);
            return Recognition.Certain;
        }

        if (result.Kind == JsonKind.Array && TryApplyEthWork(ref m, in c))
        {
            ForgetOldestPending(MiningRequest.EthGetWork);
            return Recognition.Certain;
        }

        if (result.Kind == JsonKind.Array && m.ResultNamesMiningNotify)
        {
            SetDialect(MiningDialect.Stratum);
            if (m.NamesEthereumStratum)
                SetDialect(MiningDialect.EthereumStratum);
            return Recognition.Certain;
        }

        if (result.Kind == JsonKind.Object && m.ResultValue(MiningJsonKey.BlockTemplateBlob).Kind == JsonKind.String
            && m.ResultValue(MiningJsonKey.BlockHashingBlob).Kind == JsonKind.String)
        {
            ApplyBlockTemplate(ref m, in c);
            return Recognition.Certain;
        }

        return Recognition.IfMining;
    }

    /// <summary>true, <c>{"status":"OK"}</c> (CryptoNote, Monero submit_block), or null without an error (Bitcoin submitblock).</summary>
    private static bool IsAcceptance(ref MiningMessage m, JsonValue result) => result.Kind switch
    {
        JsonKind.True or JsonKind.Null => true,
        JsonKind.Object => m.ResultValue(MiningJsonKey.Status).Kind == JsonKind.String
            && System.Text.Ascii.EqualsIgnoreCase(m.ResultText(MiningJsonKey.Status), "OK"u8),
        _ => false,
    };

    private static ReadOnlySpan<byte> RejectionReason(ref MiningMessage m) =>
        m.ErrorMessage.Kind == JsonKind.String ? m.Span(m.ErrorMessage)
        : m.TopValue(MiningJsonKey.Error).Kind == JsonKind.String ? m.TopText(MiningJsonKey.Error)
        : m.ResultValue(MiningJsonKey.Status).Kind == JsonKind.String ? m.ResultText(MiningJsonKey.Status)
        : "false"u8;

    /// <summary>An <c>eth_getWork</c> result: [header hash, seed hash, boundary], 0x-prefixed 256-bit words.</summary>
    private bool TryApplyEthWork(ref MiningMessage m, in Context c)
    {
        if (m.ResultCount < 3)
            return false;
        for (int i = 0; i < 3; i++)
        {
            JsonValue item = m.ResultItem(i);
            if (item.Kind != JsonKind.String || !m.Span(item).StartsWith("0x"u8) || !MiningTarget.IsHex(m.Span(item), 64))
                return false;
        }

        SetDialect(MiningDialect.EthProxy);
        if (MiningTarget.TryDifficultyFromTarget256(m.Span(m.ResultItem(2)), out double difficulty))
            SetDifficulty(difficulty, difficulty);
        CountJob();
        StartWork(c.Timestamp);
        if (!HasEvidence(MiningEvidenceKind.JobPush))
            AddEvidence(MiningEvidenceKind.JobPush, $"eth_getWork result with boundary {Quote(m.Span(m.ResultItem(2)))}", in c);
        return true;
    }

    /// <summary>A block template (solo mining): a job whose share is a whole block; Monero's carries the difficulty.</summary>
    private void ApplyBlockTemplate(ref MiningMessage m, in Context c)
    {
        SetDialect(MiningDialect.GetBlockTemplate);
        CountJob();
        JsonValue difficulty = m.ResultValue(MiningJsonKey.Difficulty);
        if (difficulty.Kind == JsonKind.Number && double.TryParse(m.Span(difficulty), System.Globalization.NumberStyles.Float,
                System.Globalization.CultureInfo.InvariantCulture, out double value))
        {
            SetDifficulty(value, value);
        }

        if (!HasEvidence(MiningEvidenceKind.JobPush))
            AddEvidence(MiningEvidenceKind.JobPush, "block template from the node", in c);
    }

    /// <summary>"account.worker": the login before the first separator, the worker after it.</summary>
    private void SetWorkerName(ReadOnlySpan<byte> value, byte separator)
    {
        int split = value.IndexOf(separator);
        if (split < 0)
        {
            SetText(_login, value);
            return;
        }

        SetText(_login, value[..split]);
        ReadOnlySpan<byte> worker = value[(split + 1)..];
        if (separator == (byte)'/')
        {
            int end = worker.IndexOf((byte)'/');
            if (end >= 0)
                worker = worker[..end];
        }

        if (!worker.IsEmpty)
            SetText(_worker, worker);
    }
}
