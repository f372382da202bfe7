using System.Text.Encodings.Web;
using System.Text.Json;

namespace Assay.Synthesis.Payloads;

/// <summary>
/// Stratum v1 (Bitcoin-style) JSON-RPC lines, one JSON object per line, each ending in <c>\n</c>.
/// Shapes follow the de-facto protocol (slush pool docs, cgminer / ckpool output).
/// </summary>
public static class StratumMessages
{
    /// <summary><c>{"id":1,"method":"mining.subscribe","params":["cgminer/4.10.0"]}</c></summary>
    public static byte[] Subscribe(int id, string userAgent) =>
        Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteString("method", "mining.subscribe");
            w.WriteStartArray("params");
            w.WriteStringValue(userAgent);
            w.WriteEndArray();
        });

    /// <summary>Subscription result: <c>[[["mining.set_difficulty",sub],["mining.notify",sub]], extranonce1, extranonce2_size]</c>.</summary>
    public static byte[] SubscribeResult(int id, string subscriptionId, string extranonce1, int extranonce2Size) =>
        Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteStartArray("result");
            w.WriteStartArray();
            foreach (string method in (ReadOnlySpan<string>)["mining.set_difficulty", "mining.notify"])
            {
                w.WriteStartArray();
                w.WriteStringValue(method);
                w.WriteStringValue(subscriptionId);
                w.WriteEndArray();
            }

            w.WriteEndArray();
            w.WriteStringValue(extranonce1);
            w.WriteNumberValue(extranonce2Size);
            w.WriteEndArray();
            w.WriteNull("error");
        });

    /// <summary><c>{"id":2,"method":"mining.authorize","params":["worker","password"]}</c></summary>
    public static byte[] Authorize(int id, string worker, string password) =>
        Call(id, "mining.authorize", worker, password);

    /// <summary><c>{"id":2,"result":true,"error":null}</c></summary>
    public static byte[] Result(int id, bool result) =>
        Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteBoolean("result", result);
            w.WriteNull("error");
        });

    /// <summary>An error reply: <c>{"id":4,"result":null,"error":[23,"Low difficulty share",null]}</c>.</summary>
    public static byte[] Error(int id, int code, string message) =>
        Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteNull("result");
            w.WriteStartArray("error");
            w.WriteNumberValue(code);
            w.WriteStringValue(message);
            w.WriteNullValue();
            w.WriteEndArray();
        });

    /// <summary><c>{"id":null,"method":"mining.set_difficulty","params":[difficulty]}</c></summary>
    public static byte[] SetDifficulty(double difficulty) =>
        Line(w =>
        {
            w.WriteNull("id");
            w.WriteString("method", "mining.set_difficulty");
            w.WriteStartArray("params");
            w.WriteNumberValue(difficulty);
            w.WriteEndArray();
        });

    /// <summary>
    /// <c>mining.notify</c>: job_id, prevhash, coinb1, coinb2, merkle_branch[], version, nbits, ntime, clean_jobs.
    /// </summary>
    public static byte[] Notify(string jobId, string previousHash, string coinbase1, string coinbase2, IReadOnlyList<string> merkleBranch,
        string version, string bits, string time, bool cleanJobs) =>
        Line(w =>
        {
            w.WriteNull("id");
            w.WriteString("method", "mining.notify");
            w.WriteStartArray("params");
            w.WriteStringValue(jobId);
            w.WriteStringValue(previousHash);
            w.WriteStringValue(coinbase1);
            w.WriteStringValue(coinbase2);
            w.WriteStartArray();
            foreach (string branch in merkleBranch)
                w.WriteStringValue(branch);
            w.WriteEndArray();
            w.WriteStringValue(version);
            w.WriteStringValue(bits);
            w.WriteStringValue(time);
            w.WriteBooleanValue(cleanJobs);
            w.WriteEndArray();
        });

    /// <summary><c>{"id":4,"method":"mining.submit","params":[worker, job_id, extranonce2, ntime, nonce]}</c></summary>
    public static byte[] Submit(int id, string worker, string jobId, string extranonce2, string time, string nonce) =>
        Call(id, "mining.submit", worker, jobId, extranonce2, time, nonce);

    /// <summary>Any call whose params are all strings.</summary>
    public static byte[] Call(int id, string method, params string[] parameters) =>
        Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteString("method", method);
            w.WriteStartArray("params");
            foreach (string parameter in parameters)
                w.WriteStringValue(parameter);
            w.WriteEndArray();
        });

    /// <summary>Serializes one object written by <paramref name="body"/> and appends <c>\n</c>. Miners do not escape '+', '&lt;' etc.</summary>
    internal static byte[] Line(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream(256);
        using (var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            body(writer);
            writer.WriteEndObject();
        }

        stream.WriteByte((byte)'\n');
        return stream.ToArray();
    }
}

