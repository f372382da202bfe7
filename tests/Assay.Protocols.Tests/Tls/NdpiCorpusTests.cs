using System.Net;
using System.Text.RegularExpressions;
using Assay.Protocols.Tests.TestSupport;
using Assay.Protocols.Tls;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Tls;

/// <summary>
/// Oracle: JA3 and JA4 of every TCP TLS flow in nDPI's corpus (ntop/nDPI @ 3b1286ab03b0, 2024-10) against what
/// ndpiReader printed in <c>result/&lt;pcap&gt;.out</c> (<c>[JA3C: …]</c>, <c>[JA4: …]</c>).
/// </summary>
/// <remarks>
/// JA3 agrees everywhere. JA4 differs from nDPI of that date in two ways that are nDPI's, and each difference is
/// checked to be exactly that:
/// <list type="bullet">
/// <item>ALPN characters. The spec takes the first and last character of the first ALPN value (<c>http/1.1</c> →
/// <c>h1</c>); nDPI 4.11 took the first two characters of the whole list after cutting its last character
/// (<c>http/1.1</c> → <c>ht</c>, a lone <c>h2</c> → <c>h0</c>, <c>h2,http/1.1</c> → <c>h2</c> by luck). Fixed in nDPI later
/// (<c>alpn_original_last</c>).</item>
/// <item>SNI holding an IP literal. The spec says <c>d</c> whenever the server_name extension is present; nDPI prints
/// <c>i</c> when the name is a numeric address (its NUMERIC_IP_HOST risk).</item>
/// </list>
/// </remarks>
public class NdpiCorpusTests(ITestOutputHelper output)
{
    /// <summary>Flows we cannot compare, by capture, and why: all are encapsulations Assay.Decoding does not open.</summary>
    private static readonly Dictionary<string, string> s_notDecoded = new(StringComparer.Ordinal)
    {
        ["4in6tunnel.pcap"] = "IPv4 in IPv6 (next header 4)",
        ["6in4tunnel.pcap"] = "IPv6 in IPv4 (protocol 41)",
        ["capwap_data.pcapng"] = "CAPWAP data channel (UDP 5247)",
        ["vxlan.pcap"] = "VXLAN (UDP 4789)",
        ["tls_invalid_reads.pcap"] = "GTP-U (UDP 2152)",
    };

    private static readonly Regex s_flowLine = new(@"^\s*\d+\s+TCP (\S+) <?-> (\S+) ", RegexOptions.CultureInvariant);
    private static readonly Regex s_ja3 = new(@"\[JA3C: ([0-9a-f]{32})", RegexOptions.CultureInvariant);
    private static readonly Regex s_ja4 = new(@"\[JA4: (t[0-9a-z]{9}_[0-9a-f]{12}_[0-9a-f]{12})", RegexOptions.CultureInvariant);

    /// <summary>
    /// The first ClientHello of a stream that starts with TLS, or (STARTTLS, RDP, …) of the TLS that starts later: a
    /// protocol-aware caller hands the parser the bytes after the upgrade; here the first place that looks like TLS does.
    /// </summary>
    internal static ClientHelloCapture? FirstClientHello(byte[] stream, out bool later)
    {
        later = false;
        if (ClientHelloCapture.Read(stream) is { } seen)
            return seen;
        for (int offset = 1; offset < stream.Length; offset++)
        {
            if (TlsDetector.LooksLikeTls(stream.AsSpan(offset)) && ClientHelloCapture.Read(stream.AsSpan(offset)) is { } upgraded)
            {
                later = true;
                return upgraded;
            }
        }

        return null;
    }

    /// <summary>Our JA4 with nDPI 4.11's three deviations from the spec applied (see the class remarks).</summary>
    internal static string AsNdpi(ClientHelloCapture seen)
    {
        string ours = seen.Ja4!;
        bool ipSni = seen.ServerName is not null && IPAddress.TryParse(seen.ServerName, out _);
        return ours[..3] + (ipSni ? "i" : "d") + ours[4..8] + NdpiAlpn(seen.Alpns)
            + "_" + NdpiHash(ours[11..23]) + "_" + NdpiHash(ours[24..]);
    }

    /// <summary>nDPI 4.11's ALPN characters: the '-'-joined ALPN list less its last character, first two characters ('0' if missing).</summary>
    private static string NdpiAlpn(List<string> alpns)
    {
        string joined = string.Join("-", alpns);
        if (joined.Length == 0)
            return "00";
        string cut = joined[..^1];
        return $"{(cut.Length > 0 ? cut[0] : '0')}{(cut.Length > 1 ? cut[1] : '0')}";
    }

    /// <summary>nDPI 4.11 hashed an empty list (SHA-256 of "": e3b0c442…) where the spec writes twelve zeros.</summary>
    private static string NdpiHash(string hash) => hash == "000000000000" ? "e3b0c44298fc" : hash;

