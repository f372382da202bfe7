using System.Buffers;

namespace Assay.Protocols.Tls;

/// <summary>
/// What <see cref="TlsHandshakeParser"/> remembers about one direction of a connection between calls (as
/// <c>JsonReaderState</c> does for <c>Utf8JsonReader</c>): a handshake message still being reassembled from several
/// records, and whether the clear-text part of the handshake is over. The flow keeps one per direction; call
/// <see cref="Reset"/> when the flow ends so a pooled buffer goes back.
/// </summary>
public struct TlsParserState
{
    // A handshake message that spans records: its 4-byte header is shifted into _header until _headerFilled is 4, then the
    // body is copied into _message (rented once the length is known) until _messageFilled reaches _messageLength.
    internal uint _header;
    internal int _headerFilled;
    internal byte[]? _message;
    internal int _messageLength;
    internal int _messageFilled;

    // Body bytes of a message over TlsHandshakeParser.MaxHandshakeMessageLength still to pass over unread.
    internal int _skipRemaining;

    // A ChangeCipherSpec was read: what follows is encrypted unless it is a clear-text hello (the client's second
    // ClientHello after a HelloRetryRequest, or the server's ServerHello after one, in TLS 1.3 compatibility mode).
    internal bool _afterChangeCipherSpec;

    /// <summary>Records consumed (SSLv2 hellos included).</summary>
    public int Records { readonly get; internal set; }

    /// <summary>Complete handshake messages delivered.</summary>
    public int HandshakeMessages { readonly get; internal set; }

    /// <summary>SSLv2-compatible ClientHellos skipped (RFC 5246 appendix E.2): legacy clients and scanners send them.</summary>
    public int SslV2ClientHellos { readonly get; internal set; }

    public int ChangeCipherSpecs { readonly get; internal set; }

    public int Alerts { readonly get; internal set; }

    /// <summary>The clear-text handshake is over (encrypted records follow): stop feeding this direction.</summary>
    public bool HandshakeOver { readonly get; internal set; }

    /// <summary>The stream is not (or no longer) TLS: <see cref="System.Buffers.OperationStatus.InvalidData"/> was returned.</summary>
    public bool Failed { readonly get; internal set; }

    /// <summary>Nothing more to parse in this direction, for either reason.</summary>
    public readonly bool IsDone => HandshakeOver || Failed;

    /// <summary>A handshake message has been started but not finished.</summary>
    public readonly bool HasPartialMessage => _headerFilled != 0 || _skipRemaining != 0;

    /// <summary>Forgets everything and returns the reassembly buffer to the pool.</summary>
    public void Reset()
    {
        ReleaseMessage();
        this = default;
    }

    internal void ReleaseMessage()
    {
        if (_message is not null)
        {
            ArrayPool<byte>.Shared.Return(_message);
            _message = null;
        }

        _header = 0;
        _headerFilled = 0;
        _messageLength = 0;
        _messageFilled = 0;
    }
}
