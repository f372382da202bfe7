using System.Buffers.Binary;
using System.Text;
using Assay.Decoding;
using Assay.Decoding.Network;

namespace Assay.Protocols.Socks;

/// <summary>
/// Both directions of one connection's SOCKS handshake: SOCKS5 (RFC 1928) with the username/password sub-negotiation
/// (RFC 1929), SOCKS4 and SOCKS4a.
/// <code>
/// SOCKS5  client: greeting  | VER=5 | NMETHODS | METHODS (1..255) |
///         server: choice    | VER=5 | METHOD |                       00 none, 02 username/password, FF none acceptable
///         client: auth      | VER=1 | ULEN | UNAME | PLEN | PASSWD |  (RFC 1929, only when 02 was offered)
///         server: status    | VER=1 | STATUS |                       00 success
///         client: request   | VER=5 | CMD | RSV=0 | ATYP | DST.ADDR | DST.PORT |   ATYP 1 IPv4, 3 length+name, 4 IPv6
///         server: reply     | VER=5 | REP | RSV=0 | ATYP | BND.ADDR | BND.PORT |   REP 00 succeeded
/// SOCKS4  client: request   | VN=4 | CD | DSTPORT(2) | DSTIP(4) | USERID | NUL |  [4a: DSTIP 0.0.0.x, x != 0, then DOMAIN | NUL]
///         server: reply     | VN=0 | CD | DSTPORT(2) | DSTIP(4) |                 CD 90 granted, 91-93 refused
/// </code>
/// BIND is answered by two replies (the second once the remote side connected); the tunnel starts after the second.
/// <para>
/// Contract of <see cref="Feed"/>: it consumes only whole handshake messages and buffers nothing. It returns how many
/// bytes at the start of <c>data</c> are handshake messages it read (0 when the next message is not complete: the caller
/// keeps the unconsumed bytes and calls again with them followed by more). At most <see cref="MaxMessageLength"/> bytes
/// are ever needed to complete a message; a SOCKS4 user id or name that long without its NUL fails the handshake. Once a
/// direction's part is over (<see cref="ClientComplete"/>, <see cref="ServerComplete"/>) Feed consumes nothing more from
/// it: every later byte of that direction (including bytes the client sends optimistically before the reply) is tunnel
/// payload once <see cref="State"/> is <see cref="SocksState.Tunnel"/>. Messages pipelined in one segment (greeting and
/// request together) are all consumed in one call.
/// </para>
/// <para>
/// The username is kept (<see cref="UserName"/>) and the password never is. After a method other than "none" or
/// username/password (GSSAPI, private methods) the encapsulation cannot be followed: State becomes Failed without an
/// anomaly, as for a refused request or failed authentication. Invalid bytes add
/// <see cref="Anomaly.SocksInvalidHandshake"/> and set <see cref="SocksState.Failed"/>.
/// </para>
/// </summary>
public sealed class SocksHandshake
{
    /// <summary>The longest message the handshake ever needs whole: RFC 1929's 1 + 1 + 255 + 1 + 255; SOCKS4 requests are capped to this too.</summary>
    public const int MaxMessageLength = 513;

    /// <summary>Longest SOCKS4 USERID or 4a domain name accepted (the terminating NUL must come within this many bytes).</summary>
    public const int MaxSocks4FieldLength = 255;

    public const byte CommandConnect = 1;
    public const byte CommandBind = 2;
    public const byte CommandUdpAssociate = 3;
    public const byte MethodNoAuthentication = 0x00;
    public const byte MethodUsernamePassword = 0x02;
    public const byte MethodNoneAcceptable = 0xFF;
    public const byte Socks5Succeeded = 0x00;
    public const byte Socks4Granted = 90;

    private const byte Version4 = 4;
    private const byte Version5 = 5;
    private const byte AuthenticationVersion = 1;
    private const byte AddressIPv4 = 1;
    private const byte AddressDomain = 3;
    private const byte AddressIPv6 = 4;
    private const int Socks4FixedLength = 8;
    private const int Socks5RequestFixedLength = 4;
    private const int PortLength = 2;
    private const int IPv4Length = 4;
    private const int IPv6Length = 16;

