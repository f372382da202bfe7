using System.Globalization;
using System.Text;
using System.Text.Json;
using Assay.Output;
using Assay.Output.Mining;

namespace Assay.Engine;

/// <summary>The mining verdict of one host: every session it had, summed up in one sentence.</summary>
public sealed record MinerHostVerdict(
    UInt128 Address,
    bool IPv6,
    MinerConfidence Confidence,
    string Coin,
    string? Software,
    IReadOnlyList<string> Pools,
    IReadOnlyList<string> Logins,
    long FirstSeen,
    long LastSeen,
    double? HashrateHps,
    long SharesAccepted,
    int Sessions,
    string Sentence);

/// <summary>Groups the run's mining sessions by client host into verdicts, written as EVE <c>miner_host</c> events.</summary>
public static class MinerHosts
{
    public static IReadOnlyList<MinerHostVerdict> Build(IEnumerable<MinerReport> reports)
    {
        var verdicts = new List<MinerHostVerdict>();
        foreach (IGrouping<UInt128, MinerReport> host in reports.GroupBy(r => r.ClientAddress).OrderBy(g => g.Key))
        {
            MinerReport[] sessions = [.. host.OrderBy(r => r.FirstSeen).ThenBy(r => r.FlowId)];
            MinerReport best = sessions.OrderByDescending(r => r.Confidence).ThenByDescending(r => r.SharesAccepted).First();
            bool v6 = best.IPv6;
            string coin = Coin(best);
            string? software = Software(sessions.Select(s => s.Agent).FirstOrDefault(a => a is not null));
            string[] pools = [.. sessions.Select(Pool).Distinct(StringComparer.Ordinal)];
            string[] logins = [.. sessions.Select(s => s.Login).OfType<string>().Distinct(StringComparer.Ordinal)];
            long first = sessions.Min(s => s.FirstSeen);
            long last = sessions.Max(s => s.LastSeen);
            double[] rates = [.. sessions.Where(s => s.HashrateHps is not null).Select(s => s.HashrateHps!.Value)];
            double? hashrate = rates.Length == 0 ? null : rates.Max();
            long accepted = sessions.Sum(s => s.SharesAccepted);

            var sentence = new StringBuilder();
            sentence.Append(Text(host.Key, v6));
            sentence.Append(best.Confidence == MinerConfidence.Certain ? " mined " : best.Confidence == MinerConfidence.Strong ? " very likely mined " : " may have mined ");
            sentence.Append(coin);
            if (software is not null)
                sentence.Append(" with ").Append(software);
            sentence.Append(" to ").Append(string.Join(", ", pools));
            sentence.Append(" from ").Append(Time(first)).Append(" to ").Append(Time(last));
            if (hashrate is double h)
                sentence.Append(", ~").Append(MinerEveWriter.FormatHashrate(h));
            if (logins.Length > 0)
                sentence.Append(" (login ").Append(string.Join(", ", logins.Select(Short))).Append(')');
            sentence.Append(" [").Append(MinerEveWriter.ConfidenceName(best.Confidence)).Append(']');

            verdicts.Add(new MinerHostVerdict(host.Key, v6, best.Confidence, coin, software, pools, logins, first, last, hashrate,
                accepted, sessions.Length, sentence.ToString()));
        }

        return verdicts;
    }

    public static void Write(EveFormatter eve, MinerHostVerdict verdict)
    {
        Utf8JsonWriter json = eve.BeginEvent(verdict.LastSeen, "miner_host"u8);
        json.WriteString("src_ip"u8, Text(verdict.Address, verdict.IPv6));
        json.WriteStartObject("miner_host"u8);
        json.WriteString("ip"u8, Text(verdict.Address, verdict.IPv6));
        json.WriteString("confidence"u8, MinerEveWriter.ConfidenceName(verdict.Confidence));
        json.WriteString("coin"u8, verdict.Coin);
        if (verdict.Software is not null)
            json.WriteString("software"u8, verdict.Software);
        WriteList(json, "pools"u8, verdict.Pools);
        WriteList(json, "logins"u8, verdict.Logins);
        json.WriteString("first_seen"u8, Time(verdict.FirstSeen));
        json.WriteString("last_seen"u8, Time(verdict.LastSeen));
        if (verdict.HashrateHps is double hashrate)
            json.WriteNumber("hashrate_hps"u8, Math.Round(hashrate, 2));
        json.WriteNumber("shares_accepted"u8, verdict.SharesAccepted);
        json.WriteNumber("sessions"u8, verdict.Sessions);
        json.WriteString("verdict"u8, verdict.Sentence);
        json.WriteEndObject();
        eve.EndEvent();
    }

    private static void WriteList(Utf8JsonWriter json, ReadOnlySpan<byte> name, IReadOnlyList<string> values)
    {
        json.WriteStartArray(name);
        foreach (string value in values)
            json.WriteStringValue(value);
        json.WriteEndArray();
    }

    /// <summary>The coin family from the dialect and algorithm (CryptoNote/RandomX → Monero, stratum → Bitcoin family, …).</summary>
    private static string Coin(MinerReport report)
    {
        string algorithm = report.Algorithm ?? (report.Algorithms.Count > 0 ? report.Algorithms[0] : "");
        return report.Dialect switch
        {
            "cryptonote" or "coinhive" when algorithm.StartsWith("rx/", StringComparison.Ordinal) || algorithm.StartsWith("cn", StringComparison.Ordinal) || algorithm.Length == 0 => "Monero",
            "cryptonote" or "coinhive" => "a CryptoNote coin (" + algorithm + ")",
            "ethproxy" or "ethereum-stratum" => "Ethereum-family coins",
            "zcash-stratum" => "ZCash",
            "stratum" or "getwork" => "Bitcoin-family coins",
            "getblocktemplate" => "a coin by getblocktemplate (solo)",
            _ => "cryptocurrency",
        };
    }

    /// <summary><c>XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0</c> → <c>XMRig 6.16.0</c>.</summary>
    private static string? Software(string? agent)
    {
        if (string.IsNullOrWhiteSpace(agent))
            return null;
        string first = agent.Split(' ', 2)[0];
        int slash = first.IndexOf('/', StringComparison.Ordinal);
        return slash > 0 ? first[..slash] + " " + first[(slash + 1)..] : first;
    }

    private static string Pool(MinerReport report)
    {
        string endpoint = Utf8Format.EndpointText(report.PoolAddress, report.PoolPort, report.IPv6);
        return report.PoolName is null ? endpoint : report.PoolName + " (" + endpoint + ")";
    }

    private static string Short(string login) => login.Length <= 24 ? login : login[..12] + "…" + login[^8..];

    private static string Text(UInt128 address, bool v6) => Utf8Format.AddressText(address, v6);

    private static string Time(long nanos) =>
        DateTimeOffset.FromUnixTimeMilliseconds(nanos / 1_000_000).UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
