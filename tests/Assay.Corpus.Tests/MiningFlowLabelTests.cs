using System.Text.Json;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// mining/FLOW_LABELS.tsv (hand-made labels of every mining flow in the mining corpus: zeek-cryptomining traces, the
/// nesfit dataset, nDPI's mining.pcapng) against our <c>miner</c> events: every flow labelled with a mining protocol is a
/// <c>certain</c> session of that protocol family. Flows labelled only "TLS-handshake-seen" are counted (caught when the
/// server is already a known or learned pool when the flow ends), not required.
/// </summary>
public class MiningFlowLabelTests(ITestOutputHelper output)
{
    private sealed record Label(string File, string A, string B, string Family);

    [Fact]
    public void EveryLabelledMiningFlowIsACertainSessionOfItsFamily()
    {
        if (Corpus.Root is null)
            return;
        var labels = new List<Label>();
        foreach (string line in File.ReadLines(Corpus.Path("mining/FLOW_LABELS.tsv")).Skip(1))
        {
            string[] c = line.Split('\t');
            if (c.Length >= 5)
                labels.Add(new Label(c[0], c[1], c[2], c[4]));
        }

        var missed = new List<string>();
        var perFamily = new SortedDictionary<string, (int Labelled, int Caught)>(StringComparer.Ordinal);
        foreach (IGrouping<string, Label> file in labels.GroupBy(l => l.File))
        {
            string path = Path.GetFullPath(Path.Combine(Corpus.Path("mining"), file.Key));
            var run = EngineHarness.Analyze(path);
            var sessions = new Dictionary<string, JsonElement>(StringComparer.Ordinal);
            foreach (JsonElement e in run.OfType("miner"))
            {
                string a = $"{e.GetProperty("src_ip").GetString()}:{e.GetProperty("src_port").GetInt32()}";
                string b = $"{e.GetProperty("dest_ip").GetString()}:{e.GetProperty("dest_port").GetInt32()}";
                sessions[Key(a, b)] = e.GetProperty("miner");
            }

            foreach (Label label in file)
            {
                bool tlsOnly = label.Family == "TLS-handshake-seen";
                bool caught = sessions.TryGetValue(Key(label.A, label.B), out JsonElement miner)
                    && (tlsOnly || (miner.GetProperty("confidence").GetString() == "certain" && FamilyMatches(label.Family, miner)));
                (int labelled, int hits) = perFamily.GetValueOrDefault(label.Family);
                perFamily[label.Family] = (labelled + 1, hits + (caught ? 1 : 0));
                if (!caught && !tlsOnly)
                    missed.Add($"{label.File} {label.A} {label.B} {label.Family}: {(sessions.ContainsKey(Key(label.A, label.B)) ? miner.ToString() : "no miner event")}");
            }
        }

        foreach ((string family, (int labelled, int caught)) in perFamily)
            output.WriteLine($"{family}: {caught}/{labelled} labelled flows caught");
        foreach (string miss in missed.Take(20))
            output.WriteLine("MISSED " + miss);
        Assert.Empty(missed);
    }

    /// <summary>The dialects that count as each label's family.</summary>
    private static bool FamilyMatches(string family, JsonElement miner)
    {
        string dialect = miner.GetProperty("dialect").GetString() ?? "";
        return family switch
        {
            "stratum-v1" => dialect is "stratum" or "zcash-stratum" or "ethereum-stratum",
            "cryptonote-stratum(xmr-style)" => dialect == "cryptonote",
            "eth-getwork/ethproxy" => dialect is "ethproxy" or "ethereum-stratum",
            "getblocktemplate+over-HTTP" => dialect == "getblocktemplate",
            "getwork+over-HTTP" => dialect == "getwork",
            _ => false,
        };
    }

    private static string Key(string a, string b) => string.CompareOrdinal(a, b) < 0 ? a + " " + b : b + " " + a;
}
