using Assay.Decoding;

namespace Assay.Protocols.WebSocket;

/// <summary>Receives what a <see cref="WebSocketReader"/> finds in one direction of a connection.</summary>
public interface IWebSocketSink
{
    /// <summary>
    /// A complete data message: fragments joined, unmasked, permessage-deflate inflated if negotiated. The span is valid
    /// only during the call. <paramref name="truncated"/>: the message was longer than
    /// <see cref="WebSocketReader.MaxMessageLength"/> (or its inflation failed) and only its first bytes are given.
    /// </summary>
    void OnMessage(WebSocketOpcode opcode, ReadOnlySpan<byte> payload, bool truncated);

    /// <summary>A Close frame: its status code, 1005 when the frame carried none (RFC 6455 §7.1.5).</summary>
    void OnClose(ushort code);

    void OnAnomaly(Anomaly anomaly);
}
