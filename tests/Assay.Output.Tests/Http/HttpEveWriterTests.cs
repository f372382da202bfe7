using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Assay.Decoding;
using Assay.Flows;
using Assay.Output;
using Assay.Output.Http;
using Assay.Protocols.Http;

namespace Assay.Tests.Output.Http;

public class HttpEveWriterTests
{
    private static UInt128 V4(byte a, byte b, byte c, byte d) => ((UInt128)0xFFFF << 32) | ((uint)a << 24) | ((uint)b << 16) | ((uint)c << 8) | d;

    private static readonly FlowRecord s_flow = new()
    {
        FlowId = 7,
        ClientAddress = V4(192, 168, 1, 104),
        ServerAddress = V4(63, 245, 209, 11),
        ClientPort = 1673,
        ServerPort = 80,
        Protocol = 6,
        IPVersion = 4,
        FirstTimestamp = 1_000_000_000L,
        LastTimestamp = 2_000_000_000L,
    };

    /// <summary>Writes the events an HTTP conversation produces, as the engine will: from inside the parser's callbacks.</summary>
    private sealed class WritingSink(EveFormatter eve, HttpEveWriter writer) : IHttpSink
    {
        public void OnTransaction(HttpTransaction transaction) => writer.WriteTransaction(eve, in s_flow, 1_500_000_000L, transaction);

        public void OnFile(HttpTransaction transaction, HttpFile file) => writer.WriteFile(eve, in s_flow, 1_500_000_000L, transaction, file);

        public void OnAnomaly(Anomaly anomaly, bool toServer, long transactionId)
        {
        }
    }

    private static List<JsonElement> Run(string request, string response, bool logHeaders = false, HttpOptions? options = null) =>
        Run(Encoding.Latin1.GetBytes(request), Encoding.Latin1.GetBytes(response), logHeaders, options);

