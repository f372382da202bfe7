using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace Assay.Tests.Oracles;

/// <summary>
/// The benchmark's traffic mix (../shared/bench/gen_mix.py): its stratum flows (both dialects) are certain sessions, its
/// TLS flows to mining-pool names are caught, and nothing else in the mix — DNS, ordinary TLS, HTTP with JSON bodies,
/// other TCP/UDP — gives a miner event or a mining alert.
/// </summary>
public partial class MiningMixTests(ITestOutputHelper output)
{
    [Fact]
    public void OnlyTheMixsMiningFlowsAreMiners()
    {
        if (Corpus.Root is null)
            return;
        string generator = Path.GetFullPath(Path.Combine(Corpus.Root, "..", "bench", "gen_mix.py"));
        Assert.True(File.Exists(generator), $"{generator} is missing");
        string capture = Path.Combine(Path.GetTempPath(), $"assay-mix-{Environment.ProcessId}.pcap");
        try
        {
            using (var python = Process.Start(new ProcessStartInfo("python3", [generator, capture, "--scale", "0.02"]) { RedirectStandardOutput = true })!)
            {
                output.WriteLine(python.StandardOutput.ReadToEnd().Trim());
                python.WaitForExit();
                Assert.Equal(0, python.ExitCode);
            }

            string[] miningDomains = [.. MiningDomains().Match(File.ReadAllText(generator)).Groups[1].Value
                .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(d => d.Trim('"'))];
            Assert.NotEmpty(miningDomains);

            var run = EngineHarness.Analyze(capture);
            var sni = new Dictionary<long, string>();
            var appProto = new Dictionary<long, string>();
            foreach (JsonElement e in run.Events)
            {
                long flowId = e.TryGetProperty("flow_id", out JsonElement id) ? id.GetInt64() : 0;
                if (e.TryGetProperty("tls", out JsonElement tls) && tls.TryGetProperty("sni", out JsonElement name))
                    sni[flowId] = name.GetString()!;
                if (e.GetProperty("event_type").GetString() == "flow" && e.TryGetProperty("app_proto", out JsonElement proto))
                    appProto[flowId] = proto.GetString()!;
            }

            int stratumFlows = appProto.Count(p => p.Value == "jsonrpc");
            int miningTls = sni.Count(s => miningDomains.Contains(s.Value));
            int certain = 0, tlsCaught = 0;
            var unexpected = new List<string>();
            foreach (JsonElement e in run.OfType("miner"))
            {
                long flowId = e.GetProperty("flow_id").GetInt64();
                string confidence = e.GetProperty("miner").GetProperty("confidence").GetString()!;
                if (confidence == "certain" && appProto.GetValueOrDefault(flowId) == "jsonrpc")
                    certain++;
                else if (sni.TryGetValue(flowId, out string? name) && miningDomains.Contains(name))
                    tlsCaught++;
                else
                    unexpected.Add(e.ToString());
            }

            foreach (JsonElement e in run.OfType("alert").Where(a => a.GetProperty("alert").GetProperty("signature_id").GetInt32() is >= 9_100_000 and < 9_100_100))
            {
                long flowId = e.GetProperty("flow_id").GetInt64();
                string evidence = e.GetProperty("alert").GetProperty("metadata").GetProperty("evidence")[0].GetString()!;
                bool miningFlow = appProto.GetValueOrDefault(flowId) == "jsonrpc" || (sni.TryGetValue(flowId, out string? name) && miningDomains.Contains(name))
                    || miningDomains.Any(d => evidence.Contains(d, StringComparison.Ordinal));   // DNS lookups of the pools
                if (!miningFlow)
                    unexpected.Add(e.ToString());
            }

            output.WriteLine($"{certain}/{stratumFlows} stratum flows certain; {tlsCaught}/{miningTls} TLS flows to pool names caught; " +
                             $"{appProto.Count - stratumFlows - miningTls} other flows, {unexpected.Count} miner events or alerts among them (must be 0)");
            foreach (string u in unexpected.Take(5))
                output.WriteLine("UNEXPECTED " + u);
            Assert.Equal(stratumFlows, certain);
            Assert.Equal(miningTls, tlsCaught);
            Assert.Empty(unexpected);
        }
        finally
        {
            File.Delete(capture);
        }
    }

    [GeneratedRegex(@"MINING_DOMAINS = \[([^\]]+)\]")]
    private static partial Regex MiningDomains();
}
