using System.Buffers;
using System.Globalization;
using System.Text.RegularExpressions;
using Assay.Decoding;
using Assay.Protocols.Tests.TestSupport;
using Assay.Protocols.Tls;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Tls;

/// <summary>
/// Oracle: suricata-verify's <c>tls</c> event checks (OISF/suricata-verify @ 10a45e4bad6d). Every filter on
/// <c>event_type: tls</c> whose match keys are all fields <see cref="TlsHandshakeInfo"/> carries (SNI, version, JA3/JA3S/JA4,
/// ALPNs, the certificate fields in Suricata's formats) is evaluated over the capture's TCP connections, one event per
/// connection with a handshake, and the number of matching connections must equal the filter's <c>count</c>.
/// Filters for older Suricata versions (<c>lt-version</c>) or with keys we do not produce are skipped and counted.
/// </summary>
public class SuricataVerifyTlsTests(ITestOutputHelper output)
{
    /// <summary>Tests whose filters we do not evaluate, and why.</summary>
    private static readonly Dictionary<string, string> s_notComparable = new(StringComparer.Ordinal)
    {
        // TCP Fast Open: the checks are about the stream engine keeping or dropping data sent with the SYN, and count
        // sessions of a reused 4-tuple; that is TCP reassembly's business (TcpStreams keeps the first connection only).
        ["tcp-fastopen-10-syn-data-ignore"] = "stream.tcp SYN-data policy",
    };

    private static readonly Regex s_indexed = new(@"^(.*)\[(\d+)\]$", RegexOptions.CultureInvariant);

    private sealed record Filter(int? Count, Dictionary<string, string> Match, bool OlderVersionsOnly);

    [Fact]
    public void TlsEventFieldsAgreeWithSuricataVerify()
    {
        if (Corpus.Root is null)
            return;

        int filters = 0, evaluated = 0, skipped = 0;
        var differences = new List<string>();
        foreach (string yaml in Directory.GetFiles(Corpus.Path("suricata-verify/tests"), "test.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string[] lines = File.ReadAllLines(yaml);
            List<Filter> tlsFilters = ReadFilters(lines).FindAll(f => f.Match.GetValueOrDefault("event_type") == "tls");
            if (tlsFilters.Count == 0)
                continue;

            string directory = Path.GetDirectoryName(yaml)!;
            string? pcap = PcapOf(lines, directory);
            string name = Path.GetRelativePath(Corpus.Path("suricata-verify/tests"), directory);
            filters += tlsFilters.Count;
            if (pcap is null || s_notComparable.ContainsKey(name))
            {
                skipped += tlsFilters.Count;
                continue;
            }

            List<(TcpStreams.Direction Client, TlsHandshakeInfo Info)>? events = null;
            foreach (Filter filter in tlsFilters)
            {
                if (filter.OlderVersionsOnly || !AllSupported(filter.Match))
                {
                    skipped++;
                    continue;
                }

                evaluated++;
                events ??= Events(pcap);
                int matching = 0;
                foreach ((TcpStreams.Direction client, TlsHandshakeInfo info) in events)
                {
                    if (Matches(filter.Match, client, info))
                        matching++;
                }

                bool ok = filter.Count is int count ? matching == count : matching > 0;
                if (!ok)
                    differences.Add($"{name}: {matching} of {events.Count} events match {string.Join(", ", filter.Match.Select(p => $"{p.Key}={p.Value}"))} (count {filter.Count})"
                        + string.Concat(events.Select(e => $"\n    ours: sni={e.Info.ServerName} version={e.Info.Version} ja3={e.Info.Ja3} ja4={e.Info.Ja4} ja3s={e.Info.Ja3S} "
                            + $"certificates={string.Join(" | ", e.Info.ServerCertificates.Select(c => $"{c.Subject} {c.Serial} {c.NotBefore:s}"))}")));
            }
        }

        output.WriteLine($"suricata-verify tls filters: {filters}; evaluated {evaluated}, skipped {skipped} (older versions, keys we do not produce, pcap not in the corpus); differences {differences.Count}");
        foreach (string difference in differences)
            output.WriteLine(difference);
        Assert.True(evaluated >= 30, $"only {evaluated} filters evaluated");
        Assert.Empty(differences);
    }

    /// <summary>
    /// One event per TCP connection that showed a ClientHello or ServerHello, as Suricata logs one per TLS session, with
    /// its client: the side that sent the ClientHello, else the SYN.
    /// </summary>
    private static List<(TcpStreams.Direction, TlsHandshakeInfo)> Events(string pcap)
    {
        var events = new List<(TcpStreams.Direction, TlsHandshakeInfo)>();
        foreach (TcpStreams.Connection connection in TcpStreams.Read(pcap)!.Values)
        {
            var info = new TlsHandshakeInfo();
            byte[] first = connection.First.Stream(), second = connection.Second.Stream();
            bool firstIsClient = StartsWithClientHello(first) || (!StartsWithClientHello(second) && !connection.Second.SentSyn);
            Feed(first, new TlsHandshakeCollector(info, fromServer: !firstIsClient));
            Feed(second, new TlsHandshakeCollector(info, fromServer: firstIsClient));
            if (info.HasClientHello || info.HasServerHello)
                events.Add((firstIsClient ? connection.First : connection.Second, info));
        }

        return events;
    }

    private static bool StartsWithClientHello(byte[] stream) =>
        stream.Length > TlsHandshakeParser.RecordHeaderLength && stream[0] == (byte)TlsContentType.Handshake
        && stream[TlsHandshakeParser.RecordHeaderLength] == (byte)TlsHandshakeType.ClientHello;

    private static void Feed(byte[] stream, TlsHandshakeCollector collector)
    {
        TlsParserState state = default;
        AnomalySet anomalies = default;
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(stream));
        while (TlsHandshakeParser.TryReadRecord(ref reader, ref state, ref collector, ref anomalies) == OperationStatus.Done && !state.IsDone)
            anomalies.Clear();
        state.Reset();
    }

