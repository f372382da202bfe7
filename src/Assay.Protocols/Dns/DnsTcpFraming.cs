using System.Buffers;
using System.Buffers.Binary;

namespace Assay.Protocols.Dns;

/// <summary>
/// DNS over TCP (RFC 1035 §4.2.2, RFC 7766 §8): each message is preceded by a two-byte big-endian length.
/// <see cref="TryReadMessage(ref SequenceReader{byte}, out ReadOnlySequence{byte})"/> consumes one whole frame or nothing, so it can be called again on a longer sequence.
/// </summary>
public static class DnsTcpFraming
{
    public const int LengthPrefixSize = 2;

    /// <summary>The largest message a two-byte prefix can announce.</summary>
    public const int MaxMessageLength = ushort.MaxValue;

    /// <summary>
    /// Reads one length-prefixed message. <see cref="OperationStatus.NeedMoreData"/>: the frame is not complete yet,
    /// nothing consumed. <see cref="OperationStatus.InvalidData"/>: the prefix announces fewer bytes than a DNS header,
    /// nothing consumed (the stream is not DNS, or lost sync). <see cref="OperationStatus.Done"/>: the message (without
    /// its prefix) is in <paramref name="message"/> and the reader is past it.
    /// </summary>
    public static OperationStatus TryReadMessage(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> message)
    {
        message = default;
        SequenceReader<byte> peek = reader;
        if (!peek.TryReadBigEndian(out short prefix))
            return OperationStatus.NeedMoreData;
        int length = (ushort)prefix;
        if (length < DnsParser.HeaderLength)
            return OperationStatus.InvalidData;
        if (peek.Remaining < length)
            return OperationStatus.NeedMoreData;
        message = peek.UnreadSequence.Slice(0, length);
        reader.Advance(LengthPrefixSize + length);
        return OperationStatus.Done;
    }

    /// <summary>The span form of <see cref="TryReadMessage(ref SequenceReader{byte}, out ReadOnlySequence{byte})"/>, for a contiguous buffer.</summary>
    public static OperationStatus TryReadMessage(ReadOnlySpan<byte> stream, out ReadOnlySpan<byte> message, out int consumed)
    {
        message = default;
        consumed = 0;
        if (stream.Length < LengthPrefixSize)
            return OperationStatus.NeedMoreData;
        int length = BinaryPrimitives.ReadUInt16BigEndian(stream);
        if (length < DnsParser.HeaderLength)
            return OperationStatus.InvalidData;
        if (stream.Length - LengthPrefixSize < length)
            return OperationStatus.NeedMoreData;
        message = stream.Slice(LengthPrefixSize, length);
        consumed = LengthPrefixSize + length;
        return OperationStatus.Done;
    }

    /// <summary>
    /// A contiguous view of a framed message for <see cref="DnsParser.TryParse"/> (compression pointers need random
    /// access): the first segment itself when the message is in one, else a copy into <paramref name="scratch"/>, which
    /// must hold <see cref="MaxMessageLength"/> bytes.
    /// </summary>
    public static ReadOnlySpan<byte> GetContiguous(in ReadOnlySequence<byte> message, Span<byte> scratch)
    {
        if (message.IsSingleSegment)
            return message.FirstSpan;
        int length = (int)message.Length;
        message.CopyTo(scratch);
        return scratch[..length];
    }
}
