using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Assay.Capture;
using Assay.Decoding;
using Assay.Protocols.Dns;
using Assay.Protocols.Intel;
using Assay.Protocols.Tests.TestSupport;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Intel;

/// <summary>
/// The bundled lists against the corpus: the XMRig TLS fingerprint recomputed from the lab capture, how many non-miner
/// clients share it, every pool name seen in the mining captures, and no hit on the names of nDPI's other captures.
/// </summary>
public partial class PoolIntelCorpusTests(ITestOutputHelper output)
{
    private const string XmrigJa3 = "c34a54599a1fbaf1786aa6d633545a60";

    [GeneratedRegex(@"\[JA3C: ([0-9a-f]{32})\]", RegexOptions.CultureInvariant)]
    private static partial Regex Ja3C();

    [GeneratedRegex(@"\[Hostname/SNI: ([^\]]*)\]", RegexOptions.CultureInvariant)]
    private static partial Regex HostnameSni();

    [GeneratedRegex(@"^\s*\d+\s+(\w+) (\S+) <?-> (\S+) \[proto:", RegexOptions.CultureInvariant)]
    private static partial Regex FlowLine();

    [Fact]
    public void TheXmrigFingerprintIsWhatTheLabCaptureShows()
    {
        if (Corpus.Root is null)
            return;

        Dictionary<string, TcpStreams.Connection>? connections = TcpStreams.Read(Corpus.Path("lab/devlab-xmrig-tls-nosni-8443.pcap"));
        Assert.NotNull(connections);
        var hellos = new List<ClientHelloCapture>();
        foreach (TcpStreams.Connection connection in connections.Values)
        {
            TcpStreams.Direction client = connection.First.SentSyn ? connection.First : connection.Second;
            if (client.Destination.Port == 8443 && ClientHelloCapture.Read(client.Stream()) is { } hello)
                hellos.Add(hello);
        }

        ClientHelloCapture seen = Assert.Single(hellos);
        output.WriteLine($"XMRig 6.16.0: JA3 {seen.Ja3Hash} ({seen.Ja3}); JA4 {seen.Ja4}; JA4_r {seen.Ja4Raw}; SNI {seen.ServerName ?? "(none)"}");
        Assert.Equal(XmrigJa3, seen.Ja3Hash);                           // lab/MANIFEST.md truth
        Assert.Null(seen.ServerName);
        // It offers TLS 1.3 (supported_versions) though this pool caps at 1.2; "i": no SNI; "00": no ALPN.
        Assert.StartsWith("t13i", seen.Ja4, StringComparison.Ordinal);
        Assert.Equal("00", seen.Ja4![8..10]);

        Assert.True(PoolIntel.Bundled.TryMatchTlsFingerprint(seen.Ja3Hash, null, out TlsFingerprintMatch byJa3));
        Assert.True(PoolIntel.Bundled.TryMatchTlsFingerprint(null, seen.Ja4, out TlsFingerprintMatch byJa4));
        Assert.Equal(("XMRig 6.16.0", XmrigJa3), (byJa3.Software, byJa3.Fingerprint));
        Assert.Equal(("XMRig 6.16.0", seen.Ja4), (byJa4.Software, byJa4.Fingerprint));
    }

    [Fact]
    public void TheXmrigJa3IsSharedWithNonMinersAndSoMarked()
    {
        if (Corpus.Root is null)
            return;

        int ndpiClients = 0, ndpiShared = 0;
        var sharedIn = new List<string>();
        foreach (string file in Directory.GetFiles(Corpus.Path("ndpi/default/result"), "*.out").Order(StringComparer.Ordinal))
        {
            foreach (string line in File.ReadLines(file))
            {
                foreach (Match m in Ja3C().Matches(line))
                {
                    ndpiClients++;
                    if (m.Groups[1].Value == XmrigJa3)
                    {
                        ndpiShared++;
                        sharedIn.Add($"ndpi {Path.GetFileName(file)}: {line.Trim()[..Math.Min(120, line.Trim().Length)]}");
                    }
                }
            }
        }

        int arkimeSessions = 0, arkimeShared = 0;
        foreach (string test in Directory.GetFiles(Corpus.Path("arkime/tests/pcap"), "*.test").Order(StringComparer.Ordinal))
        {
            string text = File.ReadAllText(test);
            int start = text.IndexOf('{', StringComparison.Ordinal);
            if (start < 0)
                continue;
            using JsonDocument document = ParseLenient(text[start..]);
            foreach (string ja3 in Ja3Values(document.RootElement))
            {
                arkimeSessions++;
                if (ja3 == XmrigJa3)
                {
                    arkimeShared++;
                    sharedIn.Add($"arkime {Path.GetFileName(test)}");
                }
            }
        }

        output.WriteLine($"nDPI results: {ndpiClients} TLS clients with a JA3C, {ndpiShared} with XMRig's {XmrigJa3}");
        output.WriteLine($"Arkime tests: {arkimeSessions} sessions with a JA3, {arkimeShared} with XMRig's");
        foreach (string where in sharedIn)
            output.WriteLine("  " + where);
        Assert.True(ndpiClients > 500, $"{ndpiClients} nDPI TLS clients read");
        Assert.True(arkimeSessions > 20, $"{arkimeSessions} Arkime sessions read");

        // None of those captures is a miner, so every hit is a non-miner sharing the hash. The list must say it is
        // shared whether or not this corpus happens to hold one: the OpenSSL 1.1.1 default hello is documented.
        Assert.True(PoolIntel.Bundled.TryMatchTlsFingerprint(XmrigJa3, null, out TlsFingerprintMatch match));
        Assert.True(match.Shared);
    }