    private static List<JsonElement> Run(byte[] request, byte[] response, bool logHeaders = false, HttpOptions? options = null)
    {
        var stream = new MemoryStream();
        using (var sink = new EveSink(stream, leaveOpen: true))
        {
            using (var eve = new EveFormatter(sink))
            {
                using var context = new HttpParserContext(options);
                using var parser = new HttpParser(context);
                var writing = new WritingSink(eve, new HttpEveWriter(logHeaders));
                parser.OnData(true, request, ref writing);
                parser.OnData(false, response, ref writing);
                parser.Close(ref writing);
            }

            sink.Complete();
        }

        return Encoding.UTF8.GetString(stream.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();
    }

    private const string Request = "GET /images/logo.png?v=2 HTTP/1.1\r\nHost: www.mozilla.org:8080\r\nUser-Agent: Firefox/3.5.5\r\n"
        + "Referer: http://www.mozilla.org/\r\nX-Forwarded-For: 10.1.1.1\r\n\r\n";

    private const string Response = "HTTP/1.1 302 Found\r\nContent-Type: image/png\r\nLocation: /elsewhere\r\nContent-Length: 12\r\n\r\n"
        + "\x89PNG\r\n\x1a\n\0\0\0\r";

    [Fact]
    public void AnHttpEventCarriesSuricatasFields()
    {
        List<JsonElement> events = Run(Request, Response);
        JsonElement e = events.Single(x => x.GetProperty("event_type").GetString() == "http");
        Assert.Equal(7, e.GetProperty("flow_id").GetInt64());
        Assert.Equal(0, e.GetProperty("tx_id").GetInt64());
        Assert.Equal("192.168.1.104", e.GetProperty("src_ip").GetString());
        Assert.Equal(80, e.GetProperty("dest_port").GetInt32());
        JsonElement http = e.GetProperty("http");
        Assert.Equal("www.mozilla.org", http.GetProperty("hostname").GetString());
        Assert.Equal(8080, http.GetProperty("http_port").GetInt32());
        Assert.Equal("/images/logo.png?v=2", http.GetProperty("url").GetString());
        Assert.Equal("Firefox/3.5.5", http.GetProperty("http_user_agent").GetString());
        Assert.Equal("image/png", http.GetProperty("http_content_type").GetString());
        Assert.Equal("http://www.mozilla.org/", http.GetProperty("http_refer").GetString());
        Assert.Equal("10.1.1.1", http.GetProperty("xff").GetString());
        Assert.Equal("GET", http.GetProperty("http_method").GetString());
        Assert.Equal("HTTP/1.1", http.GetProperty("protocol").GetString());
        Assert.Equal(302, http.GetProperty("status").GetInt32());
        Assert.Equal("/elsewhere", http.GetProperty("redirect").GetString());
        Assert.Equal(12, http.GetProperty("length").GetInt32());
        Assert.False(http.TryGetProperty("request_headers", out _));
    }

    [Fact]
    public void AFileinfoEventDescribesTheBodyFromTheSenderSide()
    {
        List<JsonElement> events = Run(Request, Response);
        JsonElement e = events.Single(x => x.GetProperty("event_type").GetString() == "fileinfo");
        Assert.Equal("63.245.209.11", e.GetProperty("src_ip").GetString());
        Assert.Equal(80, e.GetProperty("src_port").GetInt32());
        Assert.Equal("http", e.GetProperty("app_proto").GetString());
        Assert.Equal("/images/logo.png?v=2", e.GetProperty("http").GetProperty("url").GetString());
        JsonElement file = e.GetProperty("fileinfo");
        byte[] body = Encoding.Latin1.GetBytes("\x89PNG\r\n\x1a\n\0\0\0\r");
        Assert.Equal("logo.png", file.GetProperty("filename").GetString());
        Assert.Equal("PNG image data", file.GetProperty("magic").GetString());
        Assert.Equal("CLOSED", file.GetProperty("state").GetString());
        Assert.False(file.GetProperty("gaps").GetBoolean());
        Assert.False(file.GetProperty("stored").GetBoolean());
        Assert.Equal(12, file.GetProperty("size").GetInt32());
        Assert.Equal(0, file.GetProperty("tx_id").GetInt32());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), file.GetProperty("sha256").GetString());
#pragma warning disable CA5350, CA5351 // MD5 and SHA-1 identify files here (as in Suricata and Zeek logs); nothing is secured with them
        Assert.Equal(Convert.ToHexStringLower(SHA1.HashData(body)), file.GetProperty("sha1").GetString());
        Assert.Equal(Convert.ToHexStringLower(MD5.HashData(body)), file.GetProperty("md5").GetString());
#pragma warning restore CA5350, CA5351
    }

    [Fact]
    public void ATruncatedFileHasOnlyTheSha256OfWhatWasSeen()
    {
        List<JsonElement> events = Run("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort");
        JsonElement file = events.Single(x => x.GetProperty("event_type").GetString() == "fileinfo").GetProperty("fileinfo");
        Assert.Equal("TRUNCATED", file.GetProperty("state").GetString());
        Assert.False(file.TryGetProperty("md5", out _));
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData("short"u8)), file.GetProperty("sha256").GetString());
        Assert.Equal(5, file.GetProperty("size").GetInt32());
    }

    public static TheoryData<FileHashes> HashSubsets()
    {
        var data = new TheoryData<FileHashes>();
        for (int i = 0; i <= (int)FileHashes.All; i++)
            data.Add((FileHashes)i);
        return data;
    }

    [Theory]
    [MemberData(nameof(HashSubsets))]
    public void AFileinfoEventCarriesExactlyTheDigestsAskedFor(FileHashes hashes)
    {
        List<JsonElement> events = Run(Request, Response, options: new HttpOptions { FileHashes = hashes });
        JsonElement file = events.Single(x => x.GetProperty("event_type").GetString() == "fileinfo").GetProperty("fileinfo");
        byte[] body = Encoding.Latin1.GetBytes("\x89PNG\r\n\x1a\n\0\0\0\r");
#pragma warning disable CA5350, CA5351 // MD5 and SHA-1 identify files here (as in Suricata and Zeek logs); nothing is secured with them
        AssertDigest(file, "md5", (hashes & FileHashes.Md5) != 0 ? MD5.HashData(body) : null);
        AssertDigest(file, "sha1", (hashes & FileHashes.Sha1) != 0 ? SHA1.HashData(body) : null);
#pragma warning restore CA5350, CA5351
        AssertDigest(file, "sha256", (hashes & FileHashes.Sha256) != 0 ? SHA256.HashData(body) : null);
        Assert.Equal(12, file.GetProperty("size").GetInt32());
        Assert.Equal("CLOSED", file.GetProperty("state").GetString());
    }

    private static void AssertDigest(JsonElement file, string name, byte[]? expected)
    {
        if (expected is null)
            Assert.False(file.TryGetProperty(name, out _), $"{name} written");
        else
            Assert.Equal(Convert.ToHexStringLower(expected), file.GetProperty(name).GetString());
    }

    [Fact]
    public void NoHashesWritesNoHashKeysEvenForATruncatedFile()
    {
        var options = new HttpOptions { FileHashes = FileHashes.None };
        List<JsonElement> closed = Run(Request, Response, options: options);
        List<JsonElement> truncated = Run("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", options: options);
        foreach (JsonElement e in closed.Concat(truncated).Where(x => x.GetProperty("event_type").GetString() == "fileinfo"))
        {
            JsonElement file = e.GetProperty("fileinfo");
            foreach (string name in new[] { "md5", "sha1", "sha256" })
                Assert.False(file.TryGetProperty(name, out _), $"{name} written");
            Assert.True(file.TryGetProperty("size", out _));
        }

        string text = string.Join('\n', closed.Concat(truncated).Select(e => e.GetRawText()));
        Assert.DoesNotContain("00000000000000000000", text, StringComparison.Ordinal);
    }

    [Fact]
    public void ATruncatedFileWithOnlyMd5AskedForHasNoHashKeys()
    {
        // MD5 and SHA-1 are written for closed files only (as Suricata); without SHA-256 a truncated file has none.
        List<JsonElement> events = Run("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort",
            options: new HttpOptions { FileHashes = FileHashes.Md5 });
        JsonElement file = events.Single(x => x.GetProperty("event_type").GetString() == "fileinfo").GetProperty("fileinfo");
        Assert.Equal("TRUNCATED", file.GetProperty("state").GetString());
        Assert.False(file.TryGetProperty("md5", out _));
        Assert.False(file.TryGetProperty("sha256", out _));
    }

    [Fact]
    public void HeadersAreWrittenWhenAsked()
    {
        List<JsonElement> events = Run(Request, Response, logHeaders: true);
        JsonElement http = events.Single(x => x.GetProperty("event_type").GetString() == "http").GetProperty("http");
        JsonElement[] request = http.GetProperty("request_headers").EnumerateArray().ToArray();
        Assert.Equal(4, request.Length);
        Assert.Equal("Host", request[0].GetProperty("name").GetString());
        Assert.Equal("www.mozilla.org:8080", request[0].GetProperty("value").GetString());
        Assert.Equal(3, http.GetProperty("response_headers").GetArrayLength());
    }

    [Fact]
    public void BytesThatAreNotUtf8AreEscapedAsSuricataDoes()
    {
        byte[] request = [.. "GET /caf"u8, 0xE9, .. " HTTP/1.1\r\nUser-Agent: "u8, .. Encoding.UTF8.GetBytes("été"), .. "\r\n\r\n"u8];
        List<JsonElement> events = Run(request, "HTTP/1.1 204 No Content\r\n\r\n"u8.ToArray());
        JsonElement http = events.Single().GetProperty("http");
        Assert.Equal("/caf\\xe9", http.GetProperty("url").GetString());
        Assert.Equal("été", http.GetProperty("http_user_agent").GetString());
    }

    [Fact]
    public void ANonNumericStatusIsWrittenAsStatusString()
    {
        List<JsonElement> events = Run("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 2XX Odd\r\nContent-Length: 0\r\n\r\n");
        JsonElement http = events.Single().GetProperty("http");
        Assert.False(http.TryGetProperty("status", out _));
        Assert.Equal("2XX", http.GetProperty("status_string").GetString());
    }

    [Fact]
    public void ATransactionWithoutResponseHasNoStatus()
    {
        List<JsonElement> events = Run("GET /pending HTTP/1.0\r\n\r\n", "");
        JsonElement http = events.Single().GetProperty("http");
        Assert.False(http.TryGetProperty("status", out _));
        Assert.Equal(0, http.GetProperty("length").GetInt32());
        Assert.False(http.TryGetProperty("hostname", out _));
    }

    [Fact]
    public void WritingEventsAllocatesNothingAfterWarmUp()
    {
        byte[] request = Encoding.Latin1.GetBytes(Request);
        byte[] response = Encoding.Latin1.GetBytes(Response);
        using var sink = new EveSink(Stream.Null);
        using var eve = new EveFormatter(sink);
        using var context = new HttpParserContext();
        using var parser = new HttpParser(context);
        var writing = new WritingSink(eve, new HttpEveWriter(logHeaders: true));
        for (int i = 0; i < 100; i++)
        {
            parser.OnData(true, request, ref writing);
            parser.OnData(false, response, ref writing);
        }

        // Start on a fresh EVE chunk and stay below the submit threshold: chunks are the formatter's, rented per 256 KiB.
        // Best of three: a GC caused by tests running in parallel can trim ArrayPool.Shared once.
        long allocated = long.MaxValue;
        for (int attempt = 0; attempt < 3 && allocated != 0; attempt++)
        {
            eve.Flush();
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 80; i++)
            {
                parser.OnData(true, request, ref writing);
                parser.OnData(false, response, ref writing);
            }

            allocated = Math.Min(allocated, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        Assert.True(eve.EventsWritten >= 360);
        Assert.Equal(0, allocated);
    }

    [Fact]
    public void EveryEventFitsSuricatasSchema()
    {
        if (Corpus.Root is null)
            return;
        using JsonDocument schema = JsonDocument.Parse(File.ReadAllText(Corpus.Path("suricata-eve/etc/schema.json")));
        var events = new List<JsonElement>();
        events.AddRange(Run(Request, Response, logHeaders: true));
        events.AddRange(Run("GET /old\r\n", "<html>"));
        events.AddRange(Run("GET / HTTP/1.1\r\n\r\n", "HTTP/1.1 2XX Odd\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"));
        events.AddRange(Run("POST /up HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\ncut"));
        var problems = new List<string>();
        foreach (JsonElement e in events)
            SchemaCheck.Check(schema.RootElement, e, "", problems);
        Assert.True(events.Count >= 8);
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }
}

