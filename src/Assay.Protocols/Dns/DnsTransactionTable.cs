using Assay.Decoding;

namespace Assay.Protocols.Dns;

/// <summary>A query waiting for its response.</summary>
/// <param name="QuestionHash">Hash of the first question (name case-folded, QTYPE, QCLASS); 0 when the query had none.</param>
/// <param name="Timestamp">Packet time of the query (Unix nanoseconds).</param>
/// <param name="PacketNumber">1-based packet number of the query, to link it to its request event (<c>pcap_cnt</c>).</param>
public readonly record struct DnsPendingQuery(ushort Id, DnsRecordType QuestionType, ushort QuestionClass, ulong QuestionHash, long Timestamp, long PacketNumber);

/// <summary>Receives queries that got no response. Implemented by structs so the call is direct (STYLE §3.4).</summary>
public interface IDnsTransactionSink
{
    /// <summary>The query timed out, was evicted by <see cref="DnsTransactionTable.MaxTransactionsPerFlow"/>, or its flow ended.</summary>
    void OnUnanswered(in DnsPendingQuery query);
}

/// <summary>
/// Per-flow DNS transaction state: queries waiting for responses, matched by ID and first question (as Zeek and
/// Suricata pair them). Kept by the flow's owner thread next to the flow; nothing is allocated until the flow's first
/// query, and the buffer is kept across <see cref="Reset"/> so a reused flow slot allocates nothing.
/// </summary>
public struct DnsTransactionTable
{
    /// <summary>Queries waiting at once per flow; a new query beyond this evicts the oldest as unanswered (anomaly <c>dns.too_many_transactions</c>).</summary>
    public const int MaxTransactionsPerFlow = 256;

    /// <summary>A query unanswered for this long (packet time, nanoseconds) is reported; 10 s as Zeek's <c>dns_session_timeout</c>.</summary>
    public const long UnansweredTimeout = 10_000_000_000L;

    private const int InitialCapacity = 4;

    private DnsPendingQuery[]? _pending;   // oldest first
    private int _count;

    public readonly int Outstanding => _count;

    /// <summary>Messages seen on this flow: the next message's Suricata-style <c>tx_id</c> is this value before it is counted.</summary>
    public long Messages { readonly get; private set; }

    public long Queries { readonly get; private set; }

    public long Responses { readonly get; private set; }

    /// <summary>Responses that matched a waiting query.</summary>
    public long Matched { readonly get; private set; }

    /// <summary>Queries reported to a sink without a response.</summary>
    public long Unanswered { readonly get; private set; }

    /// <summary>Records a query (a message with QR = 0). Queries older than <see cref="UnansweredTimeout"/> are reported first.</summary>
    /// <returns>The Suricata-style <c>tx_id</c> of this message within the flow.</returns>
    public long OnQuery<TSink>(in DnsMessageReader query, ReadOnlySpan<byte> message, long timestamp, long packetNumber, ref AnomalySet anomalies,
        ref TSink sink) where TSink : struct, IDnsTransactionSink
    {
        Expire(timestamp, ref sink);
        long txId = Messages++;
        Queries++;
        if (_count == MaxTransactionsPerFlow)
        {
            if (!anomalies.Contains(Anomaly.DnsTooManyTransactions))
                anomalies.Add(Anomaly.DnsTooManyTransactions);
            Report(0, ref sink);
        }

        if (_pending is null || _count == _pending.Length)
            Array.Resize(ref _pending, _pending is null ? InitialCapacity : Math.Min(MaxTransactionsPerFlow, _pending.Length * 2));
        QuestionKey(in query, message, out DnsRecordType type, out ushort @class, out ulong hash);
        _pending[_count++] = new DnsPendingQuery(query.Id, type, @class, hash, timestamp, packetNumber);
        return txId;
    }

