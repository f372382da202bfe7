using System.Buffers.Binary;
using Assay.Decoding;

namespace Assay.Protocols.WebSocket;

/// <summary>
/// One direction of one WebSocket connection (RFC 6455 §5), fed the bytes after the HTTP/1.1 upgrade in stream order.
/// Consumes all bytes given: partial headers and message payloads are buffered here, bounded by
/// <see cref="MaxMessageLength"/> (and <see cref="MaxCompressedLength"/> with permessage-deflate).
/// <code>
///  0                   1                   2                   3
///  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
/// +-+-+-+-+-------+-+-------------+-------------------------------+
/// |F|R|R|R| opcode|M| Payload len |    Extended payload length    |
/// |I|S|S|S|  (4)  |A|     (7)     |             (16/64)           |
/// |N|V|V|V|       |S|             |   (if payload len==126/127)   |
/// | |1|2|3|       |K|             |                               |
/// +-+-+-+-+-------+-+-------------+ - - - - - - - - - - - - - - - +
/// |     Extended payload length continued, if payload len == 127  |
/// + - - - - - - - - - - - - - - - +-------------------------------+
/// |                               |Masking-key, if MASK set to 1  |
/// +-------------------------------+-------------------------------+
/// | Masking-key (continued)       |          Payload Data         |
/// +-------------------------------- - - - - - - - - - - - - - - - +
/// </code>
/// <para>
/// What is an anomaly and what stops the reader (<see cref="IsClosed"/>; Feed then ignores input, as a real peer would
/// fail the connection): a reserved opcode, RSV2/RSV3, RSV1 without permessage-deflate or on a control or continuation
/// frame, a fragmented or &gt; 125-byte control frame, a continuation without a message or a new message inside a
/// fragmented one, a 64-bit length with its top bit set — all <see cref="Anomaly.WebSocketInvalidFrame"/>; a frame
/// longer than <see cref="MaxFrameLength"/> — <see cref="Anomaly.WebSocketMessageTooLarge"/>. Reported and parsed on:
/// an unmasked client frame (<see cref="Anomaly.WebSocketUnmaskedClientFrame"/>) or a masked server frame
/// (<see cref="Anomaly.WebSocketInvalidFrame"/>), each once per reader; a message longer than
/// <see cref="MaxMessageLength"/> (<see cref="Anomaly.WebSocketMessageTooLarge"/>, delivered truncated); compressed data
/// that does not inflate (<see cref="Anomaly.WebSocketInvalidFrame"/>, what did inflate is delivered truncated).
/// </para>
/// <para>
/// permessage-deflate (RFC 7692): RSV1 on a message's first frame marks it compressed; the joined payload plus the
/// removed <c>00 00 ff ff</c> tail is inflated with the history of earlier messages kept (context takeover). That also
/// decodes peers that negotiated <c>no_context_takeover</c> or smaller window bits. Not supported: the pre-standard
/// <c>x-webkit-deflate-frame</c> and other extensions (their RSV bits are invalid frames here).
/// </para>
/// </summary>
public sealed class WebSocketReader
{
    /// <summary>Payload kept per message; the rest of a longer message is skipped (and the message delivered truncated).</summary>
    public const int MaxMessageLength = 64 * 1024;

    /// <summary>
    /// Longest frame taken as WebSocket (4 GiB): RFC 6455 allows 2^63 - 1, but no web miner sends gigabyte frames and a
    /// huge length in garbage would otherwise make the reader skip the rest of the stream.
    /// </summary>
    public const long MaxFrameLength = 1L << 32;

    /// <summary>Compressed bytes kept per permessage-deflate message; past this the message is inflated as far as it goes and delivered truncated.</summary>
    public const int MaxCompressedLength = 64 * 1024;

    /// <summary>Control frames carry at most 125 bytes (RFC 6455 §5.5).</summary>
    public const int MaxControlPayloadLength = 125;

    /// <summary>The close code reported when a Close frame has no body (RFC 6455 §7.1.5).</summary>
    public const ushort CloseCodeNoStatus = 1005;

    private const int MaxHeaderLength = 14;
    private const int MaskKeyLength = 4;
    private const byte FinBit = 0x80;
    private const byte Rsv1Bit = 0x40;
    private const byte Rsv23Bits = 0x30;
    private const byte OpcodeBits = 0x0F;
    private const byte MaskBit = 0x80;
    private const byte LengthBits = 0x7F;
    private const int Length16 = 126;
    private const int Length64 = 127;
    private const int InitialBufferLength = 256;

