using System.Buffers.Binary;

namespace Assay.Protocols.Tls;

/// <summary>
/// Reads TLS presentation-language fields (RFC 8446 §3) from a span: big-endian integers and vectors with 1-, 2- or 3-byte
/// length prefixes. Every read checks the remaining length and reports failure instead of throwing.
/// </summary>
internal ref struct TlsSpanReader(ReadOnlySpan<byte> data)
{
    private ReadOnlySpan<byte> _rest = data;

    public readonly bool IsEmpty => _rest.IsEmpty;

    public readonly ReadOnlySpan<byte> Rest => _rest;

    public bool TryReadByte(out byte value)
    {
        if (_rest.IsEmpty)
        {
            value = 0;
            return false;
        }

        value = _rest[0];
        _rest = _rest[1..];
        return true;
    }

    public bool TryReadUInt16(out ushort value)
    {
        if (_rest.Length < 2)
        {
            value = 0;
            return false;
        }

        value = BinaryPrimitives.ReadUInt16BigEndian(_rest);
        _rest = _rest[2..];
        return true;
    }

    public bool TryReadUInt24(out int value)
    {
        if (_rest.Length < 3)
        {
            value = 0;
            return false;
        }

        value = ReadUInt24(_rest);
        _rest = _rest[3..];
        return true;
    }

    public bool TryReadBytes(int length, out ReadOnlySpan<byte> value)
    {
        // (uint) folds "negative" into "too long".
        if ((uint)length > (uint)_rest.Length)
        {
            value = default;
            return false;
        }

        value = _rest[..length];
        _rest = _rest[length..];
        return true;
    }

    /// <summary><c>opaque x&lt;0..2^8-1&gt;</c>.</summary>
    public bool TryReadVector8(out ReadOnlySpan<byte> value)
    {
        value = default;
        return TryReadByte(out byte length) && TryReadBytes(length, out value);
    }

    /// <summary><c>opaque x&lt;0..2^16-1&gt;</c>.</summary>
    public bool TryReadVector16(out ReadOnlySpan<byte> value)
    {
        value = default;
        return TryReadUInt16(out ushort length) && TryReadBytes(length, out value);
    }

    /// <summary><c>opaque x&lt;0..2^24-1&gt;</c>.</summary>
    public bool TryReadVector24(out ReadOnlySpan<byte> value)
    {
        value = default;
        return TryReadUInt24(out int length) && TryReadBytes(length, out value);
    }

    public static int ReadUInt24(ReadOnlySpan<byte> source) => (source[0] << 16) | (source[1] << 8) | source[2];
}