    private ClientStep _client;
    private ServerStep _server;
    private bool _offeredUsernamePassword;
    private int _repliesSeen;

    private enum ClientStep : byte { Greeting, AuthenticationOrRequest, Request, Done }

    private enum ServerStep : byte { Method, AuthenticationStatus, Reply, Done }

    public SocksState State { get; private set; }

    /// <summary>4 or 5 (0 before the first client byte).</summary>
    public byte Version { get; private set; }

    /// <summary>1 CONNECT, 2 BIND, 3 UDP ASSOCIATE (SOCKS4 has only the first two).</summary>
    public byte Command { get; private set; }

    /// <summary>The requested domain name (SOCKS5 ATYP 3, SOCKS4a) or the requested address as text.</summary>
    public string? TargetHost { get; private set; }

    /// <summary>The requested IP address when one was given (IPv4 mapped into ::ffff:0:0/96, as FlowKey); 0 for a name.</summary>
    public UInt128 TargetAddress { get; private set; }

    public ushort TargetPort { get; private set; }

    /// <summary>The server's answer to the request: 0 = succeeded (v5), 90 = granted (v4).</summary>
    public byte ReplyCode { get; private set; }

    /// <summary>The method the SOCKS5 server chose (0xFF none acceptable); 0 for SOCKS4 or before the choice.</summary>
    public byte Method { get; private set; }

    /// <summary>A username/password sub-negotiation (RFC 1929) was seen. The password is never kept.</summary>
    public bool UsedAuthentication { get; private set; }

    /// <summary>The server rejected the username/password.</summary>
    public bool AuthenticationFailed { get; private set; }

    /// <summary>The RFC 1929 username or the SOCKS4 USERID when not empty.</summary>
    public string? UserName { get; private set; }

    /// <summary>The address in the (last) reply when it is an IP (mapped as <see cref="TargetAddress"/>).</summary>
    public UInt128 BoundAddress { get; private set; }

    public ushort BoundPort { get; private set; }

    /// <summary>The client sent its request: later client bytes belong to the tunnel.</summary>
    public bool ClientComplete => _client == ClientStep.Done;

    /// <summary>The server sent its (last) reply: later server bytes belong to the tunnel.</summary>
    public bool ServerComplete => _server == ServerStep.Done;

    /// <summary>Handshake bytes read from the client's direction: where its tunnelled stream starts.</summary>
    public long ClientBytes { get; private set; }

    /// <summary>Handshake bytes read from the server's direction: where its tunnelled stream starts.</summary>
    public long ServerBytes { get; private set; }

    /// <summary>
    /// Strict first-segment test: a whole SOCKS5 greeting (05, NMETHODS 1..255, that many methods, none 0xFF) followed by
    /// nothing or by the start of a request (or of the RFC 1929 message when 02 was offered); or a SOCKS4/4a CONNECT or
    /// BIND with a non-zero port and address and a printable NUL-terminated user id (and host name for 4a). Never true for
    /// HTTP, TLS, JSON or SSH, whose first bytes are letters, 0x16 or '{'.
    /// </summary>
    public static bool LooksLikeSocks(ReadOnlySpan<byte> firstClientBytes)
    {
        ReadOnlySpan<byte> data = firstClientBytes;
        if (data.Length < 2)
            return false;
        if (data[0] == Version5)
        {
            int count = data[1];
            if (count == 0 || data.Length < 2 + count)
                return false;
            ReadOnlySpan<byte> methods = data.Slice(2, count);
            if (methods.Contains(MethodNoneAcceptable))
                return false;
            ReadOnlySpan<byte> rest = data[(2 + count)..];
            if (rest.IsEmpty)
                return true;
            if (rest[0] == AuthenticationVersion && methods.Contains(MethodUsernamePassword))
                return rest.Length >= 2 && rest[1] != 0;
            return rest.Length >= Socks5RequestFixedLength && rest[0] == Version5 && rest[1] is >= CommandConnect and <= CommandUdpAssociate
                && rest[2] == 0 && rest[3] is AddressIPv4 or AddressDomain or AddressIPv6;
        }

        if (data[0] != Version4 || data.Length < Socks4FixedLength + 1 || data[1] is not (CommandConnect or CommandBind))
            return false;
        ushort port = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        uint ip = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        if (port == 0 || ip == 0)
            return false;
        int userEnd = FindNul(data[Socks4FixedLength..]);
        if (userEnd < 0 || !IsPrintable(data.Slice(Socks4FixedLength, userEnd)))
            return false;
        if (ip > 0xFF)
            return true;
        ReadOnlySpan<byte> domain = data[(Socks4FixedLength + userEnd + 1)..];
        int domainEnd = FindNul(domain);
        return domainEnd > 0 && IsHostName(domain[..domainEnd]);
    }

