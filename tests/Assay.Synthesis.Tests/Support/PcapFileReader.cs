using System.Buffers.Binary;

namespace Assay.Synthesis.Tests.Support;

/// <summary>Reads a classic little-endian pcap file into memory (test helper; no validation beyond the magic).</summary>
internal static class PcapFileReader
{
    public static (int LinkType, bool Nanoseconds, List<(long TimestampNanos, byte[] Data)> Packets) Read(byte[] file)
    {
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(file);
        Assert.True(magic is 0xA1B2C3D4 or 0xA1B23C4D, "pcap magic");
        bool nanos = magic == 0xA1B23C4D;
        int linkType = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(20));
        var packets = new List<(long, byte[])>();
        int offset = 24;
        while (offset + 16 <= file.Length)
        {
            long seconds = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset));
            long fraction = BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 4));
            int length = (int)BinaryPrimitives.ReadUInt32LittleEndian(file.AsSpan(offset + 8));
            packets.Add(((seconds * 1_000_000_000) + (nanos ? fraction : fraction * 1000), file.AsSpan(offset + 16, length).ToArray()));
            offset += 16 + length;
        }

        Assert.Equal(file.Length, offset);
        return (linkType, nanos, packets);
    }
}
