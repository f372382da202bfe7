namespace Assay.Protocols.Socks;

/// <summary>Where a SOCKS handshake stands (<see cref="SocksHandshake.State"/>).</summary>
public enum SocksState : byte
{
    /// <summary>Still negotiating.</summary>
    Handshake,

    /// <summary>The request was granted: the bytes after the handshake, in each direction, are the tunnelled stream.</summary>
    Tunnel,

    /// <summary>Invalid bytes, or a handshake that ended without a tunnel (refused request, failed authentication, no acceptable or an unfollowable method).</summary>
    Failed,
}
