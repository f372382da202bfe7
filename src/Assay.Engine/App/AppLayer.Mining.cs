using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using Assay.Decoding;
using Assay.Decoding.Network;
using Assay.Flows;
using Assay.Output;
using Assay.Output.Mining;
using Assay.Protocols;
using Assay.Protocols.Dns;
using Assay.Protocols.Http;
using Assay.Protocols.Intel;
using Assay.Protocols.Mining;
using Assay.Protocols.Mining.Shape;
using Assay.Protocols.Socks;
using Assay.Protocols.Tls;

namespace Assay.Engine.App;

/// <summary>
/// Mining detection (DESIGN.md §5): mining protocols parsed from JSON-RPC streams, HTTP bodies and WebSocket messages
/// (certain); pool intelligence by DNS, SNI, certificate, HTTP Host, address and learned pools, and miner TLS fingerprints
/// with pool-like traffic (strong); traffic shape (heuristic). Alerts are raised when evidence appears; the session's
/// <c>miner</c> event is written when the flow ends, with updates on long sessions.
/// </summary>
internal sealed partial class AppLayer
{
    /// <summary>A long mining session gets an update event at most this often (packet time), 5 minutes.</summary>
    private const long MinerUpdateIntervalNanos = 300L * 1_000_000_000;

    /// <summary>TLS and unknown flows have their shape checked this often while they last (packet time), 60 s.</summary>
    private const long ShapeCheckIntervalNanos = 60L * 1_000_000_000;

    /// <summary>JSON texts read from a flow that has shown no mining message before its JSON is no longer parsed, 64:
    /// mining sessions show one in their first few messages (login, subscribe, job, submit), even picked up mid-session.</summary>
    private const int MaxNonMiningMessages = 64;

    private readonly MiningIntel _intel;
    private readonly Store.PacketStore? _store;
    private readonly List<MinerReport> _finished;
    private readonly byte[] _nameBuffer = new byte[DnsParser.MaxDnsNameLength];

    /// <summary>Reports of the mining sessions that ended on this worker (for the run's host verdicts).</summary>
    public IReadOnlyList<MinerReport> FinishedMiners => _finished;

    /// <summary>An opaque flow (TLS, unknown) is a candidate: its shape is checked while it lasts.</summary>
    private static void ScheduleShapeCheck(FlowApp app, long firstTimestamp)
    {
        if (app.NextMinerCheck == long.MaxValue)
            app.NextMinerCheck = firstTimestamp + ShapeCheckIntervalNanos;
    }

    /// <summary>Newline-delimited JSON (stratum and its kin): each line goes to the flow's mining session.</summary>
    private void FeedJsonLines(FlowApp app, bool toServer, ReadOnlySpan<byte> data)
    {
        ref StreamBuffer pending = ref app.Pending(toServer);
        if (app.MiningGivenUp)
        {
            pending.Clear();
            return;
        }

        ref bool skipping = ref app.SkippingLine(toServer);
        if (skipping)
        {
            // The rest of an overlong line: drop it up to its newline.
            int newline = data.IndexOf((byte)'\n');
            if (newline < 0)
                return;
            data = data[(newline + 1)..];
            skipping = false;
        }

        ReadOnlySpan<byte> input = data;
        if (pending.Length > 0)
        {
            if (pending.TryAppend(data, JsonLineFramer.MaxLineLength + 1))
            {
                input = pending.Span;
            }
            else
            {
                // The held line and what follows pass the cap: skip to the next line.
                pending.Clear();
                _streamAnomalies.Add(Anomaly.MiningLineTooLong);
                int newline = data.IndexOf((byte)'\n');
                if (newline < 0)
                {
                    skipping = true;
                    return;
                }

                input = data[(newline + 1)..];
            }
        }

        MiningSession session = app.Mining ??= new MiningSession();
        int used = 0;
        while (used < input.Length)
        {
            OperationStatus status = JsonLineFramer.TryReadLine(input[used..], out ReadOnlySpan<byte> line, out int consumed);
            if (status == OperationStatus.NeedMoreData)
                break;
            used += consumed;
            if (status == OperationStatus.InvalidData)
            {
                _streamAnomalies.Add(Anomaly.MiningLineTooLong);
                skipping = input[used - 1] != (byte)'\n';   // the framer took all there was: the line goes on
                continue;
            }

            if (line.IndexOfAnyExcept(s_whitespace) >= 0)
                session.OnMessage(line, toServer, _now, _number, ref _streamAnomalies);
        }

        if (pending.Length > 0)
            pending.Consume(used);
        else if (used < input.Length && !pending.TryAppend(input[used..], JsonLineFramer.MaxLineLength + 1))
        {
            _streamAnomalies.Add(Anomaly.MiningLineTooLong);
            skipping = true;
        }

        AfterMiningMessages(app, app.Socks is null ? "tcp" : "socks5");
    }

