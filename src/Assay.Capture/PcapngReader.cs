using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Assay.Capture;

/// <summary>Reads pcapng (draft-ietf-opsawg-pcapng): any number of sections, interfaces and byte orders.</summary>
/// <remarks>
/// <code>
/// Every block:   0 type u32 | 4 total length u32 | body … | total length u32 (again)
///                total length ≥ 12, a multiple of 4, and equal to the trailing copy, else the file is corrupt there.
/// SHB 0x0A0D0D0A  body: byte-order magic u32 (1A2B3C4D as written) | major u16 | minor u16 | section length i64 | options
/// IDB 0x00000001  body: link type u16 | reserved u16 | snaplen u32 | options (if_tsresol = 9, if_tsoffset = 14)
/// EPB 0x00000006  body: interface u32 | ts high u32 | ts low u32 | caplen u32 | origlen u32 | data, padded to 4 | options
/// SPB 0x00000003  body: origlen u32 | data, padded to 4             (interface 0, no timestamp)
/// PB  0x00000002  body: interface u16 | drops u16 | ts high u32 | ts low u32 | caplen u32 | origlen u32 | data | options
/// Options:        code u16 | length u16 | value, padded to 4; code 0 ends the list.
/// </code>
/// Each SHB starts a section: it sets the byte order of the blocks that follow and forgets the interfaces before it.
/// Name resolution, statistics, decryption secrets, custom and unknown blocks are checked for framing and skipped.
/// <para>Decisions where the format leaves room:</para>
/// <list type="bullet">
/// <item>Versions 1.0 and 1.2 are read, as libpcap does (1.2 was written by mistake by some tools); others are rejected.</item>
/// <item>A simple packet block has no timestamp: it gets the timestamp of the packet before it (0 if none), so that
/// time order and merging by time are not disturbed.</item>
/// <item>A packet naming an interface the section has not described cannot be interpreted (no link type): it is skipped
/// and counted in <see cref="PacketsWithoutInterface"/>, and reading goes on (libpcap stops there with an error).</item>
/// <item>An option running past the end of its block ends option parsing for that block; it is counted in
/// <see cref="MalformedOptions"/> and the options read before it still apply.</item>
/// <item>A captured length larger than its block is corrupt (the block framing cannot be trusted).</item>
/// </list>
/// </remarks>
public sealed partial class PcapngReader : IPacketSource
{
    /// <summary>Largest packet accepted (same limit as <see cref="PcapReader.MaxPacketLength"/>).</summary>
    public const int MaxPacketLength = PcapReader.MaxPacketLength;

    /// <summary>Largest block accepted: a largest packet plus 1 MiB of options; a longer block is taken as corruption.</summary>
    public const int MaxBlockLength = MaxPacketLength + (1 << 20);

    /// <summary>Interfaces one section may describe; the 65537th is taken as corruption (the obsolete packet block's id is 16 bits).</summary>
    public const int MaxInterfacesPerSection = 1 << 16;

    private const int BlockHeaderLength = 8;
    private const int MinBlockLength = 12;
    private const uint ByteOrderMagic = 0x1A2B3C4D;
    private const int SectionHeaderFixedLength = 16;
    private const int InterfaceFixedLength = 8;
    private const int EnhancedPacketFixedLength = 20;
    private const int SimplePacketFixedLength = 4;
    private const int ObsoletePacketFixedLength = 20;

    private readonly CaptureInput _input;
    private readonly List<InterfaceInfo> _interfaces = [];
    private bool _bigEndian;
    private long _lastTimestamp;
    private ReadStatus _final = ReadStatus.Packet;

    internal PcapngReader(CaptureInput input, string name)
    {
        _input = input;
        Name = name;

        // The first section header is checked here so that a bad one fails the open; it stays unread, and the first
        // TryReadPacket handles it like any other block (so BlockObserved sees it).
        ReadStatus framed = FrameBlock(out uint type, out int totalLength);
        if (framed != ReadStatus.Packet)
            throw new CaptureFormatException(Problem ?? "file ends before the first pcapng block");
        if (type != (uint)PcapngBlockType.SectionHeader)
            throw new CaptureFormatException("pcapng file does not start with a section header block");

        string? problem = CheckSectionHeader(_input.Unread[BlockHeaderLength..(totalLength - 4)], _input.Offset);
        if (problem is not null)
            throw new CaptureFormatException(problem);
    }

