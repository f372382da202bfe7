using System.Buffers.Binary;

namespace Assay.Synthesis.Packets;

public sealed partial class PacketBuilder
{
    private const ushort ArpHardwareEthernet = 1;
    private const ushort CorruptionDelta = 0x1111;
    private const uint NullFamilyIPv4 = 2;
    private const uint NullFamilyIPv6 = 24; // BSD AF_INET6 as NetBSD/OpenBSD number it; readers accept 24, 28 and 30

    /// <summary>Writes the frame: transport first (its checksum needs only the addresses), then network, then link.</summary>
    public byte[] Build()
    {
        if (_network == NetworkKind.None)
            throw new InvalidOperationException("Set a network layer (IPv4, IPv6, Arp or IPPacket) before Build.");
        if (_vlans.Count > 0 && _link != LinkLayer.Ethernet)
            throw new InvalidOperationException("VLAN tags need an Ethernet link layer.");

        int transportLength = _network is NetworkKind.IPv4 or NetworkKind.IPv6 ? TransportHeaderLength() + _payload.Length : 0;
        int wireTransportLength = _truncateTransport >= 0 ? Math.Min(_truncateTransport, transportLength) : transportLength;
        int networkLength = NetworkHeaderLength();
        int linkLength = LinkHeaderLength();

        byte[] frame = new byte[linkLength + networkLength + transportLength];
        Span<byte> transport = frame.AsSpan(linkLength + networkLength);
        if (transportLength > 0)
            WriteTransport(transport);
        WriteNetwork(frame.AsSpan(linkLength, networkLength), wireTransportLength);
        WriteLink(frame.AsSpan(0, linkLength));

        int wireLength = linkLength + networkLength + wireTransportLength;
        int finalLength = _padToMinimum && _link == LinkLayer.Ethernet ? Math.Max(wireLength, Wire.MinimumEthernetFrame) : wireLength;
        if (finalLength == frame.Length)
            return frame;
        byte[] resized = new byte[finalLength];
        frame.AsSpan(0, Math.Min(frame.Length, finalLength)).CopyTo(resized);
        return resized;
    }

    private int TransportHeaderLength() => _transport switch
    {
        TransportKind.Tcp => Wire.TcpHeaderLength + ((_tcpOptions.Length + 3) & ~3),
        TransportKind.Udp => Wire.UdpHeaderLength,
        TransportKind.Icmp or TransportKind.IcmpV6 => Wire.IcmpHeaderLength,
        _ => 0,
    };

    private int NetworkHeaderLength()
    {
        switch (_network)
        {
            case NetworkKind.IPv4:
                return Wire.IPv4HeaderLength + ((_ipv4Options.Length + 3) & ~3);
            case NetworkKind.IPv6:
                int length = Wire.IPv6HeaderLength;
                foreach ((_, byte[] header) in _extensions)
                    length += header.Length;
                return length;
            case NetworkKind.Arp:
                return Wire.ArpLength;
            default:
                return _prebuilt.Length;
        }
    }

    private int LinkHeaderLength() => _link switch
    {
        LinkLayer.Ethernet => Wire.EthernetHeaderLength + (Wire.VlanTagLength * _vlans.Count),
        LinkLayer.LinuxSll => Wire.SllHeaderLength,
        LinkLayer.LinuxSll2 => Wire.Sll2HeaderLength,
        LinkLayer.Null => Wire.NullHeaderLength,
        _ => 0,
    };

    private IPProtocolNumber TransportProtocol() => _transport switch
    {
        TransportKind.Tcp => IPProtocolNumber.Tcp,
        TransportKind.Udp => IPProtocolNumber.Udp,
        TransportKind.Icmp => IPProtocolNumber.Icmp,
        TransportKind.IcmpV6 => IPProtocolNumber.IcmpV6,
        TransportKind.Raw => _rawProtocol,
        _ => IPProtocolNumber.NoNextHeader,
    };