    /// <summary>One JSON text from an HTTP body or a WebSocket message.</summary>
    private void FeedJsonText(FlowApp app, bool toServer, ReadOnlySpan<byte> text, string transport)
    {
        if (app.MiningGivenUp)
            return;
        int start = text.IndexOfAnyExcept(s_whitespace);
        if (start < 0 || (text[start] != (byte)'{' && text[start] != (byte)'['))
            return;   // not JSON: no opinion (most HTTP bodies)
        MiningSession session = app.Mining ??= new MiningSession();
        session.OnMessage(text, toServer, _now, _number, ref _streamAnomalies);
        AfterMiningMessages(app, transport);
    }

    private void AfterMiningMessages(FlowApp app, string transport)
    {
        MiningSession session = app.Mining!;
        if (!session.IsMining)
        {
            if (session.MessageCount >= MaxNonMiningMessages)
            {
                app.MiningGivenUp = true;
                app.ServerBound.Clear();
                app.ClientBound.Clear();
            }

            return;
        }

        if (app.Report is null)
        {
            MinerReport report = app.Report = NewReport(in _current, app, transport);
            report.Confidence = MinerConfidence.Certain;
            UpdateReport(in _current, app);
            MinerSignature signature = DialectSignature(session.Dialect);
            MinerEvidence first = report.Evidence.Count > 0 ? report.Evidence[0] : Evidence(in _current, "mining_protocol",
                $"{MiningDialectNames.Get(session.Dialect)} mining protocol", _now, _number);
            Alert(ref _current, app, signature, first, _now, _number);
            if (app.Socks is not null)
                Alert(ref _current, app, MinerSignature.MiningThroughSocks, Evidence(in _current, "socks_target",
                    $"mining session tunnelled through SOCKS{app.Socks.Version} proxy {Endpoint(_current.ServerAddress, _current.ServerPort, _current.IPVersion == 6)} to {SocksTarget(app.Socks)}",
                    _now, _number), _now, _number);

            // The server speaks a mining protocol: every later flow to it is a pool flow (a relay when tunnelled).
            string name = report.PoolName ?? Endpoint(_current.ServerAddress, _current.ServerPort, _current.IPVersion == 6);
            _intel.Learned.LearnEndpoint(_current.ServerAddress, _current.ServerPort, name,
                $"spoke {MiningDialectNames.Get(session.Dialect)} in cleartext (flow {_current.FlowId})", _now);
            app.NextMinerCheck = _now + MinerUpdateIntervalNanos;
        }
    }

    /// <summary>Per packet, after the stream stages: update events of long sessions and shape checks of opaque flows.</summary>
    private void CheckMinerSchedule(ref FlowRecord flow, FlowApp app, long timestamp)
    {
        if (timestamp < app.NextMinerCheck)
            return;
        if (app.Report is not null && app.Mining is { IsMining: true } session)
        {
            if (session.Changes != app.ReportedChanges)
                WriteMiner(ref flow, app, timestamp, final: false);
            app.NextMinerCheck = timestamp + MinerUpdateIntervalNanos;
            return;
        }

        Evaluate(ref flow, app, timestamp, final: false);
        app.NextMinerCheck = timestamp + (app.Report is null ? ShapeCheckIntervalNanos : MinerUpdateIntervalNanos);
    }

