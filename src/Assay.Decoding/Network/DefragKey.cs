namespace Assay.Decoding.Network;

/// <summary>
/// Identifies the datagram a fragment belongs to. IPv4 (RFC 791 §3.2): source, destination, protocol, identification.
/// IPv6 (RFC 8200 §4.5): source, destination, identification — the protocol is left out (0) because only the offset-0
/// fragment's next-header counts and later fragments may carry a different one.
/// </summary>
/// <remarks>A <see langword="record struct"/>: its generated <see cref="IEquatable{T}"/> keeps dictionary lookups free of boxing.</remarks>
internal readonly record struct DefragKey(UInt128 Source, UInt128 Destination, uint Identification, byte Version, byte Protocol);
