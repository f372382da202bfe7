namespace Assay.Decoding;

/// <summary>
/// Every named way input can be malformed or hit a cap. Output uses the stable dotted name from
/// <see cref="AnomalyNames.Get"/>; never rename a member that has shipped (rules and stored events use the names; numbers are not persisted, so sections
/// may grow in the middle).
/// </summary>
public enum Anomaly : ushort
{
    None = 0,

    // Link layer
    EthernetPacketTooSmall,
    VlanHeaderTooSmall,
    VlanTooManyLayers,
    MplsHeaderTooSmall,
    MplsTooManyLabels,
    MplsUnknownPayload,
    SllPacketTooSmall,
    Sll2PacketTooSmall,
    NullPacketTooSmall,
    NullUnknownFamily,
    LinkTypeUnsupported,
    EtherTypeUnknown,
    ArpPacketTooSmall,

    // IPv4
    IPv4PacketTooSmall,
    IPv4WrongVersion,
    IPv4HeaderLengthTooSmall,
    IPv4HeaderLengthPastEnd,
    IPv4TotalLengthTooSmall,
    IPv4TotalLengthPastEnd,
    IPv4ChecksumInvalid,
    IPv4OptionInvalid,
    IPv4OptionLengthInvalid,

    // IPv6
    IPv6PacketTooSmall,
    IPv6WrongVersion,
    IPv6PayloadLengthPastEnd,
    IPv6ExtensionHeaderTooSmall,
    IPv6ExtensionHeaderPastEnd,
    IPv6TooManyExtensionHeaders,
    IPv6HopByHopNotFirst,

    // Fragments (IPv4 and IPv6)
    FragmentOverlap,
    FragmentOverlapDifferentData,
    FragmentTooLarge,
    FragmentInvalidLength,
    FragmentTimeout,
    FragmentDatagramCapReached,
    FragmentGlobalCapReached,

    // TCP
    TcpPacketTooSmall,
    TcpHeaderLengthTooSmall,
    TcpHeaderLengthPastEnd,
    TcpOptionInvalid,
    TcpOptionLengthInvalid,
    TcpInvalidFlags,

    // UDP
    UdpPacketTooSmall,
    UdpLengthTooSmall,
    UdpLengthPastEnd,

    // ICMP / ICMPv6
    IcmpPacketTooSmall,
    IcmpV6PacketTooSmall,
    IcmpV6WrongIPVersion,

    // Other transport
    SctpPacketTooSmall,

    // Capture-level
    PacketTruncatedBySnapLength,

    // Flow table
    FlowTableFull,

    // Added with the decoders (appended so earlier numbers stay put)
    IPRawInvalidVersion,
    IPv6OptionLengthInvalid,
    IPv6RoutingType0,
    IPv6DuplicateFragmentHeader,
    IPv6AtomicFragment,
    IPv6IcmpV4,
    TcpOptionDuplicate,

    // TCP stream reassembly (stream.*): add new members at the end of this section
    StreamOverlapDifferentData,
    StreamGap,
    StreamDepthReached,
    StreamBufferLimit,
    StreamSegmentLimit,
    StreamMemcap,
    StreamDataAfterFin,

    // DNS (dns.*): add new members at the end of this section
    DnsMalformed,
    DnsMessageTruncated,
    DnsPointerLoop,
    DnsNameTooLong,
    DnsNameLabelLimit,
    DnsForwardPointer,
    DnsTooManyRecords,
    DnsZFlagSet,
    DnsInvalidOpcode,
    DnsTooManyTransactions,
    DnsUnmatchedResponse,

    // HTTP (http.*): add new members at the end of this section
    HttpRequestLineTooLong,
    HttpHeaderBlockTooLarge,
    HttpTooManyHeaders,
    HttpInvalidRequestLine,
    HttpInvalidStatusLine,
    HttpInvalidHeader,
    HttpObsoleteLineFolding,
    HttpContentLengthInvalid,
    HttpContentLengthLeadingZeros,
    HttpContentLengthMultiple,
    HttpContentLengthAndChunked,
    HttpTransferEncodingInvalid,
    HttpChunkSizeInvalid,
    HttpChunkLineTooLong,
    HttpChunkMissingCrlf,
    HttpContentLengthZeroExpectContinue,
    HttpUnmatchedResponse,
    HttpTooManyTransactions,
    HttpGapLostSync,
    HttpDecompressionBomb,
    HttpDecompressionFailed,
    HttpDecodedLengthLimit,
    HttpChunkSizeJunk,
    HttpBareCarriageReturn,
    HttpUnexpectedBody,

    // TLS (tls.*): add new members at the end of this section
    TlsInvalidRecord,
    TlsInvalidRecordType,
    TlsInvalidRecordVersion,
    TlsInvalidHandshakeMessage,
    TlsHandshakeInvalidLength,
    TlsHandshakeMessageTooLong,
    TlsInvalidSniType,
    TlsInvalidSniLength,
    TlsMultipleSniExtensions,
    TlsInvalidCertificate,
    TlsCertificateInvalidDer,
    TlsCertificateChainTooLong,
    TlsHeartbeatMessage,

    // Mining protocols (mining.*): add new members at the end of this section
    MiningLineTooLong,
    MiningInvalidJson,
    MiningJsonTooDeep,
    MiningTooManyPending,
    MiningNotJson,

    // WebSocket (websocket.*): add new members at the end of this section
    WebSocketInvalidFrame,
    WebSocketMessageTooLarge,
    WebSocketUnmaskedClientFrame,

    // SOCKS (socks.*): add new members at the end of this section
    SocksInvalidHandshake,
}
