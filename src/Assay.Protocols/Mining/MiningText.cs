using System.Text;

namespace Assay.Protocols.Mining;

/// <summary>
/// A text field of a mining session kept as bytes: <see cref="Set"/> compares before copying, so a value that repeats
/// (the same login on every reconnect, the same algorithm on every job) costs no allocation; the string is made once
/// per change, when output first reads it. The buffer is allocated on first use and reused after <see cref="Clear"/>.
/// </summary>
internal sealed class MiningText(int capacity)
{
    private byte[]? _bytes;
    private int _length;
    private bool _has;
    private string? _string;

    public bool HasValue => _has;

    public ReadOnlySpan<byte> Bytes => _has ? _bytes.AsSpan(0, _length) : [];

    public string? Value => _has ? _string ??= Encoding.UTF8.GetString(_bytes!, 0, _length) : null;

    /// <summary>Sets the value (cut to the capacity on a UTF-8 character boundary); true when it changed.</summary>
    public bool Set(ReadOnlySpan<byte> value)
    {
        value = Truncate(value, capacity);
        if (_has && value.SequenceEqual(_bytes.AsSpan(0, _length)))
            return false;
        _bytes ??= new byte[capacity];
        value.CopyTo(_bytes);
        _length = value.Length;
        _has = true;
        _string = null;
        return true;
    }

    public void Clear()
    {
        _has = false;
        _length = 0;
        _string = null;
    }

    /// <summary>At most <paramref name="max"/> bytes, not ending inside a UTF-8 sequence.</summary>
    public static ReadOnlySpan<byte> Truncate(ReadOnlySpan<byte> value, int max)
    {
        if (value.Length <= max)
            return value;
        int end = max;

        // Back up over continuation bytes (10xxxxxx) so the cut falls before the lead byte of a split character.
        while (end > 0 && (value[end] & 0xC0) == 0x80)
            end--;
        return value[..end];
    }
}
