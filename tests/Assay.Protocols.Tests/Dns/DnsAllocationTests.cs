using Assay.Decoding;
using Assay.Protocols.Dns;

namespace Assay.Protocols.Tests.Dns;

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DnsAllocationCollection
{
    public const string Name = "DnsAllocation";
}

/// <summary>Parsing, name decoding and transaction matching allocate nothing once the reusable buffers have grown.</summary>
[Collection(DnsAllocationCollection.Name)]
public class DnsAllocationTests
{
    private struct NoSink : IDnsTransactionSink
    {
        public readonly void OnUnanswered(in DnsPendingQuery query)
        {
        }
    }

    [Fact]
    public void ParsingAndMatchingAllocateNothingInSteadyState()
    {
        byte[][] messages = [DnsSamples.Query(), DnsSamples.CompressedResponse(), DnsSamples.EveryType()];
        var reader = new DnsMessageReader();
        var table = new DnsTransactionTable();
        var sink = new NoSink();
        var name = new byte[DnsParser.MaxDnsNameLength];
        long Run(int iterations)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < iterations; i++)
            {
                byte[] m = messages[i % messages.Length];
                AnomalySet anomalies = default;
                _ = DnsParser.TryParse(m, ref reader, ref anomalies);
                foreach (DnsRecord r in reader.Records)
                    DnsParser.ReadName(m, r.NameOffset, name, out _);
                if (reader.IsResponse)
                    table.TryMatchResponse(in reader, m, ref anomalies, out _, out _);
                else
                    table.OnQuery(in reader, m, i, i, ref anomalies, ref sink);
            }

            return GC.GetAllocatedBytesForCurrentThread() - before;
        }

        Run(100);
        Assert.Equal(0, Run(10_000));
    }
}
