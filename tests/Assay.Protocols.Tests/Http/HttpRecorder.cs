using System.Text;
using Assay.Decoding;
using Assay.Protocols.Http;

namespace Assay.Protocols.Tests.Http;

/// <summary>A transaction as plain values (records compare by value, so runs over differently cut input can be compared).</summary>
internal sealed record RecordedTransaction(
    long Id,
    string Method,
    string Uri,
    string RequestProtocol,
    string Host,
    string HostName,
    string UserAgent,
    string Referer,
    int StatusCode,
    int InfoCode,
    string ResponseProtocol,
    string Reason,
    string ResponseContentType,
    long RequestBodyLength,
    long ResponseBodyLength,
    long RequestFileSize,
    long ResponseFileSize,
    bool RequestComplete,
    bool ResponseComplete,
    HttpTransactionFlags Flags,
    string RequestHeaders,
    string ResponseHeaders);

internal sealed record RecordedFile(
    long TransactionId,
    bool ToServer,
    HttpFileState State,
    long Size,
    bool Gaps,
    string? Md5,
    string? Sha1,
    string? Sha256,
    FileMagicType Magic,
    string FileName,
    bool Stored,
    string Head);

internal sealed record RecordedAnomaly(Anomaly Anomaly, bool ToServer, long TransactionId);

/// <summary>An <see cref="IHttpSink"/> that copies everything it is told into records.</summary>
internal sealed class HttpRecorder : IHttpSink
{
    public List<RecordedTransaction> Transactions { get; } = [];

    public List<RecordedFile> Files { get; } = [];

    public List<RecordedAnomaly> Anomalies { get; } = [];

    /// <summary>Everything, in order, as one comparable list of strings.</summary>
    public List<string> Events { get; } = [];

    public bool Has(Anomaly anomaly)
    {
        foreach (RecordedAnomaly a in Anomalies)
        {
            if (a.Anomaly == anomaly)
                return true;
        }

        return false;
    }

    public void OnTransaction(HttpTransaction tx)
    {
        var t = new RecordedTransaction(
            tx.Id,
            Text(tx.Method),
            Text(tx.Uri),
            Text(tx.RequestProtocol),
            Text(tx.Host),
            Text(tx.HostName),
            Text(tx.UserAgent),
            Text(tx.Referer),
            tx.StatusCode,
            tx.InfoCode,
            Text(tx.ResponseProtocol),
            Text(tx.ReasonPhrase),
            Text(tx.ResponseContentType),
            tx.Request.BodyLength,
            tx.Response.BodyLength,
            tx.Request.HasFile ? tx.Request.File.Size : -1,
            tx.Response.HasFile ? tx.Response.File.Size : -1,
            tx.Request.IsComplete,
            tx.Response.IsComplete,
            tx.Flags,
            Headers(tx.Request.Headers),
            Headers(tx.Response.Headers));
        Transactions.Add(t);
        Events.Add(t.ToString());
    }

    public void OnFile(HttpTransaction tx, HttpFile file)
    {
        var f = new RecordedFile(
            tx.Id,
            file.ToServer,
            file.State,
            file.Size,
            file.Gaps,
            Hex(file.Md5),
            Hex(file.Sha1),
            Hex(file.Sha256),
            file.Magic,
            Text(tx.FileName(file.ToServer)),
            file.Stored,
            Text(file.Head));
        Files.Add(f);
        Events.Add(f.ToString());
    }

    public void OnAnomaly(Anomaly anomaly, bool toServer, long transactionId)
    {
        var a = new RecordedAnomaly(anomaly, toServer, transactionId);
        Anomalies.Add(a);
        Events.Add(a.ToString());
    }

    public static string Text(ReadOnlySpan<byte> bytes) => Encoding.Latin1.GetString(bytes);

    /// <summary>A digest as hex, or null when the file does not have it (an empty span).</summary>
    private static string? Hex(ReadOnlySpan<byte> digest) => digest.IsEmpty ? null : Convert.ToHexStringLower(digest);

    private static string Headers(HttpHeaderList headers)
    {
        var text = new StringBuilder();
        for (int i = 0; i < headers.Count; i++)
            text.Append(Text(headers.Name(i))).Append(": ").Append(Text(headers.Value(i))).Append('|');
        return text.ToString();
    }
}