    /// <summary>
    /// Pairs a response with the oldest waiting query of the same ID and first question (any question when the
    /// response carries none) and removes it. A response that pairs with nothing adds <c>dns.unmatched_response</c>.
    /// </summary>
    /// <param name="txId">The Suricata-style <c>tx_id</c> of this message within the flow.</param>
    public bool TryMatchResponse(in DnsMessageReader response, ReadOnlySpan<byte> message, ref AnomalySet anomalies, out DnsPendingQuery query, out long txId)
    {
        txId = Messages++;
        Responses++;
        QuestionKey(in response, message, out _, out _, out ulong hash);
        bool anyQuestion = response.Questions.IsEmpty;
        for (int i = 0; i < _count; i++)
        {
            ref DnsPendingQuery candidate = ref _pending![i];
            if (candidate.Id == response.Id && (anyQuestion || candidate.QuestionHash == hash))
            {
                query = candidate;
                RemoveAt(i);
                Matched++;
                return true;
            }
        }

        query = default;
        if (!anomalies.Contains(Anomaly.DnsUnmatchedResponse))
            anomalies.Add(Anomaly.DnsUnmatchedResponse);
        return false;
    }

    /// <summary>Reports queries waiting longer than <see cref="UnansweredTimeout"/> at packet time <paramref name="now"/>.</summary>
    public int Expire<TSink>(long now, ref TSink sink) where TSink : struct, IDnsTransactionSink
    {
        int expired = 0;
        // Oldest first, so the scan stops at the first query still in time.
        while (_count != 0 && now - _pending![0].Timestamp > UnansweredTimeout)
        {
            Report(0, ref sink);
            expired++;
        }

        return expired;
    }

    /// <summary>Reports every waiting query (the flow ended).</summary>
    public void Flush<TSink>(ref TSink sink) where TSink : struct, IDnsTransactionSink
    {
        for (int i = 0; i < _count; i++)
        {
            Unanswered++;
            sink.OnUnanswered(in _pending![i]);
        }

        _count = 0;
    }

    /// <summary>Continues a flow whose table was reset with nothing waiting: the next message's <c>tx_id</c> is
    /// <paramref name="messages"/>.</summary>
    public void Resume(long messages)
    {
        if (_count == 0 && Messages == 0)
            Messages = messages;
    }

    /// <summary>Forgets everything but keeps the buffer, for a reused flow slot.</summary>
    public void Reset()
    {
        _count = 0;
        Messages = Queries = Responses = Matched = Unanswered = 0;
    }

    /// <summary>FNV-1a over the first question: name with ASCII folded to lower case (RFC 4343), then QTYPE and QCLASS.</summary>
    public static void QuestionKey(in DnsMessageReader message, ReadOnlySpan<byte> bytes, out DnsRecordType type, out ushort @class, out ulong hash)
    {
        const ulong OffsetBasis = 14695981039346656037UL;
        const ulong Prime = 1099511628211UL;
        ReadOnlySpan<DnsRecord> questions = message.Questions;
        if (questions.IsEmpty)
        {
            type = 0;
            @class = 0;
            hash = 0;
            return;
        }

        DnsRecord question = questions[0];
        type = question.Type;
        @class = question.Class;
        Span<byte> name = stackalloc byte[DnsParser.MaxDnsNameLength];
        int length = DnsParser.ReadName(bytes, question.NameOffset, name, out _);
        hash = OffsetBasis;
        foreach (byte b in name[..length])
            hash = (hash ^ (b is >= (byte)'A' and <= (byte)'Z' ? (byte)(b | 0x20) : b)) * Prime;
        hash = (hash ^ (ushort)type) * Prime;
        // mDNS sets the top bit of QCLASS to ask for a unicast response; the answer's CLASS does not carry it.
        hash = (hash ^ (ushort)(@class & 0x7FFF)) * Prime;
    }

    private void Report<TSink>(int index, ref TSink sink) where TSink : struct, IDnsTransactionSink
    {
        Unanswered++;
        sink.OnUnanswered(in _pending![index]);
        RemoveAt(index);
    }

    private void RemoveAt(int index)
    {
        _count--;
        if (index < _count)
            Array.Copy(_pending!, index + 1, _pending!, index, _count - index);
    }
}