/// <summary>A Monero stratum job as XMRig receives it (<c>login</c> result or <c>job</c> notification).</summary>
/// <param name="Blob">Hashing blob, hex (76 bytes → 152 hex digits for RandomX).</param>
/// <param name="Target">Compact target, hex little-endian (e.g. <c>b88d0600</c>).</param>
public sealed record XmrigJob(string JobId, string Blob, string Target, string Algorithm, long Height, string SeedHash);

/// <summary>
/// Monero-style stratum as XMRig speaks it (JSON-RPC 2.0 over newline-delimited JSON): <c>login</c>, <c>job</c>, <c>submit</c>,
/// <c>keepalived</c> and their results.
/// </summary>
public static class XmrigMessages
{
    /// <summary><c>{"id":1,"jsonrpc":"2.0","method":"login","params":{"login":wallet,"pass":"x","agent":…,"algo":[…]}}</c></summary>
    public static byte[] Login(int id, string wallet, string password, string agent, IReadOnlyList<string> algorithms, string? rigId = null) =>
        StratumMessages.Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteString("jsonrpc", "2.0");
            w.WriteString("method", "login");
            w.WriteStartObject("params");
            w.WriteString("login", wallet);
            w.WriteString("pass", password);
            w.WriteString("agent", agent);
            w.WriteStartArray("algo");
            foreach (string algorithm in algorithms)
                w.WriteStringValue(algorithm);
            w.WriteEndArray();
            if (rigId is not null)
                w.WriteString("rigid", rigId);
            w.WriteEndObject();
        });

    /// <summary>The pool's login answer: miner id, first job, extensions, status OK.</summary>
    public static byte[] LoginResult(int id, string minerId, XmrigJob job) =>
        StratumMessages.Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteString("jsonrpc", "2.0");
            w.WriteNull("error");
            w.WriteStartObject("result");
            w.WriteString("id", minerId);
            w.WritePropertyName("job");
            WriteJob(w, job, minerId);
            w.WriteStartArray("extensions");
            foreach (string extension in (ReadOnlySpan<string>)["algo", "nicehash", "connect", "tls", "keepalive"])
                w.WriteStringValue(extension);
            w.WriteEndArray();
            w.WriteString("status", "OK");
            w.WriteEndObject();
        });

    /// <summary><c>{"jsonrpc":"2.0","method":"job","params":{…}}</c></summary>
    public static byte[] Job(XmrigJob job, string minerId) =>
        StratumMessages.Line(w =>
        {
            w.WriteString("jsonrpc", "2.0");
            w.WriteString("method", "job");
            w.WritePropertyName("params");
            WriteJob(w, job, minerId);
        });

    /// <summary><c>{"id":2,"jsonrpc":"2.0","method":"submit","params":{"id":…,"job_id":…,"nonce":…,"result":…,"algo":…}}</c></summary>
    public static byte[] Submit(int id, string minerId, string jobId, string nonce, string result, string algorithm = "rx/0") =>
        StratumMessages.Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteString("jsonrpc", "2.0");
            w.WriteString("method", "submit");
            w.WriteStartObject("params");
            w.WriteString("id", minerId);
            w.WriteString("job_id", jobId);
            w.WriteString("nonce", nonce);
            w.WriteString("result", result);
            w.WriteString("algo", algorithm);
            w.WriteEndObject();
        });

    /// <summary><c>{"id":3,"jsonrpc":"2.0","method":"keepalived","params":{"id":minerId}}</c></summary>
    public static byte[] Keepalived(int id, string minerId) =>
        StratumMessages.Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteString("jsonrpc", "2.0");
            w.WriteString("method", "keepalived");
            w.WriteStartObject("params");
            w.WriteString("id", minerId);
            w.WriteEndObject();
        });

    /// <summary><c>{"id":2,"jsonrpc":"2.0","error":null,"result":{"status":"OK"}}</c> (also the keepalived answer, with "KEEPALIVED").</summary>
    public static byte[] Status(int id, string status = "OK") =>
        StratumMessages.Line(w =>
        {
            w.WriteNumber("id", id);
            w.WriteString("jsonrpc", "2.0");
            w.WriteNull("error");
            w.WriteStartObject("result");
            w.WriteString("status", status);
            w.WriteEndObject();
        });

    private static void WriteJob(Utf8JsonWriter w, XmrigJob job, string minerId)
    {
        w.WriteStartObject();
        w.WriteString("blob", job.Blob);
        w.WriteString("job_id", job.JobId);
        w.WriteString("target", job.Target);
        w.WriteString("algo", job.Algorithm);
        w.WriteNumber("height", job.Height);
        w.WriteString("seed_hash", job.SeedHash);
        w.WriteString("id", minerId);
        w.WriteEndObject();
    }
}
