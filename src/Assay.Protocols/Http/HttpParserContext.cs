namespace Assay.Protocols.Http;

/// <summary>
/// What the HTTP parsers of one worker share: options, pools of transactions and body decoders (so steady-state parsing
/// allocates nothing and hash objects are created once), one decompression output buffer, and counters. One per worker
/// thread, like the flows it serves; not thread-safe.
/// </summary>
public sealed class HttpParserContext : IDisposable
{
    /// <summary>Decompressed bytes produced per read, 16 KiB: the bomb and length checks run at least this often.</summary>
    public const int DecodeBufferLength = 16 * 1024;

    /// <summary>Idle transactions kept for reuse; more are left to the GC.</summary>
    private const int MaxPooledTransactions = 1024;

    /// <summary>Idle body decoders kept for reuse (each holds up to three hash objects and 1 KiB of sniff buffer).</summary>
    private const int MaxPooledDecoders = 256;

    private readonly Stack<HttpTransaction> _transactions = new();
    private readonly Stack<HttpBodyDecoder> _decoders = new();
    private readonly byte[] _decodeBuffer = new byte[DecodeBufferLength];

    public HttpParserContext(HttpOptions? options = null)
    {
        Options = options ?? HttpOptions.Default;
    }

    public HttpOptions Options { get; }

    /// <summary>Transactions written (<see cref="IHttpSink.OnTransaction"/>).</summary>
    public long Transactions { get; internal set; }

    /// <summary>Bodies written as files (<see cref="IHttpSink.OnFile"/>).</summary>
    public long Files { get; internal set; }

    /// <summary>Anomalies reported.</summary>
    public long Anomalies { get; internal set; }

    internal HttpTransaction RentTransaction() => _transactions.TryPop(out HttpTransaction? tx) ? tx : new HttpTransaction();

    internal void Return(HttpTransaction transaction)
    {
        transaction.Reset();
        if (_transactions.Count < MaxPooledTransactions)
            _transactions.Push(transaction);
    }

    internal HttpBodyDecoder RentDecoder() => _decoders.TryPop(out HttpBodyDecoder? decoder) ? decoder : new HttpBodyDecoder(_decodeBuffer);

    internal void Return(HttpBodyDecoder decoder)
    {
        if (_decoders.Count < MaxPooledDecoders)
            _decoders.Push(decoder);
        else
            decoder.Dispose();
    }

    public void Dispose()
    {
        while (_decoders.TryPop(out HttpBodyDecoder? decoder))
            decoder.Dispose();
        _transactions.Clear();
    }
}
