using System.Buffers.Binary;
using System.Runtime.CompilerServices;

namespace Assay.Capture;

/// <summary>Reads classic pcap (libpcap savefile): microsecond or nanosecond timestamps, either byte order.</summary>
/// <remarks>
/// <code>
/// File header, 24 bytes, in the writer's byte order (the magic tells which):
///   0  magic         u32   A1B2C3D4 (µs) or A1B23C4D (ns)
///   4  version       u16 major, u16 minor   2.0 … 2.4 are read (as libpcap); 543.0 too (DG/UX tcpdump)
///   8  thiszone      i32   ignored (libpcap writes 0 and ignores it)
///  12  sigfigs       u32   ignored
///  16  snaplen       u32
///  20  linktype      u32   bits 0-15 LINKTYPE_, 16-25 reserved (must be 0), 26 F (FCS length present),
///                          27 reserved, 28-31 FCS length in 16-bit words
/// Record header, 16 bytes, then caplen bytes of packet:
///   0  ts_sec u32 (unsigned: good past 2038)   4  ts_frac u32   8  caplen u32   12  origlen u32
/// </code>
/// A file whose link-type field has reserved bits 16-25 set is rejected, as libpcap does
/// ("savefile linktype reserved field not zero"; its test <c>linktype-reserved-field-not-zero.pcap</c>).
/// <c>caplen &gt; origlen</c> is delivered as is and counted in <see cref="CapturedLongerThanOriginal"/>.
/// </remarks>
public sealed class PcapReader : IPacketSource
{
    public const int FileHeaderLength = 24;
    public const int RecordHeaderLength = 16;

    /// <summary>
    /// Largest captured length accepted; a longer one means the file is corrupt from there. libpcap stops at 262144
    /// (its MAXIMUM_SNAPLEN) for most link types, but allows more for some (USB, D-Bus) and other writers go further
    /// (TSO/GRO super-frames), so we are lenient up to 16 MiB, which still bounds the buffer.
    /// </summary>
    public const int MaxPacketLength = 16 << 20;

    private const uint LinkTypeReservedMask = 0x03FF0000;
    private const uint FcsPresentBit = 0x04000000;

    private readonly CaptureInput _input;
    private readonly bool _bigEndian;
    private readonly uint _fractionScale;
    private readonly int _linkType;
    private ReadStatus _final = ReadStatus.Packet;

    internal PcapReader(CaptureInput input, string name)
    {
        _input = input;
        Name = name;
        if (!input.Ensure(FileHeaderLength))
            throw new CaptureFormatException(input.ReadError ?? $"file ends inside the pcap file header ({input.Available} of {FileHeaderLength} bytes)");

        ReadOnlySpan<byte> h = input.Unread;
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(h);
        _bigEndian = magic is 0xD4C3B2A1 or 0x4D3CB2A1;
        magic = _bigEndian ? BinaryPrimitives.ReverseEndianness(magic) : magic;
        Nanoseconds = magic == PcapWriter.MagicNanoseconds;
        if (!Nanoseconds && magic != PcapWriter.MagicMicroseconds)
            throw new CaptureFormatException($"not a pcap file (magic 0x{magic:x8})");

        _fractionScale = Nanoseconds ? 1u : 1000u;
        VersionMajor = ReadUInt16(h[4..]);
        VersionMinor = ReadUInt16(h[6..]);
        if (!(VersionMajor == 2 && VersionMinor <= 4) && !(VersionMajor == 543 && VersionMinor == 0))
            throw new CaptureFormatException($"unsupported pcap version {VersionMajor}.{VersionMinor} (2.0 to 2.4 are read)");

        SnapLength = ReadUInt32(h[16..]);
        uint linkField = ReadUInt32(h[20..]);
        if ((linkField & LinkTypeReservedMask) != 0)
            throw new CaptureFormatException($"pcap link type field 0x{linkField:x8} has reserved bits set, as libpcap rejects");

        _linkType = (int)(linkField & 0xFFFF);
        FcsLength = (linkField & FcsPresentBit) != 0 ? (int)(linkField >> 28) * 2 : -1;
        input.Advance(FileHeaderLength);
    }

    public string Name { get; }

    public string? Problem { get; private set; }

    public long Position => _input.Position;

    public long Length => _input.Length;