    private static bool AllSupported(Dictionary<string, string> match)
    {
        foreach (string key in match.Keys)
        {
            if (key is not ("event_type" or "proto" or "app_proto" or "src_ip" or "dest_ip" or "src_port" or "dest_port")
                && Field(key, new TlsHandshakeInfo(), out _) == FieldKind.Unsupported)
            {
                return false;
            }
        }

        return true;
    }

    private static bool Matches(Dictionary<string, string> match, TcpStreams.Direction client, TlsHandshakeInfo info)
    {
        foreach ((string key, string value) in match)
        {
            string? actual = key switch
            {
                "event_type" or "app_proto" => "tls",
                "proto" => "TCP",
                "src_ip" => client.Source.Address,
                "src_port" => client.Source.Port.ToString(CultureInfo.InvariantCulture),
                "dest_ip" => client.Destination.Address,
                "dest_port" => client.Destination.Port.ToString(CultureInfo.InvariantCulture),
                _ => Field(key, info, out string? field) == FieldKind.Value ? field : null,
            };
            if (actual != value)
                return false;
        }

        return true;
    }

    private enum FieldKind
    {
        Unsupported,
        Value,
        Missing,
    }

    /// <summary>The EVE field <paramref name="key"/> (<c>tls.subject</c>, <c>tls.client_alpns[1]</c>, …) of <paramref name="info"/>.</summary>
    private static FieldKind Field(string key, TlsHandshakeInfo info, out string? value)
    {
        value = null;
        Match indexed = s_indexed.Match(key);
        if (indexed.Success)
        {
            IReadOnlyList<string>? list = indexed.Groups[1].Value switch
            {
                "tls.client_alpns" => info.ClientAlpns,
                "tls.server_alpns" => info.ServerAlpns,
                "tls.subjectaltname" => info.ServerCertificates.Count > 0 ? info.ServerCertificates[0].DnsNames : [],
                _ => null,
            };
            if (list is null)
                return FieldKind.Unsupported;
            int index = int.Parse(indexed.Groups[2].Value, CultureInfo.InvariantCulture);
            value = index < list.Count ? list[index] : null;
            return value is null ? FieldKind.Missing : FieldKind.Value;
        }

        TlsCertificateInfo? server = info.ServerCertificates.Count > 0 ? info.ServerCertificates[0] : null;
        TlsCertificateInfo? client = info.ClientCertificates.Count > 0 ? info.ClientCertificates[0] : null;
        (bool known, value) = key switch
        {
            "tls.sni" => (true, info.ServerName),
            "tls.version" => (true, info.Version),
            "tls.ja3.string" => (true, info.Ja3),
            "tls.ja3.hash" => (true, info.Ja3Hash),
            "tls.ja3s.string" => (true, info.Ja3S),
            "tls.ja3s.hash" => (true, info.Ja3SHash),
            "tls.ja4" => (true, info.Ja4),
            "tls.subject" => (true, server?.Subject),
            "tls.issuerdn" => (true, server?.Issuer),
            "tls.serial" => (true, server?.Serial),
            "tls.fingerprint" => (true, server?.Sha1Fingerprint),
            "tls.notbefore" => (true, Date(server?.NotBefore)),
            "tls.notafter" => (true, Date(server?.NotAfter)),
            "tls.client.subject" => (true, client?.Subject),
            "tls.client.issuerdn" => (true, client?.Issuer),
            "tls.client.serial" => (true, client?.Serial),
            "tls.client.fingerprint" => (true, client?.Sha1Fingerprint),
            "tls.client.notbefore" => (true, Date(client?.NotBefore)),
            "tls.client.notafter" => (true, Date(client?.NotAfter)),
            _ => (false, null),
        };
        return !known ? FieldKind.Unsupported : value is null ? FieldKind.Missing : FieldKind.Value;
    }

