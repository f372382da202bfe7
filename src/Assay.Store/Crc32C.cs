using System.Buffers.Binary;
using System.Numerics;

namespace Assay.Store;

/// <summary>CRC-32C (Castagnoli), as iSCSI and ext4 use; <see cref="BitOperations.Crc32C(uint, ulong)"/> uses the CPU's instruction.</summary>
internal static class Crc32C
{
    /// <summary>CRC-32C of <paramref name="data"/> (initial value and final xor 0xFFFFFFFF; "123456789" gives 0xE3069283).</summary>
    public static uint Compute(ReadOnlySpan<byte> data)
    {
        uint crc = 0xFFFFFFFF;
        while (data.Length >= 8)
        {
            crc = BitOperations.Crc32C(crc, BinaryPrimitives.ReadUInt64LittleEndian(data));
            data = data[8..];
        }

        foreach (byte b in data)
            crc = BitOperations.Crc32C(crc, b);
        return ~crc;
    }
}
