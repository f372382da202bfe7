using System.Buffers.Binary;
using System.Numerics;

namespace Assay.Flows;

/// <summary>
/// SHA-1 (FIPS 180-4 §6.1) of a message short enough to fit one 64-byte block with its padding (≤ 55 bytes), as every
/// Community ID input is (at most 40 bytes). Written out because the platform's SHA-1 goes through OpenSSL with a context
/// allocated and freed per call, which measured ~6 % of a whole analysis run (docs/PERFORMANCE.md); one block is 80 rounds.
/// </summary>
internal static class Sha1Block
{
    public const int MaxInputLength = 55;
    public const int HashLength = 20;

    public static void Hash(ReadOnlySpan<byte> input, Span<byte> hash)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan(input.Length, MaxInputLength);
        ArgumentOutOfRangeException.ThrowIfLessThan(hash.Length, HashLength);

        // Pad: message, 0x80, zeros, then the bit length as a 64-bit big-endian integer in the last 8 bytes.
        Span<byte> block = stackalloc byte[64];
        block.Clear();
        input.CopyTo(block);
        block[input.Length] = 0x80;
        BinaryPrimitives.WriteUInt64BigEndian(block[56..], (ulong)input.Length * 8);

        Span<uint> w = stackalloc uint[80];
        for (int i = 0; i < 16; i++)
            w[i] = BinaryPrimitives.ReadUInt32BigEndian(block[(i * 4)..]);
        for (int i = 16; i < 80; i++)
            w[i] = BitOperations.RotateLeft(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1);

        const uint H0 = 0x67452301, H1 = 0xEFCDAB89, H2 = 0x98BADCFE, H3 = 0x10325476, H4 = 0xC3D2E1F0;
        uint a = H0, b = H1, c = H2, d = H3, e = H4;
        for (int i = 0; i < 80; i++)
        {
            uint f, k;
            if (i < 20)
            {
                f = (b & c) | (~b & d);
                k = 0x5A827999;
            }
            else if (i < 40)
            {
                f = b ^ c ^ d;
                k = 0x6ED9EBA1;
            }
            else if (i < 60)
            {
                f = (b & c) | (b & d) | (c & d);
                k = 0x8F1BBCDC;
            }
            else
            {
                f = b ^ c ^ d;
                k = 0xCA62C1D6;
            }

            uint temp = BitOperations.RotateLeft(a, 5) + f + e + k + w[i];
            e = d;
            d = c;
            c = BitOperations.RotateLeft(b, 30);
            b = a;
            a = temp;
        }

        BinaryPrimitives.WriteUInt32BigEndian(hash, H0 + a);
        BinaryPrimitives.WriteUInt32BigEndian(hash[4..], H1 + b);
        BinaryPrimitives.WriteUInt32BigEndian(hash[8..], H2 + c);
        BinaryPrimitives.WriteUInt32BigEndian(hash[12..], H3 + d);
        BinaryPrimitives.WriteUInt32BigEndian(hash[16..], H4 + e);
    }
}
