using System.Buffers;

namespace Assay.Protocols.Mining;

/// <summary>
/// Newline-delimited JSON (Stratum, XMRig/CryptoNote, EthProxy over TCP): one JSON text per line, <c>\n</c> terminated,
/// an optional <c>\r</c> before it. A line is capped at <see cref="MaxLineLength"/> so a peer cannot make us buffer
/// without bound; real lines are far shorter (an XMRig login with 31 algorithms is ~700 bytes, a Bitcoin
/// <c>mining.notify</c> with a full merkle branch a few KiB).
/// </summary>
public static class JsonLineFramer
{
    /// <summary>Longest line kept, without its newline.</summary>
    public const int MaxLineLength = 64 * 1024;

    /// <summary>
    /// Reads one line. <see cref="OperationStatus.Done"/>: <paramref name="line"/> is the line without its <c>\n</c> (and
    /// a trailing <c>\r</c>); <paramref name="consumed"/> includes the newline. <see cref="OperationStatus.NeedMoreData"/>:
    /// no newline in <paramref name="input"/>, nothing consumed: the caller keeps the bytes (up to
    /// <see cref="MaxLineLength"/>) and calls again with more. <see cref="OperationStatus.InvalidData"/>: the line is longer
    /// than <see cref="MaxLineLength"/>; <paramref name="consumed"/> skips it, through its newline when present, else all
    /// of the input: the line goes on in later bytes, so the caller drops input through the next newline before it frames
    /// again (otherwise the tail of the long line would come back as a line).
    /// </summary>
    public static OperationStatus TryReadLine(ReadOnlySpan<byte> input, out ReadOnlySpan<byte> line, out int consumed)
    {
        line = default;
        int newline = input.IndexOf((byte)'\n');
        if (newline < 0)
        {
            if (input.Length > MaxLineLength)
            {
                consumed = input.Length;
                return OperationStatus.InvalidData;
            }

            consumed = 0;
            return OperationStatus.NeedMoreData;
        }

        consumed = newline + 1;
        int length = newline > 0 && input[newline - 1] == (byte)'\r' ? newline - 1 : newline;
        if (length > MaxLineLength)
            return OperationStatus.InvalidData;
        line = input[..length];
        return OperationStatus.Done;
    }
}
