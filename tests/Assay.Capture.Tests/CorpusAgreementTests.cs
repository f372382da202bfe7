using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Capture.Tests;

/// <summary>Every capture that <c>PROVENANCE.tsv</c> gives a packet count for, read by <see cref="CaptureFile"/>.</summary>
public class CorpusAgreementTests(ITestOutputHelper output)
{
    /// <summary>Where we differ from PROVENANCE.tsv on purpose, and why. Its counts come from a lenient scan of the records.</summary>
    private static readonly Dictionary<string, string> s_knownDifferences = new()
    {
        // libpcap's invalid savefiles: libpcap refuses to open them, and so do we (the scan counted their records anyway).
        ["libpcap/tests/linktype-reserved-field-not-zero.pcap"] = "rejected",
        ["libpcap/tests/pcap-invalid-version-1.pcap"] = "rejected",
        ["libpcap/tests/pcap-invalid-version-2.pcap"] = "rejected",
        ["libpcap/tests/pcapng-invalid-vers-1.pcapng"] = "rejected",
        ["libpcap/tests/pcapng-invalid-vers-2.pcapng"] = "rejected",
        ["libpcap/tests/shb-option-too-long.pcapng"] = "rejected",
        // PROVENANCE flags it TRUNC-DATA: its only record claims 524501 bytes and 199 follow. The scan counted the partial
        // record; libpcap reports "truncated dump file" without delivering it, and we report Truncated the same way.
        ["ndpi/default/pcap/fuzz-2021-10-13.pcap"] = "0 packets, Truncated",
    };

    [Fact]
    public void ReadsAsManyPacketsAsProvenanceListsForEveryCorpusCapture()
    {
        if (Corpus.Root is null)
            return;

        int agree = 0;
        int explained = 0;
        int blocksAgree = 0;
        var blockDifferences = new List<string>();
        var differences = new List<string>();
        foreach (string line in File.ReadLines(Corpus.Path("PROVENANCE.tsv")))
        {
            string[] columns = line.Split('\t');
            if (columns.Length < 7 || !TryGetPacketCount(columns[6], out int expected))
                continue;

            string path = columns[0];
            string outcome;
            try
            {
                using IPacketSource source = CaptureFile.Open(Corpus.Path(path));
                var blocks = new Dictionary<string, int>();
                if (source is PcapngReader pcapng)
                    pcapng.BlockObserved = block => blocks[BlockName(block.Type)] = blocks.GetValueOrDefault(BlockName(block.Type)) + 1;

                int count = TestCaptures.Count(source, out ReadStatus final);
                string? blockDifference = source is PcapngReader ? CompareBlocks(columns[6], blocks) : null;
                if (blockDifference is not null)
                    blockDifferences.Add($"{path}: {blockDifference}");
                else if (source is PcapngReader)
                    blocksAgree++;

                if (count == expected)
                {
                    agree++;
                    continue;
                }

                outcome = $"{count} packets, {final}";
                output.WriteLine($"{path}: PROVENANCE {expected}, we {outcome} ({source.Problem})");
            }
            catch (CaptureFormatException e)
            {
                outcome = "rejected";
                output.WriteLine($"{path}: PROVENANCE {expected}, we reject it ({e.Message})");
            }

            if (!s_knownDifferences.TryGetValue(path, out string? known) || known != outcome)
                differences.Add($"{path}: PROVENANCE {expected}, we {outcome}");
            else
                explained++;
        }

        output.WriteLine($"{agree} of {agree + explained + differences.Count} captures agree with PROVENANCE.tsv; {explained} differ as explained");
        output.WriteLine($"{blocksAgree} of {blocksAgree + blockDifferences.Count} pcapng captures have the block counts PROVENANCE.tsv lists");
        foreach (string difference in blockDifferences)
            output.WriteLine(difference);
        Assert.Empty(differences);
        Assert.Equal(s_knownDifferences.Count, explained);
        Assert.Empty(blockDifferences);
    }

    /// <summary>Compares with <c>blocks[IDB:1,EPB:2,SHB:1]</c>; PROVENANCE names both custom block types "custom", so they are summed.</summary>
    private static string? CompareBlocks(string summary, Dictionary<string, int> seen)
    {
        int open = summary.IndexOf("blocks[", StringComparison.Ordinal);
        if (open < 0)
            return null;
        int close = summary.IndexOf(']', open);
        var listed = new Dictionary<string, int>();
        foreach (string entry in summary[(open + "blocks[".Length)..close].Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = entry.Split(':');
            listed[parts[0]] = listed.GetValueOrDefault(parts[0]) + int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
        }

        string Format(Dictionary<string, int> d) => string.Join(",", d.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key}:{p.Value}"));
        return Format(listed) == Format(seen) ? null : $"blocks {Format(seen)} instead of {Format(listed)}";
    }

    private static string BlockName(PcapngBlockType type) => type switch
    {
        PcapngBlockType.SectionHeader => "SHB",
        PcapngBlockType.InterfaceDescription => "IDB",
        PcapngBlockType.EnhancedPacket => "EPB",
        PcapngBlockType.SimplePacket => "SPB",
        PcapngBlockType.Packet => "PB",
        PcapngBlockType.NameResolution => "NRB",
        PcapngBlockType.InterfaceStatistics => "ISB",
        PcapngBlockType.DecryptionSecrets => "DSB",
        PcapngBlockType.Custom or PcapngBlockType.CustomDoNotCopy => "custom",
        (PcapngBlockType)0x80000001 => "Darwin",
        _ => $"0x{(uint)type:x8}",
    };

    private static bool TryGetPacketCount(string summary, out int count)
    {
        count = 0;
        int at = summary.IndexOf(" pkts=", StringComparison.Ordinal);
        if (at < 0)
            return false;
        ReadOnlySpan<char> rest = summary.AsSpan(at + " pkts=".Length);
        int end = rest.IndexOf(' ');
        return int.TryParse(end < 0 ? rest : rest[..end], out count);
    }
}