/// <summary>The structural part of JSON Schema that EVE's schema uses: known properties and JSON types.</summary>
internal static class SchemaCheck
{
    public static void Check(JsonElement schema, JsonElement value, string path, List<string> problems)
    {
        if (schema.TryGetProperty("type", out JsonElement type) && type.ValueKind == JsonValueKind.String && !Fits(type.GetString()!, value))
        {
            problems.Add($"{path}: {value.ValueKind} where the schema says {type.GetString()}");
            return;
        }

        if (value.ValueKind == JsonValueKind.Object && schema.TryGetProperty("properties", out JsonElement properties))
        {
            bool closed = schema.TryGetProperty("additionalProperties", out JsonElement additional) && additional.ValueKind == JsonValueKind.False;
            foreach (JsonProperty property in value.EnumerateObject())
            {
                if (properties.TryGetProperty(property.Name, out JsonElement sub))
                    Check(sub, property.Value, path + "." + property.Name, problems);
                else if (closed)
                    problems.Add($"{path}.{property.Name}: not in the schema");
            }
        }

        if (value.ValueKind == JsonValueKind.Array && schema.TryGetProperty("items", out JsonElement items))
        {
            foreach (JsonElement item in value.EnumerateArray())
                Check(items, item, path + "[]", problems);
        }
    }

    private static bool Fits(string type, JsonElement value) => type switch
    {
        "string" => value.ValueKind == JsonValueKind.String,
        "integer" => value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out _),
        "boolean" => value.ValueKind is JsonValueKind.True or JsonValueKind.False,
        "object" => value.ValueKind == JsonValueKind.Object,
        "array" => value.ValueKind == JsonValueKind.Array,
        _ => true,
    };
}
