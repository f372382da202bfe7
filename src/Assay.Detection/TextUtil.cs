using System.Buffers;
using System.Text;

namespace Assay.Detection;

/// <summary>Small text helpers shared by the analyzers: widening, URL and base64 decoding, printable excerpts.</summary>
internal static class TextUtil
{
    /// <summary>Longest excerpt an alert carries (characters).</summary>
    public const int MaxExcerptChars = 200;

    /// <summary>Widens bytes to chars one to one (Latin-1): every byte keeps its value, nothing is rejected.</summary>
    public static int Widen(ReadOnlySpan<byte> bytes, Span<char> destination) => Encoding.Latin1.GetChars(bytes, destination);

    /// <summary>
    /// Percent-decodes <paramref name="source"/> into <paramref name="destination"/> (same length or longer); with
    /// <paramref name="plusIsSpace"/> a <c>+</c> becomes a space (query strings and form bodies). Invalid escapes stay as they are.
    /// </summary>
    public static int UrlDecode(ReadOnlySpan<char> source, Span<char> destination, bool plusIsSpace)
    {
        int written = 0;
        for (int i = 0; i < source.Length; i++)
        {
            char c = source[i];
            if (c == '%' && i + 2 < source.Length && HexValue(source[i + 1]) >= 0 && HexValue(source[i + 2]) >= 0)
            {
                destination[written++] = (char)((HexValue(source[i + 1]) << 4) | HexValue(source[i + 2]));
                i += 2;
            }
            else if (c == '%' && i + 5 < source.Length && (source[i + 1] == 'u' || source[i + 1] == 'U')
                && HexValue(source[i + 2]) >= 0 && HexValue(source[i + 3]) >= 0 && HexValue(source[i + 4]) >= 0 && HexValue(source[i + 5]) >= 0)
            {
                // IIS-style %uXXXX: keep the low byte when it is ASCII (how such payloads are meant to be read).
                int value = (HexValue(source[i + 2]) << 12) | (HexValue(source[i + 3]) << 8) | (HexValue(source[i + 4]) << 4) | HexValue(source[i + 5]);
                destination[written++] = (char)value;
                i += 5;
            }
            else
            {
                destination[written++] = plusIsSpace && c == '+' ? ' ' : c;
            }
        }

        return written;
    }

    public static int HexValue(char c) => c switch
    {
        >= '0' and <= '9' => c - '0',
        >= 'a' and <= 'f' => c - 'a' + 10,
        >= 'A' and <= 'F' => c - 'A' + 10,
        _ => -1,
    };

    private static readonly SearchValues<char> s_base64Chars =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_");

    /// <summary>
    /// Decodes a base64 (or base64url) parameter value into <paramref name="destination"/> as Latin-1 chars when it is
    /// at least <paramref name="minLength"/> long, consists of base64 characters only, and decodes to mostly printable
    /// text (at least 90 % printable ASCII or whitespace). Returns the char count, or 0.
    /// </summary>
    public static int TryDecodeBase64Text(ReadOnlySpan<char> value, Span<byte> scratch, Span<char> destination, int minLength)
    {
        if (value.Length < minLength || value.ContainsAnyExcept(s_base64Chars))
            return 0;

        // Normalize base64url and missing padding into the scratch as chars: the payload is at most 3/4 of the input.
        int length = value.Length;
        Span<char> normalized = destination; // reuse as staging: the decoded text is always shorter than the input
        if (length + 3 > normalized.Length)
            return 0;
        int n = 0;
        for (int i = 0; i < length; i++)
        {
            char c = value[i];
            normalized[n++] = c == '-' ? '+' : c == '_' ? '/' : c;
        }

        while ((n & 3) != 0)
            normalized[n++] = '=';
        if (!Convert.TryFromBase64Chars(normalized[..n], scratch, out int bytes) || bytes == 0)
            return 0;

        int printable = 0;
        for (int i = 0; i < bytes; i++)
        {
            byte b = scratch[i];
            if (b is >= 0x20 and < 0x7F or (byte)'\t' or (byte)'\n' or (byte)'\r')
                printable++;
        }

        if (printable * 10 < bytes * 9)
            return 0;
        return Widen(scratch[..bytes], destination);
    }

    /// <summary>A printable excerpt: at most <see cref="MaxExcerptChars"/> characters, control and non-ASCII characters as <c>\xNN</c>.</summary>
    public static string Excerpt(ReadOnlySpan<char> text, int start, int length)
    {
        start = Math.Clamp(start, 0, text.Length);
        length = Math.Clamp(length, 0, text.Length - start);
        var builder = new StringBuilder(Math.Min(length, MaxExcerptChars));
        for (int i = start; i < start + length && builder.Length < MaxExcerptChars; i++)
        {
            char c = text[i];
            if (c is >= ' ' and < (char)0x7F)
            {
                builder.Append(c);
            }
            else
            {
                if (builder.Length + 4 > MaxExcerptChars)
                    break;
                builder.Append(c switch { '\r' => "\\r", '\n' => "\\n", '\t' => "\\t", _ => "\\x" + ((int)c & 0xFF).ToString("x2", System.Globalization.CultureInfo.InvariantCulture) });
            }
        }

        return builder.ToString();
    }

    /// <summary>
    /// Whether the <paramref name="length"/> characters at <paramref name="index"/> of <paramref name="text"/> are a whole word
    /// (no letter, digit, <c>_</c> or <c>-</c> on either side).
    /// </summary>
    public static bool IsWordAt(ReadOnlySpan<char> text, int index, int length)
    {
        if (index > 0 && IsWordChar(text[index - 1]))
            return false;
        int end = index + length;
        return end >= text.Length || !IsWordChar(text[end]);
    }

    public static bool IsWordChar(char c) => char.IsAsciiLetterOrDigit(c) || c is '_' or '-';

    /// <summary>Index of <paramref name="word"/> as a whole word (ASCII case-insensitive) at or after <paramref name="from"/>, or -1.</summary>
    public static int IndexOfWord(ReadOnlySpan<char> text, string word, int from = 0)
    {
        while (from <= text.Length)
        {
            int at = text[from..].IndexOf(word, StringComparison.OrdinalIgnoreCase);
            if (at < 0)
                return -1;
            at += from;
            if (IsWordAt(text, at, word.Length))
                return at;
            from = at + 1;
        }

        return -1;
    }

    public static bool Contains(ReadOnlySpan<char> text, string value) => text.Contains(value, StringComparison.OrdinalIgnoreCase);

    public static int IndexOf(ReadOnlySpan<char> text, string value) => text.IndexOf(value, StringComparison.OrdinalIgnoreCase);
}