    /// <summary>RFC 7692 §7.2.2: the sender removes this empty stored block's tail; the receiver appends it again.</summary>
    private static ReadOnlySpan<byte> SyncFlushTail => [0x00, 0x00, 0xFF, 0xFF];

    private readonly byte[] _header = new byte[MaxHeaderLength];
    private readonly byte[] _maskKey = new byte[MaskKeyLength];
    private readonly byte[] _control = new byte[MaxControlPayloadLength];
    private byte[] _message = [];
    private byte[] _compressed = [];
    private WebSocketInflater? _inflater;

    private bool _fromClient;
    private bool _perMessageDeflate;
    private bool _reportedUnmasked;
    private bool _reportedMaskedServer;

    // The frame being read.
    private int _headerLength;
    private bool _inPayload;
    private long _remaining;
    private bool _masked;
    private int _maskIndex;
    private WebSocketOpcode _frameOpcode;
    private bool _frameFin;
    private int _controlLength;

    // The data message being assembled; Continuation = none.
    private WebSocketOpcode _messageOpcode;
    private bool _messageCompressed;
    private bool _messageTruncated;
    private int _messageLength;
    private int _compressedLength;

    public WebSocketReader(bool fromClient, bool perMessageDeflate = false) => Reset(fromClient, perMessageDeflate);

    /// <summary>A Close frame was seen, or the stream is beyond repair: <see cref="Feed"/> ignores further input.</summary>
    public bool IsClosed { get; private set; }

    /// <summary>Frames read completely (data and control), for statistics and tests.</summary>
    public long FrameCount { get; private set; }

    /// <summary>Of those, control frames (Close, Ping, Pong), for statistics and tests.</summary>
    public long ControlFrameCount { get; private set; }

    /// <summary>Makes the reader as new for another connection, keeping its buffers (pooling).</summary>
    public void Reset(bool fromClient, bool perMessageDeflate)
    {
        _fromClient = fromClient;
        _perMessageDeflate = perMessageDeflate;
        _reportedUnmasked = false;
        _reportedMaskedServer = false;
        _headerLength = 0;
        _inPayload = false;
        _remaining = 0;
        _masked = false;
        _maskIndex = 0;
        _frameOpcode = WebSocketOpcode.Continuation;
        _frameFin = false;
        _controlLength = 0;
        EndMessage();
        IsClosed = false;
        FrameCount = 0;
        ControlFrameCount = 0;
        _inflater?.Reset();
    }