    /// <summary>
    /// Reads the whole handshake messages at the start of <paramref name="data"/> (bytes of the client's direction when
    /// <paramref name="fromClient"/>) and returns how many bytes they take: 0..data.Length. Unconsumed bytes are either an
    /// incomplete message (call again with them and more) or, once this direction is complete, tunnel payload.
    /// </summary>
    public int Feed(bool fromClient, ReadOnlySpan<byte> data, ref AnomalySet anomalies)
    {
        int consumed = 0;
        while (State == SocksState.Handshake && consumed < data.Length)
        {
            int n = fromClient ? ClientMessage(data[consumed..], ref anomalies) : ServerMessage(data[consumed..], ref anomalies);
            if (n <= 0)
                break;
            consumed += n;
            if (_client == ClientStep.Done && _server == ServerStep.Done && State == SocksState.Handshake)
                State = SocksState.Tunnel;
        }

        if (fromClient)
            ClientBytes += consumed;
        else
            ServerBytes += consumed;
        return consumed;
    }

    /// <summary>Forgets everything (another connection).</summary>
    public void Reset()
    {
        _client = ClientStep.Greeting;
        _server = ServerStep.Method;
        _offeredUsernamePassword = false;
        _repliesSeen = 0;
        ClientBytes = 0;
        ServerBytes = 0;
        State = SocksState.Handshake;
        Version = 0;
        Command = 0;
        TargetHost = null;
        TargetAddress = 0;
        TargetPort = 0;
        ReplyCode = 0;
        Method = 0;
        UsedAuthentication = false;
        AuthenticationFailed = false;
        UserName = null;
        BoundAddress = 0;
        BoundPort = 0;
    }

    /// <summary>One client message: bytes consumed, 0 need more (or nothing left to read), -1 invalid.</summary>
    private int ClientMessage(ReadOnlySpan<byte> data, ref AnomalySet anomalies)
    {
        switch (_client)
        {
            case ClientStep.Greeting:
                if (data[0] == Version4)
                {
                    Version = Version4;
                    return Socks4Request(data, ref anomalies);
                }

                if (data[0] != Version5)
                    return Invalid(ref anomalies);
                Version = Version5;
                if (data.Length < 2)
                    return 0;
                int count = data[1];
                if (count == 0)
                    return Invalid(ref anomalies);
                if (data.Length < 2 + count)
                    return 0;
                _offeredUsernamePassword = data.Slice(2, count).Contains(MethodUsernamePassword);
                _client = ClientStep.AuthenticationOrRequest;
                return 2 + count;

            case ClientStep.AuthenticationOrRequest:
                if (data[0] == AuthenticationVersion && _offeredUsernamePassword)
                    return Authentication(data, ref anomalies);
                return Socks5Request(data, ref anomalies);

            case ClientStep.Request:
                return Socks5Request(data, ref anomalies);

            default:
                return 0;
        }
    }

    /// <summary>RFC 1929: VER=1 ULEN UNAME PLEN PASSWD. The password is skipped, never copied.</summary>
    private int Authentication(ReadOnlySpan<byte> data, ref AnomalySet anomalies)
    {
        if (data.Length < 2)
            return 0;
        int userLength = data[1];
        if (userLength == 0)
            return Invalid(ref anomalies);
        if (data.Length < 2 + userLength + 1)
            return 0;
        int passwordLength = data[2 + userLength];
        int total = 2 + userLength + 1 + passwordLength;
        if (data.Length < total)
            return 0;
        UsedAuthentication = true;
        UserName = Encoding.UTF8.GetString(data.Slice(2, userLength));
        _client = ClientStep.Request;
        return total;
    }

