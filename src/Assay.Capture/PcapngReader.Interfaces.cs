using System.Buffers.Binary;

namespace Assay.Capture;

public sealed partial class PcapngReader
{
    private const ushort EndOfOptions = 0;
    private const ushort InterfaceTimestampResolution = 9;   // if_tsresol: u8
    private const ushort InterfaceTimestampOffset = 14;      // if_tsoffset: i64 seconds
    private const int OptionHeaderLength = 4;

    private BlockOutcome AddInterface(ReadOnlySpan<byte> body, long offset)
    {
        if (body.Length < InterfaceFixedLength)
            return TooShort(PcapngBlockType.InterfaceDescription, offset, body.Length);

        if (_interfaces.Count == MaxInterfacesPerSection)
        {
            Fail(ReadStatus.Corrupt,
                $"interface description block at offset {offset} would be interface {MaxInterfacesPerSection + 1} of its section, more than the limit");
            return BlockOutcome.Stop;
        }

        int linkType = ReadUInt16(body);
        uint snapLength = ReadUInt32(body[4..]);
        byte resolution = InterfaceInfo.DefaultResolution;
        long offsetSeconds = 0;

        ReadOnlySpan<byte> options = body[InterfaceFixedLength..];
        while (TryReadOption(ref options, out ushort code, out ReadOnlySpan<byte> value))
        {
            if (code == InterfaceTimestampResolution && value.Length >= 1)
                resolution = value[0];
            else if (code == InterfaceTimestampOffset && value.Length >= 8)
                offsetSeconds = (long)(_bigEndian ? BinaryPrimitives.ReadUInt64BigEndian(value) : BinaryPrimitives.ReadUInt64LittleEndian(value));
        }

        _interfaces.Add(new InterfaceInfo(linkType, snapLength, resolution, offsetSeconds));
        return BlockOutcome.Next;
    }

    private void CountMalformedOptions(ReadOnlySpan<byte> options)
    {
        while (TryReadOption(ref options, out _, out _))
        {
        }
    }

    /// <summary>Reads the next option and steps past it and its padding.</summary>
    /// <returns><see langword="false"/> at the end of the list, or at an option that runs past the block (counted).</returns>
    private bool TryReadOption(ref ReadOnlySpan<byte> options, out ushort code, out ReadOnlySpan<byte> value)
    {
        code = EndOfOptions;
        value = default;
        if (options.IsEmpty)
            return false;

        if (options.Length < OptionHeaderLength)
        {
            MalformedOptions++;
            return false;
        }

        code = ReadUInt16(options);
        int length = ReadUInt16(options[2..]);
        if (code == EndOfOptions)
            return false;

        int padded = (length + 3) & ~3;
        if (padded > options.Length - OptionHeaderLength)
        {
            MalformedOptions++;
            return false;
        }

        value = options.Slice(OptionHeaderLength, length);
        options = options[(OptionHeaderLength + padded)..];
        return true;
    }

    /// <summary>What a packet needs from its interface: link type, snap length, and how to turn timestamp units into nanoseconds.</summary>
    private readonly struct InterfaceInfo
    {
        /// <summary>if_tsresol default: 10^-6 (microseconds).</summary>
        public const byte DefaultResolution = 6;
        private const ulong NanosPerSecond = 1_000_000_000;
        private const int MaxDecimalExponent = 19;   // 10^19 is the largest power of ten in a ulong

        private readonly ulong _factor;
        private readonly int _binaryShift;
        private readonly Scale _scale;
        private readonly long _offsetNanos;

        public InterfaceInfo(int linkType, uint snapLength, byte resolution, long offsetSeconds)
        {
            LinkType = linkType;
            SnapLength = snapLength;
            // Wraps for absurd offsets rather than throwing: the file is input, not configuration.
            _offsetNanos = unchecked(offsetSeconds * (long)NanosPerSecond);

            // if_tsresol: high bit clear = 10^-n seconds per unit, set = 2^-n.
            int exponent = resolution & 0x7F;
            if ((resolution & 0x80) != 0)
            {
                _scale = Scale.Binary;
                _binaryShift = exponent;
            }
            else if (exponent <= 9)
            {
                _scale = Scale.Multiply;
                _factor = Pow10(9 - exponent);
            }
            else if (exponent - 9 <= MaxDecimalExponent)
            {
                _scale = Scale.Divide;
                _factor = Pow10(exponent - 9);
            }
            else
            {
                _scale = Scale.Zero;   // units below 10^-28 s: every timestamp rounds to 0 ns
            }
        }

        public int LinkType { get; }

        public uint SnapLength { get; }

        public long ToNanoseconds(ulong units) => unchecked(_scale switch
        {
            Scale.Multiply => (long)(units * _factor),
            Scale.Divide => (long)(units / _factor),
            Scale.Binary => (long)(ulong)(((UInt128)units * NanosPerSecond) >> _binaryShift),
            _ => 0,
        } + _offsetNanos);

        private static ulong Pow10(int exponent)
        {
            ulong value = 1;
            for (int i = 0; i < exponent; i++)
                value *= 10;
            return value;
        }

        private enum Scale : byte
        {
            Multiply,
            Divide,
            Binary,
            Zero,
        }
    }
}
