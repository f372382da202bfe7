using Assay.Decoding;

namespace Assay.Protocols.Http;

/// <summary>
/// Receives what an <see cref="HttpParser"/> finds. Implement it on a <see langword="struct"/> where possible: the parser's
/// methods are generic over the sink, so calls are direct and nothing is boxed (Kestrel's struct handlers).
/// </summary>
/// <remarks>
/// Objects passed in are valid only during the call: the parser reuses them afterwards. Order per transaction: each
/// body's <see cref="OnFile"/> when that body ends, then <see cref="OnTransaction"/> once both request and response are
/// done (or can no longer finish). Transactions are written in the order they finish, which is wire order except when a
/// server answers before the request body ended.
/// </remarks>
public interface IHttpSink
{
    /// <summary>A transaction is finished: its request and response are complete, or the flow ended or lost sync first.</summary>
    void OnTransaction(HttpTransaction transaction);

    /// <summary>A non-empty body ended (<see cref="HttpFile.State"/> says whether all of it was seen).</summary>
    void OnFile(HttpTransaction transaction, HttpFile file);

    /// <summary>A named anomaly in one direction; <paramref name="transactionId"/> is the transaction it belongs to, or -1.</summary>
    void OnAnomaly(Anomaly anomaly, bool toServer, long transactionId);
}