    private void WriteTransport(Span<byte> segment)
    {
        int headerLength = TransportHeaderLength();
        _payload.CopyTo(segment[headerLength..]);
        switch (_transport)
        {
            case TransportKind.Tcp:
                Wire.WriteTcp(segment, _sourcePort, _destinationPort, _sequence, _acknowledgment, (byte)_tcpFlags, _window, _tcpOptions, _urgentPointer);
                Wire.FinishTcpChecksum(segment, _sourceIp, _destinationIp);
                break;
            case TransportKind.Udp:
                Wire.WriteUdp(segment, _sourcePort, _destinationPort, segment.Length);
                if (!_udpZeroChecksum)
                    Wire.FinishUdpChecksum(segment, _sourceIp, _destinationIp);
                break;
            case TransportKind.Icmp:
            case TransportKind.IcmpV6:
                segment[0] = _icmpType;
                segment[1] = _icmpCode;
                BinaryPrimitives.WriteUInt32BigEndian(segment[4..], _icmpRest);
                if (_transport == TransportKind.Icmp)
                    Wire.FinishIcmpChecksum(segment);
                else
                    Wire.FinishIcmpV6Checksum(segment, _sourceIp, _destinationIp);
                break;
            default:
                return;
        }

        if (_corruptTransportChecksum)
        {
            Span<byte> field = segment[Wire.ChecksumOffset(TransportProtocol())..];
            BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(field) + CorruptionDelta));
        }
    }

    private void WriteNetwork(Span<byte> header, int transportLength)
    {
        switch (_network)
        {
            case NetworkKind.IPv4:
                Wire.WriteIPv4(header, _sourceIp, _destinationIp, (byte)TransportProtocol(), header.Length + transportLength, _identification,
                    _flagsAndOffset, _ttl, _tos, _ipv4Options);
                if (_corruptIPv4Checksum)
                {
                    Span<byte> field = header[Wire.IPv4ChecksumFieldOffset..];
                    BinaryPrimitives.WriteUInt16BigEndian(field, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(field) + CorruptionDelta));
                }

                break;
            case NetworkKind.IPv6:
                byte first = _extensions.Count > 0 ? (byte)_extensions[0].Type : (byte)TransportProtocol();
                Wire.WriteIPv6(header, _sourceIp, _destinationIp, first, header.Length - Wire.IPv6HeaderLength + transportLength, _ttl, _tos, _flowLabel);
                int offset = Wire.IPv6HeaderLength;
                for (int i = 0; i < _extensions.Count; i++)
                {
                    byte[] extension = _extensions[i].Header;
                    extension[0] = i + 1 < _extensions.Count ? (byte)_extensions[i + 1].Type : (byte)TransportProtocol();
                    extension.CopyTo(header[offset..]);
                    offset += extension.Length;
                }

                break;
            case NetworkKind.Arp:
                // htype 1 (Ethernet), ptype 0x0800, hlen 6, plen 4, oper, sha, spa, tha, tpa
                BinaryPrimitives.WriteUInt16BigEndian(header, ArpHardwareEthernet);
                BinaryPrimitives.WriteUInt16BigEndian(header[2..], (ushort)EtherTypeValue.IPv4);
                header[4] = MacAddress.Length;
                header[5] = 4;
                BinaryPrimitives.WriteUInt16BigEndian(header[6..], (ushort)_arpOperation);
                _arpSenderMac.WriteTo(header[8..]);
                _sourceIp.CopyTo(header[14..]);
                _arpTargetMac.WriteTo(header[18..]);
                _destinationIp.CopyTo(header[24..]);
                break;
            default:
                _prebuilt.CopyTo(header);
                break;
        }
    }

    private ushort EtherType() => _network switch
    {
        NetworkKind.IPv4 => (ushort)EtherTypeValue.IPv4,
        NetworkKind.IPv6 => (ushort)EtherTypeValue.IPv6,
        NetworkKind.Arp => (ushort)EtherTypeValue.Arp,
        _ => (_prebuilt[0] >> 4) == 6 ? (ushort)EtherTypeValue.IPv6 : (ushort)EtherTypeValue.IPv4,
    };

    private void WriteLink(Span<byte> header)
    {
        ushort etherType = EtherType();
        switch (_link)
        {
            case LinkLayer.Ethernet:
                _destinationMac.WriteTo(header);
                _sourceMac.WriteTo(header[6..]);
                int offset = 12;
                foreach ((ushort tpid, ushort tci) in _vlans)
                {
                    BinaryPrimitives.WriteUInt16BigEndian(header[offset..], tpid);
                    BinaryPrimitives.WriteUInt16BigEndian(header[(offset + 2)..], tci);
                    offset += Wire.VlanTagLength;
                }

                BinaryPrimitives.WriteUInt16BigEndian(header[offset..], etherType);
                break;
            case LinkLayer.LinuxSll:
                // packet type, ARPHRD type, address length, address (8, zero-padded), protocol
                BinaryPrimitives.WriteUInt16BigEndian(header, (ushort)_sllPacketType);
                BinaryPrimitives.WriteUInt16BigEndian(header[2..], ArpHardwareEthernet);
                BinaryPrimitives.WriteUInt16BigEndian(header[4..], MacAddress.Length);
                _sourceMac.WriteTo(header[6..]);
                BinaryPrimitives.WriteUInt16BigEndian(header[14..], etherType);
                break;
            case LinkLayer.LinuxSll2:
                // protocol, reserved, interface index, ARPHRD type, packet type, address length, address (8)
                BinaryPrimitives.WriteUInt16BigEndian(header, etherType);
                BinaryPrimitives.WriteInt32BigEndian(header[4..], _interfaceIndex);
                BinaryPrimitives.WriteUInt16BigEndian(header[8..], ArpHardwareEthernet);
                header[10] = (byte)_sllPacketType;
                header[11] = MacAddress.Length;
                _sourceMac.WriteTo(header[12..]);
                break;
            case LinkLayer.Null:
                BinaryPrimitives.WriteUInt32LittleEndian(header, etherType == (ushort)EtherTypeValue.IPv6 ? NullFamilyIPv6 : NullFamilyIPv4);
                break;
            default:
                break;
        }
    }
}
