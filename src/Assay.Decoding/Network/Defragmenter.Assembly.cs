using System.Buffers;
using System.Buffers.Binary;
using System.Diagnostics;

namespace Assay.Decoding.Network;

public sealed partial class Defragmenter
{
    private const int IPv4TotalLengthOffset = 2;
    private const int IPv4FlagsOffset = 6;
    private const int IPv4ChecksumOffset = 10;
    private const ushort IPv4KeptFlags = 0xC000;          // reserved + DF; MF and the offset are cleared
    private const int IPv6PayloadLengthOffset = 4;
    private const int IPv6NextHeaderOffset = 6;

    /// <summary>Writes header + payload of a complete datagram into the output buffer and fixes the header.</summary>
    /// <returns>The datagram length, or -1 when it would exceed IP's 16-bit length.</returns>
    private int Assemble(Datagram entry, bool isIPv4)
    {
        int headerLength = entry.HeaderLength;
        int payloadLength = entry.TotalLength;
        int ipLength = isIPv4 ? headerLength + payloadLength : headerLength - IPv6Header.Length + payloadLength;
        if (ipLength > MaxIPPayloadLength)
            return -1;

        int total = headerLength + payloadLength;
        Debug.Assert(total <= MaxDatagramLength, "the 16-bit length check above bounds the datagram");
        if (_output.Length < total)
        {
            if (_output.Length != 0)
                ArrayPool<byte>.Shared.Return(_output);
            _output = ArrayPool<byte>.Shared.Rent(Math.Max(total, InitialBufferLength));
        }

        Span<byte> output = _output.AsSpan(0, total);
        entry.Header.AsSpan(0, headerLength).CopyTo(output);
        entry.Data.AsSpan(0, payloadLength).CopyTo(output[headerLength..]);
        if (isIPv4)
        {
            Span<byte> header = output[..headerLength];
            BinaryPrimitives.WriteUInt16BigEndian(header[IPv4TotalLengthOffset..], (ushort)ipLength);
            ushort flags = BinaryPrimitives.ReadUInt16BigEndian(header[IPv4FlagsOffset..]);
            BinaryPrimitives.WriteUInt16BigEndian(header[IPv4FlagsOffset..], (ushort)(flags & IPv4KeptFlags));
            BinaryPrimitives.WriteUInt16BigEndian(header[IPv4ChecksumOffset..], 0);
            BinaryPrimitives.WriteUInt16BigEndian(header[IPv4ChecksumOffset..], InternetChecksum.Compute(header));
        }
        else
        {
            BinaryPrimitives.WriteUInt16BigEndian(output[IPv6PayloadLengthOffset..], (ushort)ipLength);
            output[LastNextHeaderField(output[..headerLength])] = entry.NextHeader;
        }

        return total;
    }

    /// <summary>
    /// The position of the next-header field that pointed at the fragment header: the fixed header's, or that of the last
    /// extension header in the unfragmentable part. The decoder walked this chain to reach the fragment header, so it is
    /// well-formed; the bounds checks only keep a corrupted header from moving the write outside it.
    /// </summary>
    private static int LastNextHeaderField(ReadOnlySpan<byte> unfragmentable)
    {
        int field = IPv6NextHeaderOffset;
        byte next = unfragmentable[IPv6NextHeaderOffset];
        int offset = IPv6Header.Length;
        while (offset + 2 <= unfragmentable.Length)
        {
            int length = next == (byte)IpProtocol.AuthenticationHeader
                ? (unfragmentable[offset + 1] + 2) << 2
                : (unfragmentable[offset + 1] + 1) << 3;
            field = offset;
            next = unfragmentable[offset];
            offset += length;
        }

        return field;
    }
}
