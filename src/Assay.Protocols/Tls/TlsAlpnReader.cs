namespace Assay.Protocols.Tls;

/// <summary>
/// Walks an ALPN <c>protocol_name_list</c> (RFC 7301 §3.1): <c>opaque ProtocolName&lt;1..2^8-1&gt;</c>, repeated.
/// An entry that overruns the list ends the walk.
/// </summary>
public ref struct TlsAlpnReader(ReadOnlySpan<byte> protocolNameList)
{
    private TlsSpanReader _reader = new(protocolNameList);

    public bool TryReadNext(out ReadOnlySpan<byte> protocol) => _reader.TryReadVector8(out protocol);
}
