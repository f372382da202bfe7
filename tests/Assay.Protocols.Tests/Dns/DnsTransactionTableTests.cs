using Assay.Decoding;
using Assay.Protocols.Dns;

namespace Assay.Protocols.Tests.Dns;

public class DnsTransactionTableTests
{
    private struct Collect : IDnsTransactionSink
    {
        public List<DnsPendingQuery> Unanswered;

        public readonly void OnUnanswered(in DnsPendingQuery query) => Unanswered.Add(query);
    }

    private static long Query(ref DnsTransactionTable table, ref Collect sink, ushort id, string name, long time, long packet = 1)
    {
        byte[] m = DnsSamples.Query(id, name);
        var reader = Dns.Parse(m);
        AnomalySet anomalies = default;
        return table.OnQuery(in reader, m, time, packet, ref anomalies, ref sink);
    }

    private static bool Respond(ref DnsTransactionTable table, ushort id, string name, out DnsPendingQuery query, out AnomalySet anomalies)
    {
        byte[] m = new DnsMessageBuilder(id, 0x8180).Question(name, DnsRecordType.A).Build();
        var reader = Dns.Parse(m);
        anomalies = default;
        return table.TryMatchResponse(in reader, m, ref anomalies, out query, out _);
    }

    [Fact]
    public void AResponseMatchesItsQueryByIdAndQuestion()
    {
        var table = new DnsTransactionTable();
        var sink = new Collect { Unanswered = [] };
        Assert.Equal(0, Query(ref table, ref sink, 7, "a.example", 1_000, packet: 3));
        Assert.Equal(1, Query(ref table, ref sink, 8, "b.example", 2_000, packet: 4));
        Assert.True(Respond(ref table, 8, "B.Example", out DnsPendingQuery q, out _));   // names compare case-insensitively
        Assert.Equal((8, 2_000L, 4L), (q.Id, q.Timestamp, q.PacketNumber));
        Assert.Equal(1, table.Outstanding);
        Assert.True(Respond(ref table, 7, "a.example", out q, out _));
        Assert.Equal(3, q.PacketNumber);
        Assert.Equal(0, table.Outstanding);
        Assert.Equal((4L, 2L, 2L, 2L), (table.Messages, table.Queries, table.Responses, table.Matched));
    }

    [Fact]
    public void ASameIdWithAnotherQuestionDoesNotMatch()
    {
        var table = new DnsTransactionTable();
        var sink = new Collect { Unanswered = [] };
        Query(ref table, ref sink, 7, "a.example", 0);
        Assert.False(Respond(ref table, 7, "other.example", out _, out AnomalySet anomalies));
        Assert.True(anomalies.Contains(Anomaly.DnsUnmatchedResponse));
        Assert.Equal(1, table.Outstanding);
    }

    [Fact]
    public void RetransmittedQueriesAreAnsweredOldestFirst()
    {
        var table = new DnsTransactionTable();
        var sink = new Collect { Unanswered = [] };
        Query(ref table, ref sink, 9, "r.example", 100, packet: 1);
        Query(ref table, ref sink, 9, "r.example", 200, packet: 2);
        Assert.True(Respond(ref table, 9, "r.example", out DnsPendingQuery q, out _));
        Assert.Equal(1, q.PacketNumber);
        table.Flush(ref sink);
        Assert.Equal(2, Assert.Single(sink.Unanswered).PacketNumber);
    }

    [Fact]
    public void UnansweredQueriesAreReportedAtTimeoutAndAtFlowEnd()
    {
        var table = new DnsTransactionTable();
        var sink = new Collect { Unanswered = [] };
        Query(ref table, ref sink, 1, "old.example", 0);
        Query(ref table, ref sink, 2, "new.example", 5_000_000_000L);
        Assert.Equal(0, table.Expire(DnsTransactionTable.UnansweredTimeout, ref sink));
        Assert.Equal(1, table.Expire(DnsTransactionTable.UnansweredTimeout + 1, ref sink));
        Assert.Equal(1, Assert.Single(sink.Unanswered).Id);
        // A later query expires what is overdue by then.
        Query(ref table, ref sink, 3, "later.example", 20_000_000_000L);
        Assert.Equal([1, 2], sink.Unanswered.Select(q => (int)q.Id));
        table.Flush(ref sink);
        Assert.Equal([1, 2, 3], sink.Unanswered.Select(q => (int)q.Id));
        Assert.Equal(0, table.Outstanding);
        Assert.Equal(3, table.Unanswered);
    }

    [Fact]
    public void TheOutstandingCapEvictsTheOldest()
    {
        var table = new DnsTransactionTable();
        var sink = new Collect { Unanswered = [] };
        for (int i = 0; i < DnsTransactionTable.MaxTransactionsPerFlow; i++)
            Query(ref table, ref sink, (ushort)i, "flood.example", i);
        Assert.Empty(sink.Unanswered);
        byte[] m = DnsSamples.Query(60000, "flood.example");
        var reader = Dns.Parse(m);
        AnomalySet anomalies = default;
        table.OnQuery(in reader, m, 1000, 1, ref anomalies, ref sink);
        Assert.True(anomalies.Contains(Anomaly.DnsTooManyTransactions));
        Assert.Equal(0, Assert.Single(sink.Unanswered).Id);
        Assert.Equal(DnsTransactionTable.MaxTransactionsPerFlow, table.Outstanding);
    }

    [Fact]
    public void AResponseWithoutAQuestionMatchesById()
    {
        var table = new DnsTransactionTable();
        var sink = new Collect { Unanswered = [] };
        Query(ref table, ref sink, 5, "x.example", 0);
        byte[] m = new DnsMessageBuilder(5, 0x8181).Build();    // FORMERR, no question echoed
        var reader = Dns.Parse(m);
        AnomalySet anomalies = default;
        Assert.True(table.TryMatchResponse(in reader, m, ref anomalies, out _, out long txId));
        Assert.Equal(1, txId);
    }

    [Fact]
    public void ResetKeepsNothingButTheBuffer()
    {
        var table = new DnsTransactionTable();
        var sink = new Collect { Unanswered = [] };
        Query(ref table, ref sink, 1, "x.example", 0);
        table.Reset();
        Assert.Equal(0, table.Outstanding);
        Assert.Equal(0, table.Messages);
        table.Flush(ref sink);
        Assert.Empty(sink.Unanswered);
    }
}