    /// <summary>The LINKTYPE_ of every packet (low 16 bits of the header's link-type field).</summary>
    public int LinkType => _linkType;

    public bool Nanoseconds { get; }

    public bool BigEndian => _bigEndian;

    public int VersionMajor { get; }

    public int VersionMinor { get; }

    public uint SnapLength { get; }

    /// <summary>Bytes of frame check sequence at the end of every packet when the header states it, else -1.</summary>
    public int FcsLength { get; }

    /// <summary>Records whose captured length exceeds the original length (an oddity some writers produce; delivered as is).</summary>
    public long CapturedLongerThanOriginal { get; private set; }

    public ReadStatus TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        // Common case: the whole record is already buffered. One unsigned compare checks that caplen fits in what is
        // left, which also bounds it below the buffer size and so below MaxPacketLength.
        ReadOnlySpan<byte> unread = _input.Unread;
        if (unread.Length >= RecordHeaderLength)
        {
            uint capturedLength = ReadUInt32(unread[8..]);
            if (capturedLength <= (uint)(unread.Length - RecordHeaderLength) && capturedLength <= MaxPacketLength)
                return Deliver(unread, (int)capturedLength, out header, out data);
        }

        return TryReadPacketSlow(out header, out data);
    }

    public void Dispose() => _input.Dispose();

    [MethodImpl(MethodImplOptions.NoInlining)]
    private ReadStatus TryReadPacketSlow(out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        header = default;
        data = default;
        if (_final != ReadStatus.Packet)
            return _final;

        long offset = _input.Offset;
        if (!_input.Ensure(RecordHeaderLength))
        {
            if (_input.ReadError is not null)
                return Fail(ReadStatus.Corrupt, _input.ReadError);
            if (_input.Available == 0)
                return Fail(ReadStatus.EndOfInput, null);
            return Fail(ReadStatus.Truncated,
                $"file ends inside the packet record header at offset {offset} ({_input.Available} of {RecordHeaderLength} bytes present)");
        }

        uint capturedLength = ReadUInt32(_input.Unread[8..]);
        if (capturedLength > MaxPacketLength)
        {
            return Fail(ReadStatus.Corrupt,
                $"packet record at offset {offset} claims {capturedLength} captured bytes, more than the {MaxPacketLength}-byte limit");
        }

        if (!_input.Ensure(RecordHeaderLength + (int)capturedLength))
        {
            if (_input.ReadError is not null)
                return Fail(ReadStatus.Corrupt, _input.ReadError);
            return Fail(ReadStatus.Truncated,
                $"file ends inside the packet record at offset {offset}: it claims {capturedLength} captured bytes but only {_input.Available - RecordHeaderLength} remain");
        }

        return Deliver(_input.Unread, (int)capturedLength, out header, out data);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private ReadStatus Deliver(ReadOnlySpan<byte> record, int capturedLength, out PacketHeader header, out ReadOnlySpan<byte> data)
    {
        uint seconds = ReadUInt32(record);
        uint fraction = ReadUInt32(record[4..]);
        uint originalLength = ReadUInt32(record[12..]);
        if ((uint)capturedLength > originalLength)
            CapturedLongerThanOriginal++;

        header = new PacketHeader(
            (long)seconds * 1_000_000_000L + (long)fraction * _fractionScale,
            capturedLength,
            // Origlen is not bounded by anything in the file; clamp instead of wrapping negative.
            (int)Math.Min(originalLength, int.MaxValue),
            _linkType,
            0);
        data = record.Slice(RecordHeaderLength, capturedLength);
        _input.Advance(RecordHeaderLength + capturedLength);
        return ReadStatus.Packet;
    }

    private ReadStatus Fail(ReadStatus status, string? problem)
    {
        _final = status;
        Problem = problem;
        _input.Stop();
        return status;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private uint ReadUInt32(ReadOnlySpan<byte> span)
    {
        uint value = BinaryPrimitives.ReadUInt32LittleEndian(span);
        return _bigEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }

    private ushort ReadUInt16(ReadOnlySpan<byte> span)
    {
        ushort value = BinaryPrimitives.ReadUInt16LittleEndian(span);
        return _bigEndian ? BinaryPrimitives.ReverseEndianness(value) : value;
    }
}
