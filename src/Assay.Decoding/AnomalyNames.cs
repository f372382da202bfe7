namespace Assay.Decoding;

/// <summary>Stable dotted names for <see cref="Anomaly"/> members, as Suricata names decoder events and Zeek names weirds.</summary>
public static class AnomalyNames
{
    /// <summary>The highest <see cref="Anomaly"/> member; the name table is sized from it and must name every member.</summary>
    internal static readonly Anomaly Last = (Anomaly)(Enum.GetValues<Anomaly>().Length - 1);

    private static readonly string[] s_names = Build();

    /// <summary>The stable output name, e.g. <c>tcp.hlen_too_small</c>.</summary>
    public static string Get(Anomaly anomaly) => (uint)anomaly < (uint)s_names.Length ? s_names[(int)anomaly] : "unknown";

    /// <summary>The layer an anomaly belongs to (the part of its name before the first dot), as EVE's <c>anomaly.layer</c>.</summary>
    public static string Layer(Anomaly anomaly)
    {
        string name = Get(anomaly);
        int dot = name.IndexOf('.', StringComparison.Ordinal);
        return dot < 0 ? name : name[..dot];
    }

    public static int Count => s_names.Length;

    private static string[] Build()
    {
        var names = new string[(int)Last + 1];
        names[(int)Anomaly.None] = "none";
        Set(names, Anomaly.EthernetPacketTooSmall, "ethernet.pkt_too_small");
        Set(names, Anomaly.VlanHeaderTooSmall, "vlan.header_too_small");
        Set(names, Anomaly.VlanTooManyLayers, "vlan.too_many_layers");
        Set(names, Anomaly.MplsHeaderTooSmall, "mpls.header_too_small");
        Set(names, Anomaly.MplsTooManyLabels, "mpls.too_many_labels");
        Set(names, Anomaly.MplsUnknownPayload, "mpls.unknown_payload");
        Set(names, Anomaly.SllPacketTooSmall, "sll.pkt_too_small");
        Set(names, Anomaly.Sll2PacketTooSmall, "sll2.pkt_too_small");
        Set(names, Anomaly.NullPacketTooSmall, "null.pkt_too_small");
        Set(names, Anomaly.NullUnknownFamily, "null.unknown_family");
        Set(names, Anomaly.LinkTypeUnsupported, "link.unsupported_type");
        Set(names, Anomaly.EtherTypeUnknown, "ethernet.unknown_ethertype");
        Set(names, Anomaly.ArpPacketTooSmall, "arp.pkt_too_small");
        Set(names, Anomaly.IPv4PacketTooSmall, "ipv4.pkt_too_small");
        Set(names, Anomaly.IPv4WrongVersion, "ipv4.wrong_ip_version");
        Set(names, Anomaly.IPv4HeaderLengthTooSmall, "ipv4.hlen_too_small");
        Set(names, Anomaly.IPv4HeaderLengthPastEnd, "ipv4.hlen_past_end");
        Set(names, Anomaly.IPv4TotalLengthTooSmall, "ipv4.iplen_smaller_than_hlen");
        Set(names, Anomaly.IPv4TotalLengthPastEnd, "ipv4.trunc_pkt");
        Set(names, Anomaly.IPv4ChecksumInvalid, "ipv4.checksum_invalid");
        Set(names, Anomaly.IPv4OptionInvalid, "ipv4.opt_invalid");
        Set(names, Anomaly.IPv4OptionLengthInvalid, "ipv4.opt_invalid_len");
        Set(names, Anomaly.IPv6PacketTooSmall, "ipv6.pkt_too_small");
        Set(names, Anomaly.IPv6WrongVersion, "ipv6.wrong_ip_version");
        Set(names, Anomaly.IPv6PayloadLengthPastEnd, "ipv6.trunc_pkt");
        Set(names, Anomaly.IPv6ExtensionHeaderTooSmall, "ipv6.exthdr_too_small");
        Set(names, Anomaly.IPv6ExtensionHeaderPastEnd, "ipv6.exthdr_past_end");
        Set(names, Anomaly.IPv6TooManyExtensionHeaders, "ipv6.exthdr_too_many");
        Set(names, Anomaly.IPv6HopByHopNotFirst, "ipv6.hopopts_not_first");
        Set(names, Anomaly.FragmentOverlap, "defrag.overlap");
        Set(names, Anomaly.FragmentOverlapDifferentData, "defrag.overlap_different_data");
        Set(names, Anomaly.FragmentTooLarge, "defrag.datagram_too_large");
        Set(names, Anomaly.FragmentInvalidLength, "defrag.invalid_length");
        Set(names, Anomaly.FragmentTimeout, "defrag.timeout");
        Set(names, Anomaly.FragmentDatagramCapReached, "defrag.max_frags_reached");
        Set(names, Anomaly.FragmentGlobalCapReached, "defrag.memcap_reached");
        Set(names, Anomaly.TcpPacketTooSmall, "tcp.pkt_too_small");
        Set(names, Anomaly.TcpHeaderLengthTooSmall, "tcp.hlen_too_small");
        Set(names, Anomaly.TcpHeaderLengthPastEnd, "tcp.hlen_past_end");
        Set(names, Anomaly.TcpOptionInvalid, "tcp.opt_invalid");
        Set(names, Anomaly.TcpOptionLengthInvalid, "tcp.opt_invalid_len");
        Set(names, Anomaly.TcpInvalidFlags, "tcp.invalid_flags");
        Set(names, Anomaly.UdpPacketTooSmall, "udp.pkt_too_small");
        Set(names, Anomaly.UdpLengthTooSmall, "udp.len_too_small");
        Set(names, Anomaly.UdpLengthPastEnd, "udp.len_past_end");
        Set(names, Anomaly.IcmpPacketTooSmall, "icmpv4.pkt_too_small");
        Set(names, Anomaly.IcmpV6PacketTooSmall, "icmpv6.pkt_too_small");
        Set(names, Anomaly.IcmpV6WrongIPVersion, "icmpv6.ipv4_encapsulated");
        Set(names, Anomaly.SctpPacketTooSmall, "sctp.pkt_too_small");
        Set(names, Anomaly.PacketTruncatedBySnapLength, "capture.truncated_by_snaplen");
        Set(names, Anomaly.FlowTableFull, "flow.table_full");
        Set(names, Anomaly.IPRawInvalidVersion, "ipraw.invalid_ip_version");
        Set(names, Anomaly.IPv6OptionLengthInvalid, "ipv6.opt_invalid_len");
        Set(names, Anomaly.IPv6RoutingType0, "ipv6.rh_type_0");
        Set(names, Anomaly.IPv6DuplicateFragmentHeader, "ipv6.exthdr_dupl_fh");
        Set(names, Anomaly.IPv6AtomicFragment, "ipv6.exthdr_useless_fh");
        Set(names, Anomaly.IPv6IcmpV4, "ipv6.icmpv4");
        Set(names, Anomaly.TcpOptionDuplicate, "tcp.opt_duplicate");

        // TCP stream reassembly
        Set(names, Anomaly.StreamOverlapDifferentData, "stream.overlap_different_data");
        Set(names, Anomaly.StreamGap, "stream.gap");
        Set(names, Anomaly.StreamDepthReached, "stream.depth_reached");
        Set(names, Anomaly.StreamBufferLimit, "stream.buffer_limit");
        Set(names, Anomaly.StreamSegmentLimit, "stream.segment_limit");
        Set(names, Anomaly.StreamMemcap, "stream.memcap");
        Set(names, Anomaly.StreamDataAfterFin, "stream.data_after_fin");

        // DNS
        Set(names, Anomaly.DnsMalformed, "dns.malformed");
        Set(names, Anomaly.DnsMessageTruncated, "dns.message_truncated");
        Set(names, Anomaly.DnsPointerLoop, "dns.pointer_loop");
        Set(names, Anomaly.DnsNameTooLong, "dns.name_too_long");
        Set(names, Anomaly.DnsNameLabelLimit, "dns.name_label_limit");
        Set(names, Anomaly.DnsForwardPointer, "dns.forward_pointer");
        Set(names, Anomaly.DnsTooManyRecords, "dns.too_many_records");
        Set(names, Anomaly.DnsZFlagSet, "dns.z_flag_set");
        Set(names, Anomaly.DnsInvalidOpcode, "dns.invalid_opcode");
        Set(names, Anomaly.DnsTooManyTransactions, "dns.too_many_transactions");
        Set(names, Anomaly.DnsUnmatchedResponse, "dns.unmatched_response");

        // HTTP
        Set(names, Anomaly.HttpRequestLineTooLong, "http.request_line_too_long");
        Set(names, Anomaly.HttpHeaderBlockTooLarge, "http.header_block_too_large");
        Set(names, Anomaly.HttpTooManyHeaders, "http.too_many_headers");
        Set(names, Anomaly.HttpInvalidRequestLine, "http.invalid_request_line");
        Set(names, Anomaly.HttpInvalidStatusLine, "http.invalid_status_line");
        Set(names, Anomaly.HttpInvalidHeader, "http.invalid_header");
        Set(names, Anomaly.HttpObsoleteLineFolding, "http.obsolete_line_folding");
        Set(names, Anomaly.HttpContentLengthInvalid, "http.content_length_invalid");
        Set(names, Anomaly.HttpContentLengthLeadingZeros, "http.content_length_leading_zeros");
        Set(names, Anomaly.HttpContentLengthMultiple, "http.content_length_multiple");
        Set(names, Anomaly.HttpContentLengthAndChunked, "http.content_length_and_chunked");
        Set(names, Anomaly.HttpTransferEncodingInvalid, "http.transfer_encoding_invalid");
        Set(names, Anomaly.HttpChunkSizeInvalid, "http.chunk_size_invalid");
        Set(names, Anomaly.HttpChunkLineTooLong, "http.chunk_line_too_long");
        Set(names, Anomaly.HttpChunkMissingCrlf, "http.chunk_missing_crlf");
        Set(names, Anomaly.HttpContentLengthZeroExpectContinue, "http.content_length_0_and_expect_100");
        Set(names, Anomaly.HttpUnmatchedResponse, "http.unmatched_response");
        Set(names, Anomaly.HttpTooManyTransactions, "http.too_many_transactions");
        Set(names, Anomaly.HttpGapLostSync, "http.gap_lost_sync");
        Set(names, Anomaly.HttpDecompressionBomb, "http.decompression_bomb");
        Set(names, Anomaly.HttpDecompressionFailed, "http.decompression_failed");
        Set(names, Anomaly.HttpDecodedLengthLimit, "http.decoded_length_limit");
        Set(names, Anomaly.HttpChunkSizeJunk, "http.chunk_size_junk");
        Set(names, Anomaly.HttpBareCarriageReturn, "http.bare_cr_line_ending");
        Set(names, Anomaly.HttpUnexpectedBody, "http.unexpected_body");

        // TLS
        Set(names, Anomaly.TlsInvalidRecord, "tls.invalid_record");
        Set(names, Anomaly.TlsInvalidRecordType, "tls.invalid_record_type");
        Set(names, Anomaly.TlsInvalidRecordVersion, "tls.invalid_record_version");
        Set(names, Anomaly.TlsInvalidHandshakeMessage, "tls.invalid_handshake_message");
        Set(names, Anomaly.TlsHandshakeInvalidLength, "tls.handshake_invalid_length");
        Set(names, Anomaly.TlsHandshakeMessageTooLong, "tls.handshake_message_too_long");
        Set(names, Anomaly.TlsInvalidSniType, "tls.invalid_sni_type");
        Set(names, Anomaly.TlsInvalidSniLength, "tls.invalid_sni_length");
        Set(names, Anomaly.TlsMultipleSniExtensions, "tls.multiple_sni_extensions");
        Set(names, Anomaly.TlsInvalidCertificate, "tls.invalid_certificate");
        Set(names, Anomaly.TlsCertificateInvalidDer, "tls.certificate_invalid_der");
        Set(names, Anomaly.TlsCertificateChainTooLong, "tls.certificate_chain_too_long");
        Set(names, Anomaly.TlsHeartbeatMessage, "tls.heartbeat_message");

        // Mining protocols
        Set(names, Anomaly.MiningLineTooLong, "mining.line_too_long");
        Set(names, Anomaly.MiningInvalidJson, "mining.invalid_json");
        Set(names, Anomaly.MiningJsonTooDeep, "mining.json_too_deep");
        Set(names, Anomaly.MiningTooManyPending, "mining.too_many_pending_requests");
        Set(names, Anomaly.MiningNotJson, "mining.not_json");

        // WebSocket
        Set(names, Anomaly.WebSocketInvalidFrame, "websocket.invalid_frame");
        Set(names, Anomaly.WebSocketMessageTooLarge, "websocket.message_too_large");
        Set(names, Anomaly.WebSocketUnmaskedClientFrame, "websocket.unmasked_client_frame");

        // SOCKS
        Set(names, Anomaly.SocksInvalidHandshake, "socks.invalid_handshake");
        for (int i = 0; i < names.Length; i++)
        {
            if (names[i] is null)
                throw new InvalidOperationException($"Anomaly {(Anomaly)i} has no name");
        }

        return names;
    }

    private static void Set(string[] names, Anomaly anomaly, string name) => names[(int)anomaly] = name;
}
