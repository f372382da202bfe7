namespace Assay.Protocols.Http;

/// <summary>
/// Caps and switches for <see cref="HttpParser"/>. Every cap is a named constant; hitting one is an anomaly, never an
/// exception. The defaults suit a sensor: generous enough for real browsers and servers, small enough that a hostile peer
/// cannot make one flow hold more than ≈ 2 × <see cref="MaxHeaderBytes"/> of parse state.
/// </summary>
public sealed record HttpOptions
{
    /// <summary>Longest request or status line, 8 KiB (Kestrel's <c>MaxRequestLineSize</c>).</summary>
    public const int DefaultMaxRequestLineLength = 8 * 1024;

    /// <summary>Largest header block (start line, fields, the empty line), 64 KiB (libhtp's <c>field-limit</c> order of size).</summary>
    public const int DefaultMaxHeaderBytes = 64 * 1024;

    /// <summary>Header fields kept per message, 256; further fields still decide framing but are not kept for output.</summary>
    public const int DefaultMaxHeaders = 256;

    /// <summary>Transactions held per flow (parsed but not yet answered and written), 256: more evicts the oldest, as
    /// Suricata bounds <c>max-tx</c>.</summary>
    public const int DefaultMaxTransactionsPerFlow = 256;

    /// <summary>Decoded (decompressed) bytes hashed per body, 64 MiB: decoding stops there (<c>http.decoded_length_limit</c>).</summary>
    public const long DefaultMaxDecodedLength = 64L * 1024 * 1024;

    /// <summary>A body is a decompression bomb when it has decoded more than this many bytes…, 1 MiB (libhtp's
    /// <c>compression-bomb-limit</c>).</summary>
    public const long DefaultDecompressionBombMinimum = 1L * 1024 * 1024;

    /// <summary>
    /// …and more than this many times its compressed bytes so far, 500. Deflate cannot expand more than ≈ 1,032:1 (runs of
    /// one byte), so libhtp's 2,048 only catches nested layers, which we never decode; 500 catches a single-layer bomb
    /// while real content (text ≈ 3–20:1, sparse images rarely past 200:1) stays well below it.
    /// </summary>
    public const int DefaultDecompressionBombRatio = 500;

    public static HttpOptions Default { get; } = new();

    /// <inheritdoc cref="DefaultMaxRequestLineLength"/>
    public int MaxRequestLineLength { get; init; } = DefaultMaxRequestLineLength;

    /// <inheritdoc cref="DefaultMaxHeaderBytes"/>
    public int MaxHeaderBytes { get; init; } = DefaultMaxHeaderBytes;

    /// <inheritdoc cref="DefaultMaxHeaders"/>
    public int MaxHeaders { get; init; } = DefaultMaxHeaders;

    /// <inheritdoc cref="DefaultMaxTransactionsPerFlow"/>
    public int MaxTransactionsPerFlow { get; init; } = DefaultMaxTransactionsPerFlow;

    /// <inheritdoc cref="DefaultMaxDecodedLength"/>
    public long MaxDecodedLength { get; init; } = DefaultMaxDecodedLength;

    /// <inheritdoc cref="DefaultDecompressionBombMinimum"/>
    public long DecompressionBombMinimum { get; init; } = DefaultDecompressionBombMinimum;

    /// <inheritdoc cref="DefaultDecompressionBombRatio"/>
    public int DecompressionBombRatio { get; init; } = DefaultDecompressionBombRatio;

    /// <summary>
    /// Stream offset (per direction) from which no new message head is parsed; set it to the reassembler's parse depth so
    /// that bytes delivered past it only for a body (carving) are not parsed as HTTP. Unlimited by default.
    /// </summary>
    public long ParseDepth { get; init; } = long.MaxValue;

    /// <summary>Carve bodies to disk (<see cref="Http.FileStore"/>); <see langword="null"/> (the default) stores nothing.</summary>
    public FileStore? FileStore { get; init; }

    /// <summary>
    /// Digests computed for every file, all three by default. Hashing is a large share of a run's CPU (a third on gen_mix;
    /// MD5, the slowest, about half of it), so a sensor that needs fewer can ask for fewer. SHA-256 is computed whenever <see cref="FileStore"/> is set,
    /// asked for or not: stored files are named by it (see <see cref="ComputedHashes"/>).
    /// </summary>
    public FileHashes FileHashes { get; init; } = FileHashes.All;

    /// <summary>The digests actually computed: <see cref="FileHashes"/>, plus SHA-256 when carving.</summary>
    public FileHashes ComputedHashes => (FileHashes & FileHashes.All) | (FileStore is null ? FileHashes.None : FileHashes.Sha256);
}
