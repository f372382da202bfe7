namespace Assay.Protocols.Tls;

/// <summary>
/// Walks an extensions block (the contents of <c>Extension extensions&lt;…&gt;</c>): <c>extension_type(2) length(2) data</c>,
/// repeated. Stops at the first entry that overruns the block and then reports <see cref="IsValid"/> false.
/// </summary>
public ref struct TlsExtensionReader(ReadOnlySpan<byte> extensions)
{
    private TlsSpanReader _reader = new(extensions);

    /// <summary>False once an entry was cut short: the block's framing is broken and the rest cannot be read.</summary>
    public bool IsValid { readonly get; private set; } = true;

    public bool TryReadNext(out ushort type, out ReadOnlySpan<byte> data)
    {
        data = default;
        type = 0;
        if (!IsValid || _reader.IsEmpty)
            return false;

        if (!_reader.TryReadUInt16(out type) || !_reader.TryReadVector16(out data))
        {
            IsValid = false;
            return false;
        }

        return true;
    }
}