    private int Socks5Request(ReadOnlySpan<byte> data, ref AnomalySet anomalies)
    {
        if (data[0] != Version5)
            return Invalid(ref anomalies);
        if (data.Length < Socks5RequestFixedLength)
            return data.Length >= 2 && data[1] is not (>= CommandConnect and <= CommandUdpAssociate) ? Invalid(ref anomalies) : 0;
        if (data[1] is not (>= CommandConnect and <= CommandUdpAssociate) || data[2] != 0)
            return Invalid(ref anomalies);
        int length = Socks5Address(data, out UInt128 address, out string? host, out ushort port);
        if (length < 0)
            return Invalid(ref anomalies);
        if (length == 0)
            return 0;
        Command = data[1];
        TargetAddress = address;
        TargetHost = host;
        TargetPort = port;
        _client = ClientStep.Done;
        return length;
    }

    /// <summary>
    /// The ATYP/ADDR/PORT part of a request or reply (starting at offset 3): total message length, 0 incomplete, -1
    /// invalid. <paramref name="host"/> is only made for requests (<see cref="_client"/> not done).
    /// </summary>
    private int Socks5Address(ReadOnlySpan<byte> data, out UInt128 address, out string? host, out ushort port)
    {
        address = 0;
        host = null;
        port = 0;
        int start = Socks5RequestFixedLength;
        int length;
        switch (data[3])
        {
            case AddressIPv4:
                length = IPv4Length;
                break;
            case AddressIPv6:
                length = IPv6Length;
                break;
            case AddressDomain:
                if (data.Length < start + 1)
                    return 0;
                length = data[start];
                if (length == 0)
                    return -1;
                start++;
                break;
            default:
                return -1;
        }

        int total = start + length + PortLength;
        if (data.Length < total)
            return 0;
        ReadOnlySpan<byte> value = data.Slice(start, length);
        port = BinaryPrimitives.ReadUInt16BigEndian(data[(start + length)..]);
        bool request = _client != ClientStep.Done;
        switch (data[3])
        {
            case AddressIPv4:
                address = IPv4Header.ToMapped(BinaryPrimitives.ReadUInt32BigEndian(value));
                host = request ? SocksAddressText.FormatIPv4(value) : null;
                break;
            case AddressIPv6:
                address = IPv6Header.ReadAddress(value);
                host = request ? SocksAddressText.FormatIPv6(value) : null;
                break;
            default:
                host = request ? Encoding.UTF8.GetString(value) : null;
                break;
        }

        return total;
    }

    private int Socks4Request(ReadOnlySpan<byte> data, ref AnomalySet anomalies)
    {
        if (data.Length >= 2 && data[1] is not (CommandConnect or CommandBind))
            return Invalid(ref anomalies);
        if (data.Length < Socks4FixedLength)
            return 0;
        ReadOnlySpan<byte> rest = data[Socks4FixedLength..];
        int userEnd = FindNul(rest);
        if (userEnd < 0)
            return rest.Length > MaxSocks4FieldLength ? Invalid(ref anomalies) : 0;
        int total = Socks4FixedLength + userEnd + 1;
        uint ip = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        string? host = null;
        if (ip is > 0 and <= 0xFF)
        {
            // SOCKS4a: 0.0.0.x asks the server to resolve the name that follows the user id.
            ReadOnlySpan<byte> name = data[total..];
            int nameEnd = FindNul(name);
            if (nameEnd < 0)
                return name.Length > MaxSocks4FieldLength ? Invalid(ref anomalies) : 0;
            if (nameEnd == 0)
                return Invalid(ref anomalies);
            host = Encoding.UTF8.GetString(name[..nameEnd]);
            total += nameEnd + 1;
        }
        else
        {
            TargetAddress = IPv4Header.ToMapped(ip);
            host = SocksAddressText.FormatIPv4(data.Slice(4, IPv4Length));
        }

        Command = data[1];
        TargetPort = BinaryPrimitives.ReadUInt16BigEndian(data[2..]);
        TargetHost = host;
        if (userEnd > 0)
            UserName = Encoding.UTF8.GetString(rest[..userEnd]);
        _client = ClientStep.Done;
        return total;
    }

