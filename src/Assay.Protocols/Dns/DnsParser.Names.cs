namespace Assay.Protocols.Dns;

public static partial class DnsParser
{
    /// <summary>Longest decoded name kept, in bytes (labels joined by dots); longer names are cut and flagged. As dnsmasq (and Suricata).</summary>
    public const int MaxDnsNameLength = 1025;

    /// <summary>Longest label: the two top bits of a length byte select the label type, leaving 6 bits (RFC 1035 §2.3.4).</summary>
    public const int MaxLabelLength = 63;

    /// <summary>Labels plus pointers walked for one name before giving up (as Suricata); a valid name has at most 127 labels.</summary>
    public const int MaxNameSegments = 255;

    /// <summary>
    /// Compression pointers followed for one name. Encoders point each suffix at one earlier copy, so real chains are a
    /// few hops long; more than this is treated as a loop. (Loops are also bounded by <see cref="MaxNameSegments"/> and
    /// by <see cref="MaxDnsNameLength"/>: once the output is full and the end of the name is known, walking stops.)
    /// </summary>
    public const int MaxCompressionPointers = 64;

    private const byte LabelTypeMask = 0xC0;
    private const byte PointerTag = 0xC0;
    private const int PointerLength = 2;

    /// <summary>
    /// Decodes the name at <paramref name="offset"/> into <paramref name="destination"/> (which should hold
    /// <see cref="MaxDnsNameLength"/> bytes; a shorter one cuts the name and sets <see cref="DnsNameFlags.Truncated"/>).
    /// Labels are joined with '.' and copied as they are (no escaping); the root name is empty.
    /// </summary>
    /// <returns>The number of bytes written.</returns>
    public static int ReadName(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out DnsNameFlags flags)
    {
        WalkName(message, offset, destination, out int written, out flags, Math.Min(destination.Length, MaxDnsNameLength));
        return written;
    }

    /// <summary>Where the name at <paramref name="offset"/> ends in the message (after its terminator or first pointer), or -1 if it cannot be told.</summary>
    public static int GetNameEnd(ReadOnlySpan<byte> message, int offset) => SkipName(message, offset, out _);

    /// <summary>
    /// Walks a name, following compression pointers, and copies it into <paramref name="destination"/> when that is
    /// not empty. The decoded length is counted either way (capped at <paramref name="limit"/>).
    /// </summary>
    /// <returns>The offset just past the name at its original position, or -1 when the name is broken before its end is known.</returns>
    internal static int WalkName(ReadOnlySpan<byte> message, int offset, Span<byte> destination, out int written, out DnsNameFlags flags,
        int limit = MaxDnsNameLength)
    {
        flags = DnsNameFlags.None;
        written = 0;
        bool copy = !destination.IsEmpty;
        int position = offset;
        int end = -1;           // set by the first pointer: the name continues elsewhere but ends here on the wire
        int segments = 0;
        int pointers = 0;
        while (true)
        {
            if ((uint)position >= (uint)message.Length)
            {
                flags |= DnsNameFlags.PastEnd;
                return end;
            }

            int length = message[position];
            if (length == 0)
                return end >= 0 ? end : position + 1;

            if (++segments > MaxNameSegments)
            {
                flags |= DnsNameFlags.LabelLimit | DnsNameFlags.Truncated;
                // Without a pointer yet the wire still has to be scanned for the name's end; that scan only moves forward.
                if (end >= 0)
                    return end;
                int wireEnd = SkipName(message, position, out DnsNameFlags skipFlags);
                flags |= skipFlags;
                return wireEnd;
            }

            switch (length & LabelTypeMask)
            {
                case 0:
                    if (message.Length - position - 1 < length)
                    {
                        flags |= DnsNameFlags.PastEnd;
                        return end;
                    }

                    if ((flags & DnsNameFlags.Truncated) == 0)
                        Append(message.Slice(position + 1, length), destination, copy, limit, ref written, ref flags);
                    position += 1 + length;
                    break;

                case PointerTag:
                    if (message.Length - position < PointerLength)
                    {
                        flags |= DnsNameFlags.PastEnd;
                        return end;
                    }

                    int target = ((length & ~LabelTypeMask) << 8) | message[position + 1];
                    if (end < 0)
                        end = position + PointerLength;
                    if (target >= message.Length)
                    {
                        flags |= DnsNameFlags.Malformed;
                        return end;
                    }

                    if (target == position || ++pointers > MaxCompressionPointers)
                    {
                        flags |= DnsNameFlags.PointerLoop;
                        return end;
                    }

                    if (target > position)
                        flags |= DnsNameFlags.ForwardPointer;
                    // The output is full and the wire end is known: nothing more to learn from following pointers.
                    if ((flags & DnsNameFlags.Truncated) != 0)
                        return end;
                    position = target;
                    break;

                default:
                    // 0x40 (extended label types, RFC 6891 deprecated them) and 0x80 (reserved).
                    flags |= DnsNameFlags.Malformed;
                    return end;
            }
        }
    }

    /// <summary>Finds where the name at <paramref name="offset"/> ends on the wire without following pointers.</summary>
    internal static int SkipName(ReadOnlySpan<byte> message, int offset, out DnsNameFlags flags)
    {
        flags = DnsNameFlags.None;
        int position = offset;
        while ((uint)position < (uint)message.Length)
        {
            int length = message[position];
            if (length == 0)
                return position + 1;
            switch (length & LabelTypeMask)
            {
                case 0:
                    position += 1 + length;
                    break;
                case PointerTag:
                    if (message.Length - position < PointerLength)
                    {
                        flags |= DnsNameFlags.PastEnd;
                        return -1;
                    }

                    return position + PointerLength;
                default:
                    flags |= DnsNameFlags.Malformed;
                    return -1;
            }
        }

        flags |= DnsNameFlags.PastEnd;
        return -1;
    }

    private static void Append(ReadOnlySpan<byte> label, Span<byte> destination, bool copy, int limit, ref int written, ref DnsNameFlags flags)
    {
        int dot = written == 0 ? 0 : 1;
        int room = limit - written;
        if (dot + label.Length > room)
        {
            // Cut at the limit, as Suricata truncates to MAX_NAME_LEN.
            if (copy && room > 0)
            {
                if (dot == 1)
                    destination[written] = (byte)'.';
                label[..Math.Max(0, room - dot)].CopyTo(destination[(written + dot)..]);
            }

            written = limit;
            flags |= DnsNameFlags.Truncated;
            return;
        }

        if (copy)
        {
            if (dot == 1)
                destination[written] = (byte)'.';
            label.CopyTo(destination[(written + dot)..]);
        }

        written += dot + label.Length;
    }
}
