using System.Text;
using Assay.Protocols.Tests.TestSupport;
using Assay.Protocols.WebSocket;

namespace Assay.Protocols.Tests.WebSocket;

/// <summary>
/// The WebSocket connections of a capture, found as the integrator will: an HTTP request with <c>Upgrade: websocket</c>
/// answered <c>101</c>; the bytes after each head go to a <see cref="WebSocketReader"/> per direction, with
/// permessage-deflate when the response's Sec-WebSocket-Extensions accepts it. Streams come from the test-side
/// <see cref="TcpStreams"/> (in-order payload up to the first hole).
/// </summary>
internal static class WebSocketCapture
{
    public sealed record Session(string Name, bool Deflate, WebSocketLog Client, WebSocketLog Server, WebSocketReader ClientReader, WebSocketReader ServerReader,
        byte[] ClientPayload, byte[] ServerPayload);

    public static List<Session> Run(string path)
    {
        var sessions = new List<Session>();
        Dictionary<string, TcpStreams.Connection>? connections = TcpStreams.Read(path);
        if (connections is null)
            return sessions;
        foreach ((string key, TcpStreams.Connection connection) in connections)
        {
            TcpStreams.Direction client = connection.Second.SentSyn && !connection.First.SentSyn ? connection.Second : connection.First;
            TcpStreams.Direction server = client == connection.First ? connection.Second : connection.First;
            byte[] clientStream = client.Stream(), serverStream = server.Stream();
            int response = IndexOf(serverStream, "HTTP/1.1 101"u8);
            if (response < 0)
                continue;
            int responseEnd = IndexOf(serverStream.AsSpan(response), "\r\n\r\n"u8);
            int request = IndexOfIgnoreCase(clientStream, "upgrade: websocket"u8);
            if (responseEnd < 0 || request < 0)
                continue;
            int requestEnd = IndexOf(clientStream.AsSpan(request), "\r\n\r\n"u8);
            if (requestEnd < 0)
                continue;
            string head = Encoding.Latin1.GetString(serverStream, response, responseEnd);
            bool deflate = false;
            foreach (string line in head.Split("\r\n"))
            {
                int colon = line.IndexOf(':', StringComparison.Ordinal);
                if (colon > 0 && line[..colon].Trim().Equals("Sec-WebSocket-Extensions", StringComparison.OrdinalIgnoreCase))
                    deflate |= WebSocketHandshake.NegotiatesPerMessageDeflate(Encoding.Latin1.GetBytes(line[(colon + 1)..]));
            }

            byte[] clientPayload = clientStream[(request + requestEnd + 4)..];
            byte[] serverPayload = serverStream[(response + responseEnd + 4)..];
            WebSocketLog clientLog = WebSocketLog.Run(clientPayload, true, deflate, [], out WebSocketReader clientReader);
            WebSocketLog serverLog = WebSocketLog.Run(serverPayload, false, deflate, [], out WebSocketReader serverReader);
            sessions.Add(new Session(key, deflate, clientLog, serverLog, clientReader, serverReader, clientPayload, serverPayload));
        }

        return sessions;
    }

    private static int IndexOf(ReadOnlySpan<byte> data, ReadOnlySpan<byte> value) => data.IndexOf(value);

    private static int IndexOfIgnoreCase(byte[] data, ReadOnlySpan<byte> lowerCase)
    {
        for (int i = 0; i + lowerCase.Length <= data.Length; i++)
        {
            if (System.Text.Ascii.EqualsIgnoreCase(data.AsSpan(i, lowerCase.Length), lowerCase))
                return i;
        }

        return -1;
    }
}