    /// <summary>EVE's <c>tls.notbefore</c> form: <c>2018-04-14T20:55:27</c>, UTC, no zone.</summary>
    private static string? Date(DateTime? date) => date?.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture);

    private static string? PcapOf(string[] lines, string directory)
    {
        foreach (string line in lines)
        {
            if (line.StartsWith("pcap:", StringComparison.Ordinal))
            {
                string path = Path.GetFullPath(Path.Combine(directory, line[5..].Trim()));
                return File.Exists(path) ? path : null;
            }
        }

        string[] pcaps = Directory.GetFiles(directory, "*.pcap");
        return pcaps.Length == 1 ? pcaps[0] : null;
    }

    /// <summary>
    /// The <c>checks:</c> filters of a test.yaml, read by indentation: this reads only the small YAML subset the
    /// suricata-verify checks use (<c>- filter:</c> blocks with <c>count</c>, <c>requires</c> and a flat <c>match</c> map).
    /// </summary>
    private static List<Filter> ReadFilters(string[] lines)
    {
        var filters = new List<Filter>();
        int i = 0;
        while (i < lines.Length)
        {
            string trimmed = lines[i].TrimStart();
            if (!trimmed.StartsWith("- filter:", StringComparison.Ordinal))
            {
                i++;
                continue;
            }

            int indent = Indent(lines[i]);
            int? count = null;
            bool older = false;
            var match = new Dictionary<string, string>(StringComparer.Ordinal);
            string section = "";
            int sectionIndent = int.MaxValue;
            for (i++; i < lines.Length; i++)
            {
                string line = lines[i];
                string content = line.Trim();
                if (content.Length == 0 || content.StartsWith('#'))
                    continue;
                int lineIndent = Indent(line);
                if (lineIndent <= indent)
                    break;
                if (lineIndent <= sectionIndent)
                    section = "";

                int colon = content.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                    continue;
                string key = content[..colon].Trim();
                string value = content[(colon + 1)..];
                int comment = value.IndexOf(" #", StringComparison.Ordinal);
                value = Unquote((comment < 0 ? value : value[..comment]).Trim());
                if (section == "match")
                {
                    match[key] = value;
                }
                else if (section == "requires")
                {
                    older |= key is "lt-version" or "max-version";
                }
                else if (key is "match" or "requires" && value.Length == 0)
                {
                    section = key;
                    sectionIndent = lineIndent;
                }
                else if (key == "count")
                {
                    count = int.Parse(value, CultureInfo.InvariantCulture);
                }
            }

            filters.Add(new Filter(count, match, older));
        }

        return filters;
    }

    private static int Indent(string line) => line.Length - line.TrimStart().Length;

    private static string Unquote(string value) =>
        value.Length >= 2 && ((value[0] == '"' && value[^1] == '"') || (value[0] == '\'' && value[^1] == '\'')) ? value[1..^1] : value;
}