    public string Name { get; }

    public string? Problem { get; private set; }

    public long Position => _input.Position;

    public long Length => _input.Length;

    /// <summary>Called for every block read, before it is interpreted: for tests and diagnostics. Off (null) by default.</summary>
    public Action<PcapngBlock>? BlockObserved { get; set; }

    /// <summary>Section header blocks read so far.</summary>
    public int SectionCount { get; private set; }

    /// <summary>Interfaces described so far in the current section.</summary>
    public int InterfaceCount => _interfaces.Count;

    /// <summary>Packets skipped because they name an interface their section has not described.</summary>
    public long PacketsWithoutInterface { get; private set; }

    /// <summary>Blocks whose options ran past the end of the block (parsing of their options stopped there).</summary>
    public long MalformedOptions { get; private set; }

    /// <summary>The byte order of the current section.</summary>
    public bool BigEndian => _bigEndian;

    /// <summary>The LINKTYPE_ of interface <paramref name="interfaceId"/> in the current section.</summary>
    public int GetLinkType(int interfaceId) => _interfaces[interfaceId].LinkType;

    public ReadStatus TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        while (true)
        {
            ReadStatus framed = FrameBlock(out uint type, out int totalLength);
            if (framed != ReadStatus.Packet)
            {
                header = default;
                data = default;
                return framed;
            }

            long offset = _input.Offset;
            ReadOnlySpan<byte> body = _input.Unread[BlockHeaderLength..(totalLength - 4)];
            BlockObserved?.Invoke(new PcapngBlock((PcapngBlockType)type, offset, totalLength));

            BlockOutcome outcome = type switch
            {
                (uint)PcapngBlockType.EnhancedPacket => ReadEnhancedPacket(body, offset, out header, out data),
                (uint)PcapngBlockType.SimplePacket => ReadSimplePacket(body, offset, out header, out data),
                (uint)PcapngBlockType.Packet => ReadObsoletePacket(body, offset, out header, out data),
                _ => ReadOtherBlock(type, body, offset, out header, out data),
            };

            if (outcome == BlockOutcome.Stop)
                return _final;

            // NOTE: body and data point into the input buffer, which Advance leaves in place until the next call.
            _input.Advance(totalLength);
            if (outcome == BlockOutcome.Packet)
                return ReadStatus.Packet;
        }
    }

    public void Dispose() => _input.Dispose();

    /// <summary>Makes the next whole block available and checks its framing.</summary>
    /// <returns><see cref="ReadStatus.Packet"/> when <c>_input.Unread[..totalLength]</c> is the block; otherwise the final status.</returns>
    private ReadStatus FrameBlock(out uint type, out int totalLength)
    {
        type = 0;
        totalLength = 0;
        if (_final != ReadStatus.Packet)
            return _final;

        long offset = _input.Offset;
        if (!_input.Ensure(MinBlockLength))
        {
            if (_input.ReadError is not null)
                return Fail(ReadStatus.Corrupt, _input.ReadError);
            if (_input.Available == 0)
                return Fail(ReadStatus.EndOfInput, null);
            return Fail(ReadStatus.Truncated,
                $"file ends inside a pcapng block header at offset {offset} ({_input.Available} of {MinBlockLength} bytes present)");
        }

        ReadOnlySpan<byte> span = _input.Unread;
        type = ReadUInt32(span);   // the section header's type reads the same in either byte order
        if (type == (uint)PcapngBlockType.SectionHeader)
        {
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(span[BlockHeaderLength..]);
            if (magic == ByteOrderMagic)
                _bigEndian = false;
            else if (magic == BinaryPrimitives.ReverseEndianness(ByteOrderMagic))
                _bigEndian = true;
            else
                return Fail(ReadStatus.Corrupt, $"section header block at offset {offset} has an unknown byte-order magic 0x{magic:x8}");
        }

        uint length = ReadUInt32(span[4..]);
        if (length < MinBlockLength || length % 4 != 0)
        {
            return Fail(ReadStatus.Corrupt,
                $"{Describe(type)} at offset {offset} has an impossible total length of {length} bytes (it must be a multiple of 4, at least 12)");
        }

        if (length > MaxBlockLength)
        {
            return Fail(ReadStatus.Corrupt,
                $"{Describe(type)} at offset {offset} claims a total length of {length} bytes, more than the {MaxBlockLength}-byte limit");
        }

        if (!_input.Ensure((int)length))
        {
            if (_input.ReadError is not null)
                return Fail(ReadStatus.Corrupt, _input.ReadError);
            return Fail(ReadStatus.Truncated,
                $"file ends inside the {Describe(type)} at offset {offset}: it claims {length} bytes but only {_input.Available} remain");
        }

        uint trailing = ReadUInt32(_input.Unread[((int)length - 4)..]);
        if (trailing != length)
        {
            return Fail(ReadStatus.Corrupt,
                $"{Describe(type)} at offset {offset} ends with total length {trailing}, not the {length} it starts with");
        }

        totalLength = (int)length;
        return ReadStatus.Packet;
    }

    private BlockOutcome ReadEnhancedPacket(ReadOnlySpan<byte> body, long offset, out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        header = default;
        data = default;
        if (body.Length < EnhancedPacketFixedLength)
            return TooShort(PcapngBlockType.EnhancedPacket, offset, body.Length);

        uint interfaceId = ReadUInt32(body);
        uint capturedLength = ReadUInt32(body[12..]);
        if (capturedLength > (uint)(body.Length - EnhancedPacketFixedLength))
            return LongerThanBlock(PcapngBlockType.EnhancedPacket, offset, capturedLength, body.Length - EnhancedPacketFixedLength);

        if (interfaceId >= (uint)_interfaces.Count)
        {
            PacketsWithoutInterface++;
            return BlockOutcome.Next;
        }

        ref readonly InterfaceInfo info = ref CollectionsMarshal.AsSpan(_interfaces)[(int)interfaceId];
        ulong units = ((ulong)ReadUInt32(body[4..]) << 32) | ReadUInt32(body[8..]);
        long timestamp = info.ToNanoseconds(units);
        _lastTimestamp = timestamp;
        header = new PacketHeader(timestamp, (int)capturedLength, ClampLength(ReadUInt32(body[16..])), info.LinkType, (int)interfaceId);
        data = body.Slice(EnhancedPacketFixedLength, (int)capturedLength);
        return BlockOutcome.Packet;
    }

    private BlockOutcome ReadSimplePacket(ReadOnlySpan<byte> body, long offset, out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        header = default;
        data = default;
        if (body.Length < SimplePacketFixedLength)
            return TooShort(PcapngBlockType.SimplePacket, offset, body.Length);

        if (_interfaces.Count == 0)
        {
            PacketsWithoutInterface++;
            return BlockOutcome.Next;
        }

        // Captured length = min(original length, interface 0's snaplen); the padded data area bounds it as well.
        InterfaceInfo info = _interfaces[0];
        uint originalLength = ReadUInt32(body);
        uint capturedLength = Math.Min(originalLength, (uint)(body.Length - SimplePacketFixedLength));
        if (info.SnapLength != 0)
            capturedLength = Math.Min(capturedLength, info.SnapLength);

        header = new PacketHeader(_lastTimestamp, (int)capturedLength, ClampLength(originalLength), info.LinkType, 0);
        data = body.Slice(SimplePacketFixedLength, (int)capturedLength);
        return BlockOutcome.Packet;
    }

    private BlockOutcome ReadObsoletePacket(ReadOnlySpan<byte> body, long offset, out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        header = default;
        data = default;
        if (body.Length < ObsoletePacketFixedLength)
            return TooShort(PcapngBlockType.Packet, offset, body.Length);

        int interfaceId = ReadUInt16(body);
        uint capturedLength = ReadUInt32(body[12..]);
        if (capturedLength > (uint)(body.Length - ObsoletePacketFixedLength))
            return LongerThanBlock(PcapngBlockType.Packet, offset, capturedLength, body.Length - ObsoletePacketFixedLength);

        if (interfaceId >= _interfaces.Count)
        {
            PacketsWithoutInterface++;
            return BlockOutcome.Next;
        }

        InterfaceInfo info = _interfaces[interfaceId];
        ulong units = ((ulong)ReadUInt32(body[4..]) << 32) | ReadUInt32(body[8..]);
        long timestamp = info.ToNanoseconds(units);
        _lastTimestamp = timestamp;
        header = new PacketHeader(timestamp, (int)capturedLength, ClampLength(ReadUInt32(body[16..])), info.LinkType, interfaceId);
        data = body.Slice(ObsoletePacketFixedLength, (int)capturedLength);
        return BlockOutcome.Packet;
    }

    private BlockOutcome ReadOtherBlock(uint type, ReadOnlySpan<byte> body, long offset, out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        header = default;
        data = default;
        switch (type)
        {
            case (uint)PcapngBlockType.SectionHeader:
                string? problem = CheckSectionHeader(body, offset);
                if (problem is not null)
                {
                    Fail(ReadStatus.Corrupt, problem);
                    return BlockOutcome.Stop;
                }

                SectionCount++;
                _interfaces.Clear();
                CountMalformedOptions(body[SectionHeaderFixedLength..]);
                return BlockOutcome.Next;

            case (uint)PcapngBlockType.InterfaceDescription:
                return AddInterface(body, offset);

            default:
                return BlockOutcome.Next;
        }
    }

    /// <returns>A problem sentence, or <see langword="null"/> when the section header can be read.</returns>
    private string? CheckSectionHeader(ReadOnlySpan<byte> body, long offset)
    {
        if (body.Length < SectionHeaderFixedLength)
            return $"section header block at offset {offset} is too short ({body.Length + MinBlockLength} bytes)";

        int major = ReadUInt16(body[4..]);
        int minor = ReadUInt16(body[6..]);
        if (major != 1 || (minor != 0 && minor != 2))
            return $"unsupported pcapng version {major}.{minor} in the section header block at offset {offset} (1.0 and 1.2 are read)";

        return null;
    }

    private BlockOutcome TooShort(PcapngBlockType type, long offset, int bodyLength)
    {
        Fail(ReadStatus.Corrupt, $"{Describe((uint)type)} at offset {offset} is too short ({bodyLength + MinBlockLength} bytes)");
        return BlockOutcome.Stop;
    }

    private BlockOutcome LongerThanBlock(PcapngBlockType type, long offset, uint capturedLength, int room)
    {
        Fail(ReadStatus.Corrupt, $"{Describe((uint)type)} at offset {offset} claims {capturedLength} captured bytes but holds only {room}");
        return BlockOutcome.Stop;
    }

    private ReadStatus Fail(ReadStatus status, string? problem)
    {
        _final = status;
        Problem = problem;
        _input.Stop();
        return status;
    }

    private static int ClampLength(uint length) => (int)Math.Min(length, int.MaxValue);

    private static string Describe(uint type) => type switch
    {
        (uint)PcapngBlockType.SectionHeader => "section header block",
        (uint)PcapngBlockType.InterfaceDescription => "interface description block",
        (uint)PcapngBlockType.EnhancedPacket => "enhanced packet block",
        (uint)PcapngBlockType.SimplePacket => "simple packet block",
        (uint)PcapngBlockType.Packet => "packet block",
        (uint)PcapngBlockType.NameResolution => "name resolution block",
        (uint)PcapngBlockType.InterfaceStatistics => "interface statistics block",
        (uint)PcapngBlockType.DecryptionSecrets => "decryption secrets block",
        (uint)PcapngBlockType.SystemdJournalExport => "systemd journal export block",
        (uint)PcapngBlockType.Custom or (uint)PcapngBlockType.CustomDoNotCopy => "custom block",
        _ => $"block of type 0x{type:x8}",
    };

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ReadUInt32(ReadOnlySpan<byte> span)
    {
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(span);
        return _bigEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ushort ReadUInt16(ReadOnlySpan<byte> span)
    {
        ushort value = BinaryPrimitives.ReadUInt16LittleEndian(span);
        return _bigEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    private enum BlockOutcome
    {
        /// <summary>A packet was produced.</summary>
        Packet,
        /// <summary>The block was consumed without producing a packet.</summary>
        Next,
        /// <summary>Reading has stopped (<c>_final</c> is set).</summary>
        Stop,
    }
}