    /// <summary>
    /// Every host name in the mining captures (DNS questions and answer owners, TLS SNI, HTTP Host, and the nesfit files
    /// named after the pool they captured) with a verdict read from the capture itself: what the flow under the name did.
    /// </summary>
    private static readonly Dictionary<string, bool> s_miningCaptureNames = new(StringComparer.Ordinal)
    {
        // nesfit: files named after the pool host; cgminer.g0 resolves litecoinpool.org hosts before mining on them.
        ["eth-eu1.nanopool.org"] = true,
        ["xmr-eu1.nanopool.org"] = true,
        ["zec-eu1.nanopool.org"] = true,
        ["litecoinpool.org"] = true,
        ["us.litecoinpool.org"] = true,
        ["us2.litecoinpool.org"] = true,
        // zeek-cryptomining: coinhive-stratum mines on la01.supportxmr.com; coinhive.pcap runs the AuthedMine web miner.
        ["la01.supportxmr.com"] = true,
        ["www.supportxmr.com"] = true,
        ["coinhive.com"] = true,
        ["authedmine.com"] = true,
        ["ws027.authedmine.com"] = true,
        // bitcoin-mining.pcap: getblocktemplate over HTTP to Host us1.bitminter.com:3333; in-progress: DNS for bitminter.com.
        ["us1.bitminter.com"] = true,
        ["bitminter.com"] = true,
    };

    /// <summary>Pool names in the captures that no dated public source available to this project lists (see the report).</summary>
    private static readonly HashSet<string> s_knownGaps = new(StringComparer.Ordinal) { "us1.bitminter.com", "bitminter.com" };

    [Fact]
    public void EveryPoolNameInTheMiningCapturesMatchesAndNothingElseThere()
    {
        if (Corpus.Root is null)
            return;

        var names = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (string pcap in Directory.GetFiles(Corpus.Path("mining"), "*.pcap*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string where = Path.GetRelativePath(Corpus.Path("mining"), pcap);
            foreach ((string name, string how) in NamesIn(pcap))
                (names.TryGetValue(name, out SortedSet<string>? set) ? set : names[name] = new SortedSet<string>(StringComparer.Ordinal)).Add($"{where} {how}");
            string stem = Path.GetFileNameWithoutExtension(pcap);
            if (stem.EndsWith(".nanopool.org", StringComparison.Ordinal))
                (names.TryGetValue(stem, out SortedSet<string>? set) ? set : names[stem] = new SortedSet<string>(StringComparer.Ordinal)).Add($"{where} file name");
        }

        int pools = 0, poolsMatched = 0, benign = 0, benignMatched = 0;
        var problems = new List<string>();
        foreach ((string name, SortedSet<string> seenIn) in names)
        {
            bool isPool = s_miningCaptureNames.GetValueOrDefault(name);
            bool matched = PoolIntel.Bundled.MatchDomain(name, out IntelMatch match);
            output.WriteLine($"{(isPool ? "pool  " : "benign")} {(matched ? "MATCH " + match.Name + " (" + match.Category + ")" : "-")}  {name}  [{string.Join("; ", seenIn)}]");
            if (isPool)
            {
                pools++;
                poolsMatched += matched ? 1 : 0;
                if (!matched && !s_knownGaps.Contains(name))
                    problems.Add($"pool name not matched: {name}");
                if (matched && s_knownGaps.Contains(name))
                    problems.Add($"{name} matches now: drop it from the known gaps");
            }
            else
            {
                benign++;
                benignMatched += matched ? 1 : 0;
                if (matched)
                    problems.Add($"benign name matched: {name} by {match.Name}");
            }
        }

        foreach (string expected in s_miningCaptureNames.Keys)
        {
            if (!names.ContainsKey(expected))
                problems.Add($"expected name not found in the captures: {expected}");
        }

        output.WriteLine($"mining captures: {names.Count} names; pool names {poolsMatched}/{pools} matched ({s_knownGaps.Count} known gaps); other names {benignMatched}/{benign} matched");
        Assert.Empty(problems);
    }

    /// <summary>
    /// The labelled mining flows of the mining corpus (mining/FLOW_LABELS.tsv) whose server address or endpoint the
    /// bundled list knows. Not independent for the nesfit captures: the sMaSheD endpoint list comes from the same study.
    /// </summary>
    [Fact]
    public void LabelledMiningFlowsAreCountedByAddressAndEndpoint()
    {
        if (Corpus.Root is null)
            return;

        var perFile = new SortedDictionary<string, (int Flows, int Endpoint, int Address)>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(Corpus.Path("mining/FLOW_LABELS.tsv")).Skip(1))
        {
            string[] fields = line.Split('\t');
            if (fields.Length < 3)
                continue;
            (int flows, int endpoint, int address) = perFile.GetValueOrDefault(fields[0]);
            bool byEndpoint = false, byAddress = false;
            foreach (string side in new[] { fields[1], fields[2] })
            {
                if (TryParseEndpoint(side, out UInt128 ip, out ushort port))
                {
                    byEndpoint |= PoolIntel.Bundled.TryMatchEndpoint(ip, port, out _);
                    byAddress |= PoolIntel.Bundled.TryMatchAddress(ip, out _);
                }
            }

            perFile[fields[0]] = (flows + 1, endpoint + (byEndpoint ? 1 : 0), address + (byAddress ? 1 : 0));
        }

        int total = 0, matched = 0;
        foreach ((string file, (int flows, int endpoint, int address)) in perFile)
        {
            output.WriteLine($"{file}: {flows} labelled flows, {endpoint} by endpoint, {address} by address");
            total += flows;
            matched += endpoint + address;
        }

        output.WriteLine($"FLOW_LABELS: {total} labelled mining flows, {matched} matched by a bundled address or endpoint");
        Assert.True(total > 400, $"{total} labelled flows read");
        Assert.True(matched > 0);
    }

