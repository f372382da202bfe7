using System.Buffers;
using System.Text.Json;
using Assay.Decoding;
using Assay.Protocols.Tests.TestSupport;
using Assay.Protocols.Tls;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Tls;

/// <summary>
/// Oracle: Arkime's session JSON for its test captures (arkime/arkime @ 2d2f3678796b, <c>tests/pcap/*.test</c>) gives
/// <c>tls.ja3</c>/<c>ja3string</c>, <c>ja3s</c>/<c>ja3sstring</c>, <c>ja4</c> and <c>ja4_r</c> per TCP session. Arkime
/// follows the JA4 spec, so here every value must match exactly.
/// </summary>
public class ArkimeCorpusTests(ITestOutputHelper output)
{
    /// <summary>Sessions we cannot compare, by capture, and why.</summary>
    private static readonly Dictionary<string, string> s_notDecoded = new(StringComparer.Ordinal)
    {
        ["pppoe.test"] = "PPPoE (EtherType 0x8864) is not decoded by Assay.Decoding",
    };

    private sealed class Seen
    {
        public string? Ja3;
        public string? Ja3Hash;
        public string? Ja4;
        public string? Ja4Raw;
        public string? Ja3S;
        public string? Ja3SHash;
    }

    private readonly struct HelloSink(Seen seen) : ITlsHandshakeSink
    {
        public void OnHandshakeMessage(TlsHandshakeType type, ReadOnlySpan<byte> body)
        {
        }

        public void OnClientHello(in TlsClientHello hello, ref AnomalySet anomalies)
        {
            if (seen.Ja4 is not null)
                return;
            seen.Ja3 = TlsFingerprint.Ja3(hello);
            seen.Ja3Hash = TlsFingerprint.Ja3Hash(hello);
            seen.Ja4 = TlsFingerprint.Ja4(hello);
            seen.Ja4Raw = TlsFingerprint.Ja4Raw(hello);
        }

        public void OnServerHello(in TlsServerHello hello, ref AnomalySet anomalies)
        {
            if (seen.Ja3S is not null)
                return;
            seen.Ja3S = TlsFingerprint.Ja3S(hello);
            seen.Ja3SHash = TlsFingerprint.Ja3SHash(hello);
        }

        public void OnCertificates(in TlsCertificateList certificates, ref AnomalySet anomalies)
        {
        }
    }

    /// <summary>
    /// Reads the stream's handshake; when it does not start with TLS (STARTTLS, HTTP CONNECT, MySQL, LDAP), from the first
    /// place that looks like TLS, as a protocol-aware caller would hand over the bytes after the upgrade.
    /// </summary>
    private static void Parse(byte[] stream, Seen seen, bool server)
    {
        if (ParseAt(stream, seen, server))
            return;
        for (int offset = 1; offset < stream.Length; offset++)
        {
            if (TlsDetector.LooksLikeTls(stream.AsSpan(offset)) && ParseAt(stream[offset..], seen, server))
                return;
        }
    }

    private static bool ParseAt(byte[] stream, Seen seen, bool server)
    {
        ParseFrom(stream, seen);
        return (server ? seen.Ja3S : seen.Ja4) is not null;
    }

    private static void ParseFrom(byte[] stream, Seen seen)
    {
        var sink = new HelloSink(seen);
        TlsParserState state = default;
        AnomalySet anomalies = default;
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(stream));
        while (TlsHandshakeParser.TryReadRecord(ref reader, ref state, ref sink, ref anomalies) == OperationStatus.Done && !state.IsDone)
            anomalies.Clear();
        state.Reset();
    }

    private static List<string> Strings(JsonElement tls, string name)
    {
        var values = new List<string>();
        if (tls.TryGetProperty(name, out JsonElement array))
        {
            foreach (JsonElement value in array.EnumerateArray())
                values.Add(value.GetString()!);
        }

        return values;
    }

    [Fact]
    public void FingerprintsAgreeWithArkimeForEveryTcpTlsSession()
    {
        if (Corpus.Root is null)
            return;

        int sessions = 0, notDecoded = 0, compared = 0, equal = 0;
        var differences = new List<string>();
        foreach (string test in Directory.GetFiles(Corpus.Path("arkime/tests/pcap"), "*.test").Order(StringComparer.Ordinal))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(test));
            if (!document.RootElement.TryGetProperty("sessions3", out JsonElement list))
                continue;
            Dictionary<string, TcpStreams.Connection>? connections = null;
            foreach (JsonElement session in list.EnumerateArray())
            {
                JsonElement body = session.GetProperty("body");
                if (!body.TryGetProperty("tls", out JsonElement tls) || body.GetProperty("ipProtocol").GetInt32() != 6)
                    continue;

                sessions++;
                connections ??= TcpStreams.Read(Path.ChangeExtension(test, ".pcap"));
                Assert.NotNull(connections);
                JsonElement source = body.GetProperty("source"), destination = body.GetProperty("destination");
                var client = new TcpStreams.Endpoint(source.GetProperty("ip").GetString()!, source.GetProperty("port").GetUInt16());
                var server = new TcpStreams.Endpoint(destination.GetProperty("ip").GetString()!, destination.GetProperty("port").GetUInt16());
                string where = $"{Path.GetFileName(test)} {client} {server}";
                if (!connections.TryGetValue(TcpStreams.Key(client, server), out TcpStreams.Connection? connection))
                {
                    if (s_notDecoded.ContainsKey(Path.GetFileName(test)))
                        notDecoded++;
                    else
                        differences.Add($"{where}: connection not found");
                    continue;
                }

                var seen = new Seen();
                (TcpStreams.Direction toServer, TcpStreams.Direction toClient) = connection.First.Source == client
                    ? (connection.First, connection.Second)
                    : (connection.Second, connection.First);
                Parse(toServer.Stream(), seen, server: false);
                Parse(toClient.Stream(), seen, server: true);
                foreach ((string field, string? ours) in new[]
                {
                    ("ja3", seen.Ja3Hash), ("ja3string", seen.Ja3), ("ja4", seen.Ja4), ("ja4_r", seen.Ja4Raw),
                    ("ja3s", seen.Ja3SHash), ("ja3sstring", seen.Ja3S),
                })
                {
                    List<string> expected = Strings(tls, field);
                    if (expected.Count == 0)
                        continue;
                    compared++;
                    if (ours is not null && expected.Contains(ours))
                        equal++;
                    else
                        differences.Add($"{where}: {field} {ours ?? "(none)"}, Arkime {string.Join(" ", expected)}");
                }
            }
        }

        output.WriteLine($"Arkime TCP TLS sessions: {sessions} ({notDecoded} inside encapsulations we do not decode); "
            + $"values compared {compared}, equal {equal}");
        foreach (string difference in differences)
            output.WriteLine(difference);
        Assert.True(sessions >= 30, $"only {sessions} sessions");
        Assert.Empty(differences);
    }
}
