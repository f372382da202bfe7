namespace Assay.Protocols.WebSocket;

/// <summary>The frame opcodes RFC 6455 §5.2 defines; 3–7 and 11–15 are reserved (an invalid frame).</summary>
public enum WebSocketOpcode : byte
{
    Continuation = 0,
    Text = 1,
    Binary = 2,
    Close = 8,
    Ping = 9,
    Pong = 10,
}