    [Fact]
    public void NoHostNameOfTheNonMiningNdpiCapturesMatches()
    {
        if (Corpus.Root is null)
            return;

        var names = new SortedDictionary<string, string>(StringComparer.Ordinal);
        int flows = 0;
        foreach (string file in Directory.GetFiles(Corpus.Path("ndpi/default/result"), "*.out").Order(StringComparer.Ordinal))
        {
            foreach (string line in File.ReadLines(file))
            {
                Match flow = FlowLine().Match(line);
                if (!flow.Success || line.Contains("/Mining]", StringComparison.Ordinal) || line.Contains("[cat: Mining", StringComparison.Ordinal))
                    continue;
                flows++;
                foreach (Match m in HostnameSni().Matches(line))
                {
                    string name = m.Groups[1].Value.TrimEnd('.');
                    if (name.Length > 0)
                        names.TryAdd(name, Path.GetFileName(file));
                }
            }
        }

        var matched = new List<string>();
        foreach ((string name, string file) in names)
        {
            if (PoolIntel.Bundled.MatchDomain(name, out IntelMatch match))
                matched.Add($"{name} ({file}) by {match.Name} [{match.Source}]");
        }

        output.WriteLine($"nDPI non-mining flows: {flows}; distinct Hostname/SNI names: {names.Count}; matched by the bundled list: {matched.Count}");
        foreach (string line in matched)
            output.WriteLine("  " + line);
        Assert.True(names.Count > 500, $"{names.Count} names read");
        Assert.Empty(matched);
    }

    [Fact]
    public void NoEndpointOrAddressOfTheNonMiningNdpiFlowsMatches()
    {
        if (Corpus.Root is null)
            return;

        int flows = 0, miningFlows = 0, miningMatched = 0;
        var matched = new List<string>();
        foreach (string file in Directory.GetFiles(Corpus.Path("ndpi/default/result"), "*.out").Order(StringComparer.Ordinal))
        {
            foreach (string line in File.ReadLines(file))
            {
                Match flow = FlowLine().Match(line);
                if (!flow.Success)
                    continue;
                bool mining = line.Contains("/Mining]", StringComparison.Ordinal) || line.Contains("[cat: Mining", StringComparison.Ordinal);
                bool hit = false;
                foreach (string endpoint in new[] { flow.Groups[2].Value, flow.Groups[3].Value })
                {
                    if (!TryParseEndpoint(endpoint, out UInt128 address, out ushort port))
                        continue;
                    if (PoolIntel.Bundled.TryMatchEndpoint(address, port, out IntelMatch match) || PoolIntel.Bundled.TryMatchAddress(address, out match))
                    {
                        hit = true;
                        if (!mining)
                            matched.Add($"{Path.GetFileName(file)} {endpoint} by {match.Name}");
                    }
                }

                flows++;
                miningFlows += mining ? 1 : 0;
                miningMatched += mining && hit ? 1 : 0;
            }
        }

        output.WriteLine($"nDPI flows: {flows} ({miningFlows} labelled Mining, {miningMatched} of those matched by address/endpoint); non-mining flows matched: {matched.Count}");
        foreach (string line in matched)
            output.WriteLine("  " + line);
        Assert.True(flows > 5000, $"{flows} flows read");
        Assert.Empty(matched);
    }