    /// <summary>Reads <paramref name="data"/> (the next bytes of this direction), calling <paramref name="sink"/> for each complete message, close and anomaly.</summary>
    public void Feed<TSink>(ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IWebSocketSink, allows ref struct
    {
        while (!IsClosed)
        {
            if (!_inPayload)
            {
                if (data.IsEmpty)
                    return;
                data = data[ReadHeader(data, ref sink)..];
                if (!_inPayload)
                    continue;

                // Common case: a whole unmasked, uncompressed, unfragmented message in this buffer (server frames) is
                // delivered from the caller's bytes without a copy.
                if (!_masked && _frameFin && _messageLength == 0 && !_messageCompressed && (byte)_frameOpcode is 1 or 2
                    && _remaining <= data.Length && _remaining <= MaxMessageLength)
                {
                    int length = (int)_remaining;
                    _remaining = 0;
                    _inPayload = false;
                    FrameCount++;
                    WebSocketOpcode opcode = _messageOpcode;
                    EndMessage();
                    sink.OnMessage(opcode, data[..length], truncated: false);
                    data = data[length..];
                    continue;
                }
            }

            if (_remaining > 0)
            {
                if (data.IsEmpty)
                    return;
                int n = (int)Math.Min(_remaining, data.Length);
                Payload(data[..n]);
                data = data[n..];
                _remaining -= n;
                if (_remaining > 0)
                    return;
            }

            CompleteFrame(ref sink);
        }
    }

    /// <summary>Buffers header bytes until the header (2–14 bytes) is complete, then starts the frame; returns bytes used.</summary>
    private int ReadHeader<TSink>(ReadOnlySpan<byte> data, ref TSink sink)
        where TSink : IWebSocketSink, allows ref struct
    {
        int used = 0;
        while (true)
        {
            int need = 2;
            if (_headerLength >= 2)
            {
                int length7 = _header[1] & LengthBits;
                need += (length7 == Length16 ? 2 : length7 == Length64 ? 8 : 0) + ((_header[1] & MaskBit) != 0 ? MaskKeyLength : 0);
            }

            if (_headerLength >= need)
                break;
            if (used == data.Length)
                return used;
            int take = Math.Min(need - _headerLength, data.Length - used);
            data.Slice(used, take).CopyTo(_header.AsSpan(_headerLength));
            used += take;
            _headerLength += take;
        }

        StartFrame(ref sink);
        return used;
    }

    private void StartFrame<TSink>(ref TSink sink)
        where TSink : IWebSocketSink, allows ref struct
    {
        ReadOnlySpan<byte> header = _header.AsSpan(0, _headerLength);
        _headerLength = 0;
        byte first = header[0];
        bool fin = (first & FinBit) != 0;
        bool compressed = (first & Rsv1Bit) != 0;
        var opcode = (WebSocketOpcode)(first & OpcodeBits);
        _masked = (header[1] & MaskBit) != 0;
        int length7 = header[1] & LengthBits;
        long length = length7;
        int position = 2;
        if (length7 == Length16)
        {
            length = BinaryPrimitives.ReadUInt16BigEndian(header[2..]);
            position = 4;
        }
        else if (length7 == Length64)
        {
            ulong length64 = BinaryPrimitives.ReadUInt64BigEndian(header[2..]);
            position = 10;
            if (length64 > MaxFrameLength)
            {
                Fail(ref sink, (length64 >> 63) != 0 ? Anomaly.WebSocketInvalidFrame : Anomaly.WebSocketMessageTooLarge);
                return;
            }

            length = (long)length64;
        }

        if (_masked)
            header.Slice(position, MaskKeyLength).CopyTo(_maskKey);

        bool control = opcode >= WebSocketOpcode.Close;
        bool valid = opcode is WebSocketOpcode.Continuation or WebSocketOpcode.Text or WebSocketOpcode.Binary
                or WebSocketOpcode.Close or WebSocketOpcode.Ping or WebSocketOpcode.Pong
            && (first & Rsv23Bits) == 0
            && (!compressed || (_perMessageDeflate && opcode is WebSocketOpcode.Text or WebSocketOpcode.Binary))
            && (!control || (fin && length <= MaxControlPayloadLength))
            && (control || (opcode == WebSocketOpcode.Continuation) == (_messageOpcode != WebSocketOpcode.Continuation));
        if (!valid)
        {
            Fail(ref sink, Anomaly.WebSocketInvalidFrame);
            return;
        }

        if (_masked != _fromClient)
        {
            if (_fromClient && !_reportedUnmasked)
            {
                _reportedUnmasked = true;
                sink.OnAnomaly(Anomaly.WebSocketUnmaskedClientFrame);
            }
            else if (!_fromClient && !_reportedMaskedServer)
            {
                _reportedMaskedServer = true;
                sink.OnAnomaly(Anomaly.WebSocketInvalidFrame);
            }
        }

        if (!control && opcode != WebSocketOpcode.Continuation)
        {
            _messageOpcode = opcode;
            _messageCompressed = compressed;
        }

        _frameOpcode = opcode;
        _frameFin = fin;
        _remaining = length;
        _maskIndex = 0;
        _controlLength = 0;
        _inPayload = true;
    }

    /// <summary>Keeps (unmasked) what fits of a payload chunk; the rest only advances the mask position.</summary>
    private void Payload(ReadOnlySpan<byte> chunk)
    {
        Span<byte> destination;
        if (_frameOpcode >= WebSocketOpcode.Close)
        {
            destination = _control.AsSpan(_controlLength, chunk.Length);
            _controlLength += chunk.Length;
        }
        else if (_messageCompressed)
        {
            int take = Math.Min(chunk.Length, MaxCompressedLength - _compressedLength);
            if (take < chunk.Length)
                _messageTruncated = true;
            EnsureCapacity(ref _compressed, _compressedLength + take + SyncFlushTail.Length, MaxCompressedLength + SyncFlushTail.Length);
            destination = _compressed.AsSpan(_compressedLength, take);
            _compressedLength += take;
        }
        else
        {
            int take = Math.Min(chunk.Length, MaxMessageLength - _messageLength);
            if (take < chunk.Length)
                _messageTruncated = true;
            EnsureCapacity(ref _message, _messageLength + take, MaxMessageLength);
            destination = _message.AsSpan(_messageLength, take);
            _messageLength += take;
        }

        chunk[..destination.Length].CopyTo(destination);
        if (_masked)
        {
            for (int i = 0; i < destination.Length; i++)
                destination[i] ^= _maskKey[(_maskIndex + i) & (MaskKeyLength - 1)];
            _maskIndex = (_maskIndex + chunk.Length) & (MaskKeyLength - 1);
        }
    }

    private void CompleteFrame<TSink>(ref TSink sink)
        where TSink : IWebSocketSink, allows ref struct
    {
        _inPayload = false;
        FrameCount++;
        if (_frameOpcode >= WebSocketOpcode.Close)
        {
            ControlFrameCount++;
            if (_frameOpcode == WebSocketOpcode.Close)
            {
                if (_controlLength == 1)
                    sink.OnAnomaly(Anomaly.WebSocketInvalidFrame);
                ushort code = _controlLength >= 2 ? BinaryPrimitives.ReadUInt16BigEndian(_control) : CloseCodeNoStatus;
                IsClosed = true;
                sink.OnClose(code);
            }

            return;
        }

        if (_frameFin)
            Deliver(ref sink);
    }

    private void Deliver<TSink>(ref TSink sink)
        where TSink : IWebSocketSink, allows ref struct
    {
        WebSocketOpcode opcode = _messageOpcode;
        bool truncated = _messageTruncated;
        int length = _messageLength;
        // A compressed message with no payload at all is taken as empty (a DEFLATE stream would need a block header byte).
        if (_messageCompressed && _compressedLength > 0)
        {
            // The whole compressed message was kept: restore the tail so it ends on a block boundary. A cut message is
            // inflated as far as it goes.
            int compressedLength = _compressedLength;
            if (!truncated)
            {
                EnsureCapacity(ref _compressed, compressedLength + SyncFlushTail.Length, MaxCompressedLength + SyncFlushTail.Length);
                SyncFlushTail.CopyTo(_compressed.AsSpan(compressedLength));
                compressedLength += SyncFlushTail.Length;
            }

            EnsureCapacity(ref _message, MaxMessageLength, MaxMessageLength);
            _inflater ??= new WebSocketInflater();
            WebSocketInflater.Result result = _inflater.Inflate(_compressed.AsSpan(0, compressedLength), _message, out length, out bool overflow);
            if (result == WebSocketInflater.Result.Invalid || (result == WebSocketInflater.Result.Incomplete && !truncated))
                sink.OnAnomaly(Anomaly.WebSocketInvalidFrame);
            truncated |= overflow || result != WebSocketInflater.Result.Done;
            if (overflow || result == WebSocketInflater.Result.TooLarge || _messageTruncated)
                sink.OnAnomaly(Anomaly.WebSocketMessageTooLarge);
        }
        else if (truncated)
        {
            sink.OnAnomaly(Anomaly.WebSocketMessageTooLarge);
        }

        EndMessage();
        sink.OnMessage(opcode, _message.AsSpan(0, length), truncated);
    }

    private void EndMessage()
    {
        _messageOpcode = WebSocketOpcode.Continuation;
        _messageCompressed = false;
        _messageTruncated = false;
        _messageLength = 0;
        _compressedLength = 0;
    }

    private void Fail<TSink>(ref TSink sink, Anomaly anomaly)
        where TSink : IWebSocketSink, allows ref struct
    {
        IsClosed = true;
        _inPayload = false;
        sink.OnAnomaly(anomaly);
    }

    /// <summary>Grows <paramref name="buffer"/> (doubling, at most <paramref name="cap"/>) to hold <paramref name="needed"/> bytes; steady state allocates nothing.</summary>
    private static void EnsureCapacity(ref byte[] buffer, int needed, int cap)
    {
        if (buffer.Length >= needed)
            return;
        int size = Math.Max(InitialBufferLength, buffer.Length);
        while (size < needed)
            size *= 2;
        Array.Resize(ref buffer, Math.Min(size, cap));
    }
}
