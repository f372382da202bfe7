using System.Buffers;
using System.Text;

namespace Assay.Protocols.Http;

/// <summary>Field values that decide framing and naming (RFC 9110 §5, §8; RFC 9112 §6; RFC 6266).</summary>
internal static class HttpFieldParser
{
    /// <summary>RFC 9110 §5.6.2 tchar: <c>!#$%&amp;'*+-.^_`|~</c>, digits, letters.</summary>
    private const string TokenChars = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

    /// <summary>Longest Content-Length accepted: 18 digits always fit a <see cref="long"/>.</summary>
    private const int MaxContentLengthDigits = 18;

    private static readonly SearchValues<byte> s_tokenBytes = SearchValues.Create(Encoding.ASCII.GetBytes(TokenChars));

    public static ReadOnlySpan<byte> Whitespace => " \t"u8;

    public static bool IsToken(ReadOnlySpan<byte> value) => !value.IsEmpty && value.IndexOfAnyExcept(s_tokenBytes) < 0;

    public static ReadOnlySpan<byte> TrimWhitespace(ReadOnlySpan<byte> value) => value.Trim(Whitespace);

    /// <summary>
    /// Content-Length (RFC 9110 §8.6): digits only. A list of identical values (<c>42, 42</c>, as some proxies send) is that
    /// value. Leading zeros are accepted and reported (<paramref name="leadingZeros"/>): they are a smuggling signal
    /// (Zeek's <c>HTTP_content_length_leading_zeros</c>).
    /// </summary>
    /// <returns>The length, or -1 when the value is not a valid length.</returns>
    public static long ParseContentLength(ReadOnlySpan<byte> value, out bool leadingZeros)
    {
        leadingZeros = false;
        long result = -1;
        while (true)
        {
            int comma = value.IndexOf((byte)',');
            ReadOnlySpan<byte> item = TrimWhitespace(comma < 0 ? value : value[..comma]);
            long one = ParseDigits(item, ref leadingZeros);
            if (one < 0 || (result >= 0 && one != result))
                return -1;
            result = one;
            if (comma < 0)
                return result;
            value = value[(comma + 1)..];
        }
    }

    private static long ParseDigits(ReadOnlySpan<byte> digits, ref bool leadingZeros)
    {
        if (digits.IsEmpty || digits.IndexOfAnyExceptInRange((byte)'0', (byte)'9') >= 0)
            return -1;
        int significant = digits.IndexOfAnyExcept((byte)'0');
        if (significant < 0)
            significant = digits.Length - 1;
        if (significant > 0)
            leadingZeros = true;
        digits = digits[significant..];
        if (digits.Length > MaxContentLengthDigits)
            return -1;
        long value = 0;
        foreach (byte d in digits)
            value = (value * 10) + (d - '0');
        return value;
    }

    /// <summary>
    /// Transfer-Encoding (RFC 9112 §6.1): a list of codings. Reports whether <c>chunked</c> appears — anywhere in a coding,
    /// as libhtp and some browsers read <c>xchunked</c> or <c>chunked x</c> (noxxi's http-evader) —, whether the final
    /// coding is exactly <c>chunked</c>, and whether any coding other than <c>chunked</c> and <c>identity</c> appears.
    /// </summary>
    public static void ParseTransferEncoding(ReadOnlySpan<byte> value, ref bool chunked, ref bool chunkedLast, ref bool other)
    {
        while (true)
        {
            int comma = value.IndexOf((byte)',');
            ReadOnlySpan<byte> item = TrimWhitespace(comma < 0 ? value : value[..comma]);
            int semicolon = item.IndexOf((byte)';');
            if (semicolon >= 0)
                item = TrimWhitespace(item[..semicolon]);
            if (!item.IsEmpty)
            {
                if (Ascii.EqualsIgnoreCase(item, "chunked"u8))
                {
                    chunked = true;
                    chunkedLast = true;
                }
                else
                {
                    chunkedLast = false;
                    if (!Ascii.EqualsIgnoreCase(item, "identity"u8))
                        other = true;
                    if (Contains(item, "chunked"u8))
                        chunked = true;
                }
            }

            if (comma < 0)
                return;
            value = value[(comma + 1)..];
        }
    }

    /// <summary>ASCII case-insensitive substring test (<paramref name="lowerWord"/> in lower case).</summary>
    private static bool Contains(ReadOnlySpan<byte> item, ReadOnlySpan<byte> lowerWord)
    {
        for (int i = 0; i + lowerWord.Length <= item.Length; i++)
        {
            if (Ascii.EqualsIgnoreCase(item.Slice(i, lowerWord.Length), lowerWord))
                return true;
        }

        return false;
    }