    [Fact]
    public void Ja3AndJa4AgreeWithNdpiForEveryTcpTlsFlow()
    {
        if (Corpus.Root is null)
            return;

        int flows = 0, badAddress = 0, upgraded = 0, ja3Compared = 0, ja3Equal = 0, ja4Equal = 0, ja4Explained = 0, ja4SniDifference = 0, ja4AlpnDifference = 0, ja4EmptyListDifference = 0, missing = 0;
        var unexplained = new List<string>();
        foreach ((string pcap, List<(string? Key, string? Ja3, string? Ja4)> expected) in Expectations())
        {
            Dictionary<string, TcpStreams.Connection>? connections = TcpStreams.Read(pcap);
            Assert.NotNull(connections);
            foreach ((string? key, string? ja3, string? ja4) in expected)
            {
                flows++;
                if (key is null)
                {
                    badAddress++;
                    continue;
                }

                ClientHelloCapture? seen = null;
                if (connections.TryGetValue(key, out TcpStreams.Connection? connection))
                {
                    seen = FirstClientHello(connection.First.Stream(), out bool later) ?? FirstClientHello(connection.Second.Stream(), out later);
                    if (later)
                        upgraded++;
                }

                string where = $"{Path.GetFileName(pcap)} {key}";
                if (seen is null)
                {
                    missing++;
                    if (!s_notDecoded.ContainsKey(Path.GetFileName(pcap)))
                        unexplained.Add($"{where}: no ClientHello found");
                    continue;
                }

                if (ja3 is not null)
                {
                    ja3Compared++;
                    if (ja3 == seen.Ja3Hash)
                        ja3Equal++;
                    else
                        unexplained.Add($"{where}: JA3 {seen.Ja3Hash} ({seen.Ja3}), nDPI {ja3}");
                }

                if (ja4 is null)
                    continue;
                if (ja4 == seen.Ja4)
                {
                    ja4Equal++;
                    continue;
                }

                string ours = seen.Ja4!;
                string asNdpi = AsNdpi(seen);
                if (asNdpi != ja4)
                {
                    unexplained.Add($"{where}: JA4 {ours} ({seen.Ja4Raw}), nDPI {ja4}");
                    continue;
                }

                ja4Explained++;
                if (ours[3] != ja4[3])
                    ja4SniDifference++;
                if (ours[8..10] != ja4[8..10])
                    ja4AlpnDifference++;
                if (ours[11..] != ja4[11..])
                    ja4EmptyListDifference++;
            }
        }

        output.WriteLine($"nDPI TCP TLS flows: {flows}; JA3 compared {ja3Compared}, equal {ja3Equal}; "
            + $"JA4 equal {ja4Equal}, equal after nDPI 4.11's known deviations {ja4Explained} (SNI letter {ja4SniDifference}, "
            + $"ALPN characters {ja4AlpnDifference}, empty list hashed {ja4EmptyListDifference}); "
            + $"TLS after a plain-text start (STARTTLS, RDP) {upgraded}; inside tunnels we do not decode {missing}; flows nDPI printed with an invalid address {badAddress}; unexplained {unexplained.Count}");
        foreach (string difference in unexplained)
            output.WriteLine(difference);

        Assert.True(flows > 700, $"only {flows} flows");
        Assert.Equal(ja3Compared, ja3Equal);
        Assert.Equal(flows, ja4Equal + ja4Explained + missing + badAddress);
        Assert.Empty(unexplained);
    }

    /// <summary>Each capture with TCP flows that ndpiReader gave a JA3C or JA4, and those flows (key null: address misprinted).</summary>
    internal static IEnumerable<(string Pcap, List<(string? Key, string? Ja3, string? Ja4)> Flows)> Expectations()
    {
        foreach (string outFile in Directory.GetFiles(Corpus.Path("ndpi/default/result"), "*.out").Order(StringComparer.Ordinal))
        {
            var expected = new List<(string? Key, string? Ja3, string? Ja4)>();
            foreach (string line in File.ReadLines(outFile))
            {
                Match flow = s_flowLine.Match(line);
                Match ja4 = s_ja4.Match(line);
                Match ja3 = s_ja3.Match(line);
                if (flow.Success && (ja4.Success || ja3.Success))
                    expected.Add((EndpointKey(flow.Groups[1].Value, flow.Groups[2].Value), ja3.Success ? ja3.Groups[1].Value : null, ja4.Success ? ja4.Groups[1].Value : null));
            }

            if (expected.Count > 0)
                yield return (Path.Combine(Corpus.Path("ndpi/default/pcap"), Path.GetFileNameWithoutExtension(outFile)), expected);
        }
    }

    /// <summary>
    /// ndpiReader prints <c>1.2.3.4:443</c> and <c>[::1]:443</c>; reparse so addresses compare as IPAddress formats them.
    /// Null for an address it printed wrongly (pinterest.pcap has <c>[2600:1901::7a0b::]</c>, two "::").
    /// </summary>
    private static string? EndpointKey(string a, string b) =>
        Parse(a) is { } x && Parse(b) is { } y ? TcpStreams.Key(x, y) : null;

    private static TcpStreams.Endpoint? Parse(string endpoint)
    {
        int colon = endpoint.LastIndexOf(':');
        return IPAddress.TryParse(endpoint[..colon].Trim('[', ']'), out IPAddress? address)
            ? new TcpStreams.Endpoint(address.ToString(), ushort.Parse(endpoint[(colon + 1)..], System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }
}