    /// <summary>One server message: bytes consumed, 0 need more (or not expected yet), -1 invalid.</summary>
    private int ServerMessage(ReadOnlySpan<byte> data, ref AnomalySet anomalies)
    {
        if (Version == 0 || _server == ServerStep.Done)
            return 0;
        if (Version == Version4)
            return Socks4Reply(data, ref anomalies);

        switch (_server)
        {
            case ServerStep.Method:
                if (data[0] != Version5)
                    return Invalid(ref anomalies);
                if (data.Length < 2)
                    return 0;
                Method = data[1];
                if (Method == MethodUsernamePassword)
                    _server = ServerStep.AuthenticationStatus;
                else if (Method == MethodNoAuthentication)
                    _server = ServerStep.Reply;
                else
                    State = SocksState.Failed;
                return 2;

            case ServerStep.AuthenticationStatus:
                // RFC 1929 says VER=1; some servers answer with 5.
                if (data[0] is not (AuthenticationVersion or Version5))
                    return Invalid(ref anomalies);
                if (data.Length < 2)
                    return 0;
                AuthenticationFailed = data[1] != 0;
                _server = ServerStep.Reply;
                if (AuthenticationFailed)
                    State = SocksState.Failed;
                return 2;

            default:
                if (data[0] != Version5)
                    return Invalid(ref anomalies);
                if (data.Length < Socks5RequestFixedLength)
                    return 0;
                if (data[2] != 0)
                    return Invalid(ref anomalies);
                int length = Socks5Address(data, out UInt128 address, out _, out ushort port);
                if (length < 0)
                    return Invalid(ref anomalies);
                if (length == 0)
                    return 0;
                Reply(data[1], address, port, Socks5Succeeded);
                return length;
        }
    }

    private int Socks4Reply(ReadOnlySpan<byte> data, ref AnomalySet anomalies)
    {
        // VN is 0; a few servers echo 4.
        if (data[0] is not (0 or Version4) || (data.Length >= 2 && data[1] is < Socks4Granted or > 93))
            return Invalid(ref anomalies);
        if (data.Length < Socks4FixedLength)
            return 0;
        uint ip = BinaryPrimitives.ReadUInt32BigEndian(data[4..]);
        Reply(data[1], ip == 0 ? 0 : IPv4Header.ToMapped(ip), BinaryPrimitives.ReadUInt16BigEndian(data[2..]), Socks4Granted);
        return Socks4FixedLength;
    }

    private void Reply(byte code, UInt128 address, ushort port, byte success)
    {
        ReplyCode = code;
        BoundAddress = address;
        BoundPort = port;
        _repliesSeen++;
        if (code != success)
        {
            _server = ServerStep.Done;
            State = SocksState.Failed;
        }
        else if (Command != CommandBind || _repliesSeen >= 2)
        {
            _server = ServerStep.Done;
        }
    }

    private int Invalid(ref AnomalySet anomalies)
    {
        anomalies.Add(Anomaly.SocksInvalidHandshake);
        State = SocksState.Failed;
        return -1;
    }

    /// <summary>Index of the first NUL within <see cref="MaxSocks4FieldLength"/> + 1 bytes, or -1.</summary>
    private static int FindNul(ReadOnlySpan<byte> data) =>
        data[..Math.Min(data.Length, MaxSocks4FieldLength + 1)].IndexOf((byte)0);

    private static bool IsPrintable(ReadOnlySpan<byte> value) => !value.ContainsAnyExceptInRange((byte)0x20, (byte)0x7E);

    private static bool IsHostName(ReadOnlySpan<byte> value)
    {
        foreach (byte b in value)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'.' or (byte)'_' or (byte)':'))
                return false;
        }

        return true;
    }
}