    /// <summary>
    /// Content-Encoding (RFC 9110 §8.4): adds this field's codings to <paramref name="codings"/> in order (repeated fields
    /// continue the list). gzip and deflate (and names holding them: x-gzip, x-deflate) can be undone; identity is
    /// skipped; anything else makes the body undecodable (kept as sent).
    /// </summary>
    public static void ParseContentEncoding(ReadOnlySpan<byte> value, ref HttpContentCodings codings)
    {
        while (true)
        {
            int comma = value.IndexOf((byte)',');
            ReadOnlySpan<byte> item = TrimWhitespace(comma < 0 ? value : value[..comma]);
            if (!item.IsEmpty && !Ascii.EqualsIgnoreCase(item, "identity"u8))
            {
                // As libhtp (and browsers, per http-evader): a token naming gzip or deflate anywhere ("x-gzip", "x-deflate",
                // "gzip x") is that coding.
                if (Contains(item, "gzip"u8))
                    codings.Add(HttpContentCoding.Gzip);
                else if (Contains(item, "deflate"u8))
                    codings.Add(HttpContentCoding.Deflate);
                else
                    codings.Unsupported = true;
            }

            if (comma < 0)
                return;
            value = value[(comma + 1)..];
        }
    }

    /// <summary>
    /// The file name in a Content-Disposition value (RFC 6266 §4.1): <c>filename*</c> (the encoded text after the charset
    /// and language, not percent-decoded) is preferred over <c>filename</c> (token or quoted-string, quotes removed).
    /// </summary>
    public static ReadOnlySpan<byte> DispositionFileName(ReadOnlySpan<byte> value)
    {
        ReadOnlySpan<byte> plain = default;
        int semicolon = value.IndexOf((byte)';');
        while (semicolon >= 0)
        {
            value = value[(semicolon + 1)..];
            ReadOnlySpan<byte> parameter = TrimWhitespace(value);
            int equals = parameter.IndexOf((byte)'=');
            int end;
            if (equals < 0)
            {
                semicolon = value.IndexOf((byte)';');
                continue;
            }

            ReadOnlySpan<byte> name = TrimWhitespace(parameter[..equals]);
            ReadOnlySpan<byte> rest = TrimWhitespace(parameter[(equals + 1)..]);
            ReadOnlySpan<byte> parameterValue;
            if (!rest.IsEmpty && rest[0] == (byte)'"')
            {
                int close = rest[1..].IndexOf((byte)'"');
                parameterValue = close < 0 ? rest[1..] : rest.Slice(1, close);
                end = close < 0 ? rest.Length : close + 2;
            }
            else
            {
                end = rest.IndexOf((byte)';');
                if (end < 0)
                    end = rest.Length;
                parameterValue = TrimWhitespace(rest[..end]);
            }

            if (Ascii.EqualsIgnoreCase(name, "filename*"u8))
            {
                // charset'language'encoded-text
                int first = parameterValue.IndexOf((byte)'\'');
                int second = first < 0 ? -1 : parameterValue[(first + 1)..].IndexOf((byte)'\'');
                if (second >= 0)
                    return parameterValue[(first + second + 2)..];
            }
            else if (plain.IsEmpty && Ascii.EqualsIgnoreCase(name, "filename"u8))
            {
                plain = parameterValue;
            }

            ReadOnlySpan<byte> after = rest[end..];
            semicolon = after.IndexOf((byte)';');
            value = after;
        }

        return plain;
    }

    /// <summary>The path of a request target: origin-form as is, absolute-form without scheme and authority; query and fragment removed.</summary>
    public static ReadOnlySpan<byte> TargetPath(ReadOnlySpan<byte> target)
    {
        int scheme = target.IndexOf("://"u8);
        if (scheme > 0 && target[0] != (byte)'/')
        {
            ReadOnlySpan<byte> afterScheme = target[(scheme + 3)..];
            int slash = afterScheme.IndexOf((byte)'/');
            target = slash < 0 ? "/"u8 : afterScheme[slash..];
        }

        int end = target.IndexOfAny((byte)'?', (byte)'#');
        return end < 0 ? target : target[..end];
    }

    /// <summary>The authority of an absolute-form target (<c>http://host:port/…</c>), else empty.</summary>
    public static ReadOnlySpan<byte> TargetAuthority(ReadOnlySpan<byte> target)
    {
        int scheme = target.IndexOf("://"u8);
        if (scheme <= 0 || target[0] == (byte)'/')
            return default;
        ReadOnlySpan<byte> afterScheme = target[(scheme + 3)..];
        int end = afterScheme.IndexOfAny((byte)'/', (byte)'?', (byte)'#');
        ReadOnlySpan<byte> authority = end < 0 ? afterScheme : afterScheme[..end];
        int at = authority.LastIndexOf((byte)'@');
        return at < 0 ? authority : authority[(at + 1)..];
    }
}
