namespace Assay.Protocols.Intel;

/// <summary>What kind of list entry matched.</summary>
public enum IntelCategory : byte
{
    /// <summary>A mining pool (stratum server, pool front end or proxy).</summary>
    Pool,

    /// <summary>A browser-mining script host or its WebSocket proxy (NoCoin-style lists).</summary>
    WebMiner,

    /// <summary>A miner's built-in developer-donation pool (XMRig's <c>donate.v2.xmrig.com</c>, …).</summary>
    Donation,

    /// <summary>An entry from a user-supplied list.</summary>
    User,
}

/// <summary>A list entry that matched a name, address or endpoint.</summary>
/// <param name="Name">The list entry that matched, as written in the list (<c>nanopool.org</c>, <c>10.0.0.0/8</c>, <c>10.0.0.1:3333</c>).</param>
/// <param name="Category">The entry's category.</param>
/// <param name="Source">Where the entry came from: the bundled list's citation (repository, commit, file, date) or a user file's path.</param>
public readonly record struct IntelMatch(string Name, IntelCategory Category, string Source)
{
    /// <summary>The entry's human label (bundled list label column, user file second column), or <see langword="null"/>.</summary>
    public string? Label { get; init; }
}

/// <summary>A TLS client fingerprint (JA3 hash or JA4) that belongs to known miner software.</summary>
/// <param name="Software">The miner and version the fingerprint was learned from (<c>XMRig 6.16.0</c>).</param>
/// <param name="Fingerprint">The JA3 hash or JA4 string that matched.</param>
/// <param name="Shared">
/// <see langword="true"/> when common non-mining software is known to send the same hello (XMRig's JA3 is plain
/// OpenSSL 1.1.1's): weak evidence on its own, to be combined with a pool name, port or protocol.
/// </param>
/// <param name="Source">Where the fingerprint comes from.</param>
public readonly record struct TlsFingerprintMatch(string Software, string Fingerprint, bool Shared, string Source)
{
    /// <summary>Notes from the list: what else shares the fingerprint, how it was learned.</summary>
    public string? Notes { get; init; }
}

/// <summary>A bad line in an intelligence list: the CLI prints <see cref="Exception.Message"/> as one line and exits 2.</summary>
public sealed class IntelFormatException : Exception
{
    public IntelFormatException()
        : this(string.Empty, 0, "invalid intelligence list")
    {
    }

    public IntelFormatException(string message)
        : this(string.Empty, 0, message)
    {
    }

    public IntelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
        File = string.Empty;
        Reason = message;
    }

    public IntelFormatException(string file, int line, string message)
        : base(line > 0 ? $"{file}:{line}: {message}" : $"{file}: {message}")
    {
        File = file;
        Line = line;
        Reason = message;
    }

    public IntelFormatException(string file, string message, Exception innerException)
        : base($"{file}: {message}", innerException)
    {
        File = file;
        Reason = message;
    }

    /// <summary>The list file (path as given, or the bundled resource name).</summary>
    public string File { get; }

    /// <summary>The 1-based line number, or 0 when the error is about the whole file (unreadable, missing).</summary>
    public int Line { get; }

    /// <summary>The message without the <c>file:line:</c> prefix.</summary>
    public string Reason { get; }
}
