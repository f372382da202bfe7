namespace Assay.Protocols.WebSocket;

/// <summary>
/// Helpers for whoever hands a connection over after <c>101 Switching Protocols</c> (RFC 6455 §4): is it WebSocket, and
/// is permessage-deflate on (RFC 7692 §5)? Field values are comma-separated lists of tokens (RFC 9110 §5.6.1), compared
/// case-insensitively.
/// </summary>
public static class WebSocketHandshake
{
    /// <summary>
    /// <see langword="true"/> when the <c>Upgrade</c> value lists the <c>websocket</c> protocol and the <c>Connection</c>
    /// value lists the <c>upgrade</c> option (check both the request's and the 101 response's fields).
    /// </summary>
    public static bool IsUpgrade(ReadOnlySpan<byte> upgradeHeaderValue, ReadOnlySpan<byte> connectionHeaderValue) =>
        ListContains(upgradeHeaderValue, "websocket"u8) && ListContains(connectionHeaderValue, "upgrade"u8);

    /// <summary>
    /// <see langword="true"/> when the server's <c>Sec-WebSocket-Extensions</c> accepts <c>permessage-deflate</c>. Its
    /// parameters (<c>*_no_context_takeover</c>, <c>*_max_window_bits</c>) need no handling: the reader's inflater keeps
    /// a full 32 KiB history, which decodes every combination.
    /// </summary>
    public static bool NegotiatesPerMessageDeflate(ReadOnlySpan<byte> secWebSocketExtensionsResponseValue)
    {
        // extension = token *( OWS ";" OWS param ), list separated by ","; a quoted parameter value may hold "," or ";".
        ReadOnlySpan<byte> value = secWebSocketExtensionsResponseValue;
        bool atName = true;
        int nameStart = 0;
        bool quoted = false;
        for (int i = 0; i <= value.Length; i++)
        {
            byte b = i < value.Length ? value[i] : (byte)',';
            if (quoted)
            {
                if (b == '\\')
                    i++;
                else if (b == '"')
                    quoted = false;
                continue;
            }

            if (b == '"')
            {
                quoted = true;
            }
            else if (b is (byte)',' or (byte)';')
            {
                if (atName && Trim(value[nameStart..i]).EqualsIgnoreCaseAscii("permessage-deflate"u8))
                    return true;
                atName = b == ',';
                nameStart = i + 1;
            }
        }

        return false;
    }

    private static bool ListContains(ReadOnlySpan<byte> list, ReadOnlySpan<byte> token)
    {
        while (!list.IsEmpty)
        {
            int comma = list.IndexOf((byte)',');
            ReadOnlySpan<byte> item = comma < 0 ? list : list[..comma];
            if (Trim(item).EqualsIgnoreCaseAscii(token))
                return true;
            list = comma < 0 ? default : list[(comma + 1)..];
        }

        return false;
    }

    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> value) => value.Trim(" \t"u8);

    private static bool EqualsIgnoreCaseAscii(this ReadOnlySpan<byte> value, ReadOnlySpan<byte> lowerCase) =>
        System.Text.Ascii.EqualsIgnoreCase(value, lowerCase);
}