    private static bool TryParseEndpoint(string text, out UInt128 address, out ushort port)
    {
        address = default;
        port = 0;
        int colon = text.LastIndexOf(':');
        if (colon < 0 || !ushort.TryParse(text.AsSpan(colon + 1), out port))
            return false;
        string host = text[..colon].Trim('[', ']');
        if (!System.Net.IPAddress.TryParse(host, out System.Net.IPAddress? ip))
            return false;
        address = ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
            ? IntelTestSupport.V4(host)
            : System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(ip.GetAddressBytes());
        return true;
    }

    /// <summary>Host names in a capture: DNS question and answer-owner names (UDP 53), TLS SNI, HTTP Host (IP literals left out).</summary>
    private static IEnumerable<(string Name, string How)> NamesIn(string pcap)
    {
        var found = new List<(string, string)>();
        var reader = new DnsMessageReader();
        var buffer = new byte[DnsParser.MaxDnsNameLength];
        using (IPacketSource source = CaptureFile.Open(pcap))
        {
            while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> frame) == ReadStatus.Packet)
            {
                var packet = new DecodedPacket();
                AnomalySet anomalies = default;
                if (!PacketDecoder.TryDecode(header.LinkType, frame, ref packet, ref anomalies) || packet.Protocol != (byte)IpProtocol.Udp
                    || (packet.SourcePort != 53 && packet.DestinationPort != 53))
                {
                    continue;
                }

                ReadOnlySpan<byte> message = frame.Slice(packet.PayloadOffset, packet.PayloadLength);
                if (!DnsParser.TryParse(message, ref reader, ref anomalies))
                    continue;
                foreach (DnsRecord record in reader.Records)
                {
                    if (record.Section is DnsSection.Question or DnsSection.Answer)
                    {
                        int length = DnsParser.ReadName(message, record.NameOffset, buffer, out _);
                        found.Add((Encoding.Latin1.GetString(buffer, 0, length).TrimEnd('.').ToLowerInvariant(), record.IsQuestion ? "dns-q" : "dns-a"));
                    }
                }
            }
        }

        Dictionary<string, TcpStreams.Connection>? connections = TcpStreams.Read(pcap);
        foreach (TcpStreams.Connection connection in connections?.Values ?? Enumerable.Empty<TcpStreams.Connection>())
        {
            foreach (TcpStreams.Direction direction in new[] { connection.First, connection.Second })
            {
                byte[] stream = direction.Stream();
                if (ClientHelloCapture.Read(stream) is { ServerName: { } sni })
                    found.Add((sni.ToLowerInvariant(), "sni"));
                foreach (string host in HttpHosts(stream))
                    found.Add((host, "http-host"));
            }
        }

        var unique = new HashSet<(string, string)>();
        foreach ((string name, string how) in found)
        {
            if (name.Length > 0 && !System.Net.IPAddress.TryParse(name, out _) && unique.Add((name, how)))
                yield return (name, how);
        }
    }

    /// <summary>Host header values (without port) of the HTTP requests at the start of lines in a client stream.</summary>
    private static IEnumerable<string> HttpHosts(byte[] stream)
    {
        string text = Encoding.Latin1.GetString(stream, 0, Math.Min(stream.Length, 1 << 20));
        foreach (string line in text.Split("\r\n"))
        {
            if (line.StartsWith("Host:", StringComparison.OrdinalIgnoreCase))
            {
                string host = line[5..].Trim().ToLowerInvariant();
                int colon = host.LastIndexOf(':');
                yield return colon > 0 && !host.EndsWith(']') ? host[..colon] : host;
            }
        }
    }

    private static JsonDocument ParseLenient(string json) =>
        JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });

    private static IEnumerable<string> Ja3Values(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.Object)
        {
            foreach (JsonProperty property in element.EnumerateObject())
            {
                if (property.NameEquals("ja3") && property.Value.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement value in property.Value.EnumerateArray())
                    {
                        if (value.ValueKind == JsonValueKind.String)
                            yield return value.GetString()!;
                    }
                }
                else
                {
                    foreach (string nested in Ja3Values(property.Value))
                        yield return nested;
                }
            }
        }
        else if (element.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement item in element.EnumerateArray())
            {
                foreach (string nested in Ja3Values(item))
                    yield return nested;
            }
        }
    }
}
