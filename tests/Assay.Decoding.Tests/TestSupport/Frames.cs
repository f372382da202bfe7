using System.Buffers.Binary;
using Assay.Decoding.Network;

namespace Assay.Decoding.Tests.TestSupport;

/// <summary>Hand-built frames for decoder tests: each method returns the bytes of one layer, <see cref="Concat"/> stacks them.</summary>
internal static class Frames
{
    public static readonly byte[] MacA = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0A];
    public static readonly byte[] MacB = [0x02, 0x00, 0x00, 0x00, 0x00, 0x0B];

    public const uint HostA = 0x0A00_0001;                // 10.0.0.1
    public const uint HostB = 0xC0A8_0102;                // 192.168.1.2
    public static readonly UInt128 HostA6 = new(0x2001_0DB8_0000_0000, 0x0000_0000_0000_0001);
    public static readonly UInt128 HostB6 = new(0x2001_0DB8_0000_0000, 0x0000_0000_0000_0002);

    public static byte[] Concat(params byte[][] parts)
    {
        int length = 0;
        foreach (byte[] part in parts)
            length += part.Length;
        var result = new byte[length];
        int offset = 0;
        foreach (byte[] part in parts)
        {
            part.CopyTo(result, offset);
            offset += part.Length;
        }

        return result;
    }

    public static byte[] Ethernet(ushort etherType, byte[] payload) =>
        Concat(MacB, MacA, U16(etherType), payload);

    /// <summary>A VLAN tag as it follows a TPID: TCI then the inner EtherType.</summary>
    public static byte[] Vlan(ushort vlanId, ushort innerEtherType, byte priority = 0) =>
        Concat(U16((ushort)((priority << 13) | vlanId)), U16(innerEtherType));

    public static byte[] Mpls(uint label, bool bottom, byte ttl = 64) =>
        U32((label << 12) | (bottom ? 0x100u : 0) | ttl);

    public static byte[] IPv4(
        byte protocol, byte[] payload, uint source = HostA, uint destination = HostB, ushort id = 0x1234,
        bool moreFragments = false, int fragmentOffset = 0, bool dontFragment = false, byte ttl = 64,
        byte[]? options = null, int? totalLength = null, bool corruptChecksum = false, byte version = 4)
    {
        options ??= [];
        if (options.Length % 4 != 0)
            throw new ArgumentException("IPv4 options must be padded to 4 bytes", nameof(options));
        int headerLength = IPv4Header.MinLength + options.Length;
        var header = new byte[headerLength];
        header[0] = (byte)((version << 4) | (headerLength / 4));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)(totalLength ?? headerLength + payload.Length));
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), id);
        int flags = (dontFragment ? 0x4000 : 0) | (moreFragments ? 0x2000 : 0) | (fragmentOffset / 8);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(6), (ushort)flags);
        header[8] = ttl;
        header[9] = protocol;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(12), source);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(16), destination);
        options.CopyTo(header, IPv4Header.MinLength);
        ushort checksum = InternetChecksum.Compute(header);
        if (corruptChecksum)
            checksum ^= 0x5A5A;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(10), checksum);
        return Concat(header, payload);
    }

    public static byte[] IPv6(byte nextHeader, byte[] payload, UInt128? source = null, UInt128? destination = null,
        byte hopLimit = 64, int? payloadLength = null, uint flowLabel = 0x12345)
    {
        var header = new byte[IPv6Header.Length];
        BinaryPrimitives.WriteUInt32BigEndian(header, 0x6000_0000u | flowLabel);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)(payloadLength ?? payload.Length));
        header[6] = nextHeader;
        header[7] = hopLimit;
        BinaryPrimitives.WriteUInt128BigEndian(header.AsSpan(8), source ?? HostA6);
        BinaryPrimitives.WriteUInt128BigEndian(header.AsSpan(24), destination ?? HostB6);
        return Concat(header, payload);
    }

    /// <summary>Hop-by-hop, destination options or routing header: body padded with PadN/zeros to a multiple of 8 bytes.</summary>
    public static byte[] Extension(byte nextHeader, byte[]? body = null)
    {
        body ??= [];
        int length = (body.Length + 2 + 7) / 8 * 8;
        var header = new byte[length];
        header[0] = nextHeader;
        header[1] = (byte)((length / 8) - 1);
        body.CopyTo(header, 2);
        int pad = length - 2 - body.Length;
        if (pad == 1)
            header[2 + body.Length] = 0;                  // Pad1
        else if (pad >= 2)
        {
            header[2 + body.Length] = 1;                  // PadN
            header[3 + body.Length] = (byte)(pad - 2);
        }

        return header;
    }

    /// <summary>A routing header: type, segments left, reserved, then <paramref name="addresses"/> 16-byte addresses.</summary>
    public static byte[] Routing(byte nextHeader, byte type, int addresses = 1)
    {
        var header = new byte[8 + (16 * addresses)];
        header[0] = nextHeader;
        header[1] = (byte)(2 * addresses);
        header[2] = type;
        header[3] = (byte)addresses;
        return header;
    }

    /// <summary>An authentication header with a 12-byte ICV (length field counts 4-byte units minus 2).</summary>
    public static byte[] AuthenticationHeader(byte nextHeader)
    {
        var header = new byte[24];
        header[0] = nextHeader;
        header[1] = (24 / 4) - 2;
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), 0x1000);   // SPI
        return header;
    }

    public static byte[] FragmentHeader(byte nextHeader, int offset, bool more, uint id)
    {
        var header = new byte[IPv6FragmentHeader.Length];
        header[0] = nextHeader;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), (ushort)(offset | (more ? 1 : 0)));
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), id);
        return header;
    }

    public static byte[] Tcp(ushort sourcePort, ushort destinationPort, uint sequence = 1000, uint acknowledgment = 0,
        TcpFlags flags = TcpFlags.Ack, ushort window = 65535, byte[]? options = null, byte[]? payload = null)
    {
        options ??= [];
        payload ??= [];
        if (options.Length % 4 != 0)
            throw new ArgumentException("TCP options must be padded to 4 bytes", nameof(options));
        int headerLength = 20 + options.Length;
        var header = new byte[headerLength];
        BinaryPrimitives.WriteUInt16BigEndian(header, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(4), sequence);
        BinaryPrimitives.WriteUInt32BigEndian(header.AsSpan(8), acknowledgment);
        header[12] = (byte)((headerLength / 4) << 4);
        header[13] = (byte)flags;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), window);
        options.CopyTo(header, 20);
        return Concat(header, payload);
    }

    /// <summary>The options a Linux SYN carries: MSS 1460, SACK-permitted, timestamps, NOP, window scale 7.</summary>
    public static byte[] LinuxSynOptions(uint tsValue = 0x01020304, uint tsEcho = 0) => Concat(
        [2, 4, 0x05, 0xB4],
        [4, 2],
        [8, 10], U32(tsValue), U32(tsEcho),
        [1],
        [3, 3, 7]);

    public static byte[] Udp(ushort sourcePort, ushort destinationPort, byte[]? payload = null, int? length = null)
    {
        payload ??= [];
        var header = new byte[8];
        BinaryPrimitives.WriteUInt16BigEndian(header, sourcePort);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(2), destinationPort);
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(4), (ushort)(length ?? 8 + payload.Length));
        return Concat(header, payload);
    }

    public static byte[] Icmp(byte type, byte code, byte[]? body = null)
    {
        body ??= [];
        var message = Concat([type, code, 0, 0], body);
        BinaryPrimitives.WriteUInt16BigEndian(message.AsSpan(2), InternetChecksum.Compute(message));
        return message;
    }

    public static byte[] Sctp(ushort sourcePort, ushort destinationPort, byte[]? chunks = null) =>
        Concat(U16(sourcePort), U16(destinationPort), U32(0xCAFEBABE), U32(0), chunks ?? []);

    public static byte[] Arp(ushort operation, uint senderIp, uint targetIp) =>
        Concat(U16(1), U16(0x0800), [6, 4], U16(operation), MacA, U32(senderIp), new byte[6], U32(targetIp));

    public static byte[] Sll(ushort protocol, byte[] payload, ushort packetType = 0, ushort hardwareType = 1) =>
        Concat(U16(packetType), U16(hardwareType), U16(6), MacA, [0, 0], U16(protocol), payload);

    public static byte[] Sll2(ushort protocol, byte[] payload, uint interfaceIndex = 3) =>
        Concat(U16(protocol), U16(0), U32(interfaceIndex), U16(1), [0, 6], MacA, [0, 0], payload);

    public static byte[] Null(uint family, byte[] payload, bool bigEndian)
    {
        var header = new byte[4];
        if (bigEndian)
            BinaryPrimitives.WriteUInt32BigEndian(header, family);
        else
            BinaryPrimitives.WriteUInt32LittleEndian(header, family);
        return Concat(header, payload);
    }

    /// <summary>Ethernet / IPv4 / TCP with a 12-byte timestamp option block and a small payload: the common case.</summary>
    public static byte[] EthernetIPv4Tcp(byte[]? payload = null) =>
        Ethernet(0x0800, IPv4(6, Tcp(40000, 443, 1000, 2000, TcpFlags.Ack | TcpFlags.Psh,
            options: Concat([1, 1, 8, 10], U32(7), U32(9)), payload: payload ?? "hello"u8.ToArray())));

    public static byte[] U16(ushort value)
    {
        var bytes = new byte[2];
        BinaryPrimitives.WriteUInt16BigEndian(bytes, value);
        return bytes;
    }

    public static byte[] U32(uint value)
    {
        var bytes = new byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(bytes, value);
        return bytes;
    }

    public static UInt128 Mapped(uint address) => new(0, 0xFFFF_0000_0000UL | address);
}