    /// <summary>
    /// The verdict of a flow without a parsed mining session: pool evidence (strong), a miner TLS fingerprint with
    /// miner-like shape (strong), shape alone (heuristic). Raises the alerts for new evidence and, when the flow ends,
    /// writes the final <c>miner</c> event.
    /// </summary>
    private void Evaluate(ref FlowRecord flow, FlowApp app, long timestamp, bool final)
    {
        if (app.Mining is { IsMining: true })
        {
            if (final)
                WriteMiner(ref flow, app, timestamp, final: true);
            return;
        }

        var protocol = (AppProtocol)flow.AppProtocol;
        // Opaque: TLS or unknown TCP that carried payload both ways (a refused connection to a pool is no session).
        bool opaque = protocol is AppProtocol.Tls or AppProtocol.Failed or AppProtocol.None && flow.IsTcp
            && flow.PayloadBytesToServer > 0 && flow.PayloadBytesToClient > 0;
        if (app.Pool is null && opaque)
            CheckPoolAddress(in flow, app, timestamp, flow.FirstPacketNumber);

        // The shape tells submits from job pushes by direction, so it needs to know the client: flows picked up mid-stream
        // (no SYN from the client) are not judged by shape.
        bool handshakeSeen = (flow.TcpFlagsToServer & TcpFlags.Syn) != 0;
        ShapeVerdict shape = opaque && handshakeSeen && ShapeClassifier.IsCandidate(in app.Shape, flow.FirstTimestamp, flow.LastTimestamp)
            ? ShapeClassifier.Evaluate(in app.Shape, flow.FirstTimestamp, flow.LastTimestamp)
            : default;
        // A fingerprint shared with common software (XMRig's is plain OpenSSL's) counts only without SNI, which XMRig
        // before 6.21 never sends and OpenSSL-based tools such as curl always do.
        bool fingerprint = app.Fingerprint is { } f && (!f.Shared || app.Tls is { ServerName: null or "" });
        MinerConfidence? confidence =
            app.Pool is not null && (opaque || app.Pool.Kind == "pool_http_host") ? MinerConfidence.Strong
            : fingerprint && shape.MinerLike ? MinerConfidence.Strong
            : shape.MinerLike ? MinerConfidence.Heuristic
            : null;
        if (confidence is null)
            return;

        string transport = protocol == AppProtocol.Tls ? "tls" : protocol == AppProtocol.Http ? "http" : "tcp";
        MinerReport report = app.Report ??= NewReport(in flow, app, transport);
        report.Transport = app.Socks is null ? transport : "socks5";
        report.Confidence = confidence.Value;
        report.LastSeen = flow.LastTimestamp;
        if (app.Pool is { } pool)
        {
            MinerSignature signature = pool.Kind switch
            {
                "pool_sni" or "pool_certificate" => MinerSignature.PoolTls,
                "pool_http_host" => MinerSignature.PoolHttpHost,
                _ => MinerSignature.PoolAddress,
            };
            Alert(ref flow, app, signature, Evidence(in flow, pool.Kind, pool.Sentence, pool.Timestamp, pool.PacketNumber), timestamp, pool.PacketNumber);
        }

        if (fingerprint && shape.MinerLike)
        {
            TlsFingerprintMatch match = app.Fingerprint!.Value;
            Alert(ref flow, app, MinerSignature.MinerTlsFingerprint, Evidence(in flow, "tls_fingerprint",
                $"TLS ClientHello fingerprint {match.Fingerprint} is {match.Software}'s{(match.Shared ? " (also plain OpenSSL's; no SNI, as that miner sends none)" : "")} ({match.Source})", flow.FirstTimestamp, flow.FirstPacketNumber),
                timestamp, 0);
        }

        if (shape.MinerLike)
        {
            MinerEvidence evidence = Evidence(in flow, "shape", shape.Explanation, timestamp, 0);
            Alert(ref flow, app, MinerSignature.MinerTrafficShape, evidence, timestamp, 0);
            report.Evidence.RemoveAll(static e => e.Kind == "shape");   // the latest look at the whole flow
            report.Evidence.Add(evidence);
        }

        if (final)
            WriteMiner(ref flow, app, timestamp, final: true);
    }

    /// <summary>Is the server a pool by the lists or by what this run learned (DNS answers of pool names, cleartext stratum)?</summary>
    private void CheckPoolAddress(in FlowRecord flow, FlowApp app, long timestamp, long packetNumber)
    {
        PoolIntel intel = _intel.Current;
        bool v6 = flow.IPVersion == 6;
        if (intel.TryMatchEndpoint(flow.ServerAddress, flow.ServerPort, out IntelMatch match) || intel.TryMatchAddress(flow.ServerAddress, out match))
        {
            // An address entry names the pool only by its label.
            string endpoint = Endpoint(flow.ServerAddress, flow.ServerPort, v6);
            app.Pool = new PoolEvidence(match.Label, "pool_list",
                $"server {endpoint} is on the pool list as {match.Name}{(match.Label is null ? "" : " (" + match.Label + ")")}, {match.Source}", timestamp, packetNumber);
        }
        else if (_intel.Learned.TryGetEndpoint(flow.ServerAddress, flow.ServerPort, out LearnedPool learned)
            || _intel.Learned.TryGetAddress(flow.ServerAddress, out learned))
        {
            string endpoint = Endpoint(flow.ServerAddress, flow.ServerPort, v6);
            app.Pool = new PoolEvidence(learned.Name, "pool_learned", $"server {endpoint} is a pool learned earlier: {learned.Name} ({learned.Reason})", timestamp, packetNumber);
        }
    }

    /// <summary>The TLS handshake was logged: SNI and certificate names against the lists, the ClientHello's fingerprint.</summary>
    private void CheckTls(ref FlowRecord flow, FlowApp app, TlsHandshakeInfo tls, long timestamp)
    {
        PoolIntel intel = _intel.Current;
        if (app.Pool is null && tls.ServerName is { } sni && MatchDomain(intel, sni, out IntelMatch match))
            app.Pool = new PoolEvidence(sni, "pool_sni", $"TLS server name {sni} is on the pool list as {match.Name} ({match.Source})", timestamp, _number);
        if (app.Pool is null && tls.ServerCertificates.Count > 0)
        {
            TlsCertificateInfo leaf = tls.ServerCertificates[0];
            foreach (string name in leaf.DnsNames)
            {
                if (MatchDomain(intel, name, out match))
                {
                    app.Pool = new PoolEvidence(name, "pool_certificate", $"server certificate name {name} is on the pool list as {match.Name} ({match.Source})", timestamp, _number);
                    break;
                }
            }
        }

        if (intel.TryMatchTlsFingerprint(tls.Ja3Hash, tls.Ja4, out TlsFingerprintMatch fingerprint))
            app.Fingerprint = fingerprint;
        if (app.Pool is null)
            CheckPoolAddress(in flow, app, timestamp, flow.FirstPacketNumber);
        if (app.Pool is not null)
            Evaluate(ref flow, app, timestamp, final: false);
        ScheduleShapeCheck(app, flow.FirstTimestamp);
    }

    /// <summary>An HTTP transaction: its Host against the lists, and its JSON-RPC bodies (getwork, getblocktemplate, EthProxy).</summary>
    private void CheckHttp(FlowApp app, HttpTransaction transaction)
    {
        ReadOnlySpan<byte> host = transaction.HostName;
        if (app.Pool is null && !host.IsEmpty && _intel.Current.TryMatchDomain(host, out IntelMatch match))
        {
            string name = Encoding.ASCII.GetString(host);
            app.Pool = new PoolEvidence(name, "pool_http_host", $"HTTP request for host {name} ({match.Category.ToString().ToLowerInvariant()} list entry {match.Name}, {match.Source})", _now, _number);
            Evaluate(ref _current, app, _now, final: false);
        }
    }

    private void OnHttpFile(FlowApp app, HttpFile file)
    {
        if (file.Size <= FileMagic.SniffLength && file.State == HttpFileState.Closed)
            FeedJsonText(app, file.ToServer, file.Head, "http");
    }

    /// <summary>A DNS response: a question for a pool name raises an alert, and the addresses answered become learned pools.</summary>
    private void CheckDns(ref FlowRecord flow, ReadOnlySpan<byte> message, long timestamp, long number)
    {
        if (!_dns.IsResponse || _dns.Questions.IsEmpty || _dns.Answers.IsEmpty)
            return;
        PoolIntel intel = _intel.Current;
        DnsRecord question = _dns.Questions[0];
        int length = DnsParser.ReadName(message, question.NameOffset, _nameBuffer, out _);
        ReadOnlySpan<byte> asked = _nameBuffer.AsSpan(0, length);
        foreach (DnsRecord answer in _dns.Answers)
        {
            if (answer.Type == DnsRecordType.A && answer.DataLength == 4)
                _intel.Names.Set(IPv4Header.ToMapped(BinaryPrimitives.ReadUInt32BigEndian(message.Slice(answer.DataOffset, 4))), asked);
            else if (answer.Type == DnsRecordType.AAAA && answer.DataLength == 16)
                _intel.Names.Set(BinaryPrimitives.ReadUInt128BigEndian(message.Slice(answer.DataOffset, 16)), asked);
        }

        if (!intel.TryMatchDomain(asked, out IntelMatch match))
            return;
        string name = Encoding.ASCII.GetString(_nameBuffer.AsSpan(0, length));
        var addresses = new List<string>();
        foreach (DnsRecord answer in _dns.Answers)
        {
            UInt128 address;
            bool v6;
            if (answer.Type == DnsRecordType.A && answer.DataLength == 4)
            {
                address = IPv4Header.ToMapped(BinaryPrimitives.ReadUInt32BigEndian(message.Slice(answer.DataOffset, 4)));
                v6 = false;
            }
            else if (answer.Type == DnsRecordType.AAAA && answer.DataLength == 16)
            {
                address = BinaryPrimitives.ReadUInt128BigEndian(message.Slice(answer.DataOffset, 16));
                v6 = true;
            }
            else
            {
                continue;
            }

            _intel.Learned.LearnAddress(address, name, $"DNS answer for {name} (flow {flow.FlowId})", timestamp);
            addresses.Add(Address(address, v6));
        }

        string answered = addresses.Count == 0 ? "no address in the answer" : "answered " + string.Join(", ", addresses);
        var evidence = new MinerEvidence("pool_dns", $"DNS lookup of {name}, on the pool list as {match.Name} ({match.Source}); {answered}",
            timestamp, number, flow.FlowId);
        MinerEveWriter.WriteAlert(_eve, in flow, timestamp, number, MinerSignature.PoolDnsLookup, evidence, clientIsSource: false);
        flow.Alerted = true;
        _store?.Pin(in flow.Key, flow.FirstTimestamp, flow.LastTimestamp);
    }

    /// <summary>The flow ended: its verdict, and the final <c>miner</c> event if there is one.</summary>
    private void FinishMiner(ref FlowRecord flow, FlowApp app)
    {
        if (app.Report is not null || app.Mining is { IsMining: true } || flow.IsTcp)
            Evaluate(ref flow, app, flow.LastTimestamp, final: true);
    }

    private void WriteMiner(ref FlowRecord flow, FlowApp app, long timestamp, bool final)
    {
        if (app.Report is null)
            return;
        if (app.Mining is { IsMining: true })
            UpdateReport(in flow, app);
        MinerReport report = app.Report;
        report.PoolName ??= PoolName(app, report.PoolAddress, report.PoolPort, report.IPv6);
        report.Final = final;
        MinerEveWriter.WriteMiner(_eve, in flow, timestamp, report);
        app.ReportedChanges = app.Mining?.Changes ?? 0;
        flow.Alerted = true;
        _store?.Pin(in flow.Key, flow.FirstTimestamp, flow.LastTimestamp);
        if (final)
            _finished.Add(report);
    }

    private MinerReport NewReport(in FlowRecord flow, FlowApp app, string transport)
    {
        bool v6 = flow.IPVersion == 6;
        UInt128 poolAddress = flow.ServerAddress;
        ushort poolPort = flow.ServerPort;
        string? poolName = null;
        if (app.Socks is { } socks)
        {
            // The pool is the proxy's target; its address is the proxy's when the miner sent a name.
            if (socks.TargetHost is not null && socks.TargetAddress == 0)
                poolName = socks.TargetHost;
            else
                poolAddress = socks.TargetAddress;
            poolPort = socks.TargetPort;
        }

        poolName ??= PoolName(app, poolAddress, poolPort, v6);
        var report = new MinerReport
        {
            FlowId = flow.FlowId,
            ClientAddress = flow.ClientAddress,
            ClientPort = flow.ClientPort,
            IPv6 = v6,
            PoolAddress = poolAddress,
            PoolPort = poolPort,
            PoolName = poolName,
            Transport = transport,
            FirstSeen = flow.FirstTimestamp,
            LastSeen = flow.LastTimestamp,
        };
        if (app.Socks is { } s)
            report.Evidence.Add(Evidence(in flow, "socks_target", $"SOCKS{s.Version} CONNECT to {SocksTarget(s)} through proxy {Endpoint(flow.ServerAddress, flow.ServerPort, v6)}", flow.FirstTimestamp, flow.FirstPacketNumber));
        if (app.Pool is { } p)
            report.Evidence.Add(Evidence(in flow, p.Kind, p.Sentence, p.Timestamp, p.PacketNumber));
        if (app.Fingerprint is { } f)
            report.Evidence.Add(Evidence(in flow, "tls_fingerprint", $"TLS ClientHello fingerprint {f.Fingerprint} is {f.Software}'s{(f.Shared ? " (shared with other software)" : "")} ({f.Source})", flow.FirstTimestamp, flow.FirstPacketNumber));
        return report;
    }

    /// <summary>
    /// The pool's name from what is known now: the list or learned entry, the SNI, the name DNS gave for the address, the
    /// certificate. Asked again when the report is written, because the DNS answer or the learned pool may come from
    /// another worker that has not reached that packet yet when the session starts.
    /// </summary>
    private string? PoolName(FlowApp app, UInt128 poolAddress, ushort poolPort, bool v6)
    {
        if (app.Pool?.Name is { } listed)
            return listed;
        if ((_intel.Learned.TryGetEndpoint(poolAddress, poolPort, out LearnedPool learned) || _intel.Learned.TryGetAddress(poolAddress, out learned))
            && !learned.Name.StartsWith(Address(poolAddress, v6), StringComparison.Ordinal))
            return learned.Name;
        if (app.Tls?.ServerName is { Length: > 0 } sni)
            return sni;
        if (_intel.Names.TryGet(poolAddress, out string? resolved))
            return resolved;
        return app.Tls is { ServerCertificates.Count: > 0 } tls && tls.ServerCertificates[0].DnsNames.Count > 0 ? tls.ServerCertificates[0].DnsNames[0] : null;
    }

    /// <summary>Copies the parsed session into the report (fields, counters, hashrate, the session's evidence).</summary>
    private static void UpdateReport(in FlowRecord flow, FlowApp app)
    {
        MiningSession s = app.Mining!;
        MinerReport r = app.Report!;
        r.Confidence = MinerConfidence.Certain;
        r.Dialect = MiningDialectNames.Get(s.Dialect);
        r.Login = s.Login;
        r.Password = s.Password;
        r.Worker = s.Worker;
        r.Agent = s.Agent;
        r.Algorithm = s.Algorithm;
        r.Algorithms = s.Algorithms.Count == 0 ? [] : [.. s.Algorithms];
        r.Difficulty = s.Difficulty;
        r.SharesSubmitted = s.SharesSubmitted;
        r.SharesAccepted = s.SharesAccepted;
        r.SharesRejected = s.SharesRejected;
        r.Jobs = s.Jobs;
        r.FirstSeen = s.FirstSeen;
        r.LastSeen = Math.Max(s.LastSeen, flow.LastTimestamp);
        if (s.TryEstimateHashrate(out double hashrate, out string method))
        {
            r.HashrateHps = hashrate;
            r.HashrateMethod = method;
        }

        // The session's evidence after the flow-level evidence (SOCKS target, pool match) that NewReport put first.
        r.Evidence.RemoveAll(static e => !IsFlowEvidence(e.Kind));
        foreach (MiningEvidence e in s.Evidence)
            r.Evidence.Add(new MinerEvidence(KindName(e.Kind), e.Sentence, e.Timestamp, e.PacketNumber, flow.FlowId));
    }

    private void Alert(ref FlowRecord flow, FlowApp app, MinerSignature signature, MinerEvidence evidence, long timestamp, long packetNumber)
    {
        ulong bit = 1UL << ((int)signature % 64);
        if ((app.AlertsRaised & bit) != 0)
            return;
        app.AlertsRaised |= bit;
        MinerEveWriter.WriteAlert(_eve, in flow, timestamp, packetNumber, signature, evidence);
        flow.Alerted = true;
        _store?.Pin(in flow.Key, flow.FirstTimestamp, flow.LastTimestamp);
    }

    private static bool IsFlowEvidence(string kind) =>
        kind.StartsWith("pool_", StringComparison.Ordinal) || kind is "socks_target" or "tls_fingerprint" or "shape";

    private static MinerSignature DialectSignature(MiningDialect dialect) => dialect switch
    {
        MiningDialect.CryptoNote => MinerSignature.CryptoNoteSession,
        MiningDialect.EthProxy or MiningDialect.EthereumStratum => MinerSignature.EthereumSession,
        MiningDialect.ZcashStratum => MinerSignature.ZcashSession,
        MiningDialect.Getwork or MiningDialect.GetBlockTemplate => MinerSignature.HttpJsonRpcMining,
        MiningDialect.CoinHive => MinerSignature.WebMinerWebSocket,
        _ => MinerSignature.StratumSession,
    };

    private static MinerEvidence Evidence(in FlowRecord flow, string kind, string sentence, long timestamp, long packetNumber) =>
        new(kind, sentence, timestamp, packetNumber, flow.FlowId);

    /// <summary><c>ShareAccepted</c> → <c>share_accepted</c>.</summary>
    private static string KindName(MiningEvidenceKind kind)
    {
        string name = kind.ToString();
        var builder = new StringBuilder(name.Length + 4);
        for (int i = 0; i < name.Length; i++)
        {
            if (char.IsUpper(name[i]) && i > 0)
                builder.Append('_');
            builder.Append(char.ToLowerInvariant(name[i]));
        }

        return builder.ToString();
    }

    private static bool MatchDomain(PoolIntel intel, string name, out IntelMatch match)
    {
        Span<byte> bytes = stackalloc byte[256];
        if (name.Length > bytes.Length || Encoding.ASCII.GetBytes(name, bytes) != name.Length)
        {
            match = default;
            return false;
        }

        return intel.TryMatchDomain(bytes[..name.Length], out match);
    }

    private static string SocksTarget(SocksHandshake socks) =>
        (socks.TargetHost ?? "?") + ":" + socks.TargetPort.ToString(CultureInfo.InvariantCulture);

    private static string Address(UInt128 address, bool v6) => Utf8Format.AddressText(address, v6);

    private static string Endpoint(UInt128 address, ushort port, bool v6) => Utf8Format.EndpointText(address, port, v6);
}
