using Assay.Protocols.WebSocket;

namespace Assay.Protocols.Tests.WebSocket;

public class WebSocketHandshakeTests
{
    [Theory]
    [InlineData("websocket", "Upgrade", true)]
    [InlineData("WebSocket", "keep-alive, Upgrade", true)]
    [InlineData(" websocket ", "upgrade ,keep-alive", true)]
    [InlineData("h2c, websocket", "Upgrade", true)]
    [InlineData("websocket", "keep-alive", false)]
    [InlineData("h2c", "Upgrade", false)]
    [InlineData("websockets", "Upgrade", false)]
    [InlineData("", "", false)]
    public void IsUpgradeMatchesTokensCaseInsensitively(string upgrade, string connection, bool expected) =>
        Assert.Equal(expected, WebSocketHandshake.IsUpgrade(System.Text.Encoding.ASCII.GetBytes(upgrade), System.Text.Encoding.ASCII.GetBytes(connection)));

    [Theory]
    [InlineData("permessage-deflate", true)]
    [InlineData("permessage-deflate; client_max_window_bits=15", true)]
    [InlineData("Permessage-Deflate;server_no_context_takeover", true)]
    [InlineData("x-webkit-deflate-frame", false)]
    [InlineData("foo; bar=\"permessage-deflate, x\", permessage-deflate", true)]
    [InlineData("foo; bar=\"a, permessage-deflate\"", false)]
    [InlineData("foo; permessage-deflate", false)]
    [InlineData("", false)]
    public void NegotiatesPerMessageDeflateReadsExtensionNamesOnly(string value, bool expected) =>
        Assert.Equal(expected, WebSocketHandshake.NegotiatesPerMessageDeflate(System.Text.Encoding.ASCII.GetBytes(value)));
}
