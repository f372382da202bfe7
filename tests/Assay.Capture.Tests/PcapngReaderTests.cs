using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Capture.Tests;

public class PcapngReaderTests(ITestOutputHelper output)
{
    private static readonly byte[] s_small = TestCaptures.Payload(60, 1);
    private static readonly byte[] s_odd = TestCaptures.Payload(37, 2);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsEnhancedPacketsInEitherByteOrder(bool bigEndian)
    {
        byte[] file = new PcapngBuilder()
            .SectionHeader(bigEndian)
            .Interface(1, 65535)
            .EnhancedPacket(0, 1_700_000_000_123_456, s_small)
            .EnhancedPacket(0, 1_700_000_001_000_000, s_odd, originalLength: 1500)
            .ToArray();
        using var source = TestCaptures.Open(file, "test.pcapng");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(2, read.Count);
        Assert.Equal(1_700_000_000_123_456_000, read[0].Header.TimestampNanos);
        Assert.Equal(s_small, read[0].Data);
        Assert.Equal(s_odd, read[1].Data);
        Assert.Equal(1500, read[1].Header.OriginalLength);
        Assert.Equal(1, read[1].Header.LinkType);
        Assert.Equal(bigEndian, ((PcapngReader)source).BigEndian);
        Assert.Equal(file.Length, source.Position);
    }

    [Fact]
    public void GivesEachPacketItsInterfacesLinkTypeAndTimestampResolution()
    {
        byte[] file = new PcapngBuilder()
            .SectionHeader()
            .Interface(1)                                             // default: microseconds
            .Interface(101, timestampResolution: 9)                   // nanoseconds
            .Interface(113, timestampResolution: 3, timestampOffset: 1_000)   // milliseconds, +1000 s
            .Interface(228, timestampResolution: 0x80 | 10)           // 2^-10 s
            .Interface(229, timestampResolution: 12)                  // picoseconds
            .EnhancedPacket(0, 5_000_001, s_small)
            .EnhancedPacket(1, 5_000_000_001, s_small)
            .EnhancedPacket(2, 5_001, s_small)
            .EnhancedPacket(3, 1024 * 5 + 512, s_small)
            .EnhancedPacket(4, 5_000_000_001_999, s_small)
            .ToArray();
        using var source = TestCaptures.Open(file, "test.pcapng");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal([1, 101, 113, 228, 229], read.ConvertAll(p => p.Header.LinkType));
        Assert.Equal([0, 1, 2, 3, 4], read.ConvertAll(p => p.Header.InterfaceId));
        Assert.Equal(
            [5_000_001_000, 5_000_000_001, 1_005_001_000_000, 5_500_000_000, 5_000_000_001],
            read.ConvertAll(p => p.Header.TimestampNanos));
    }

    [Fact]
    public void GivesSimplePacketsInterfaceZeroThePreviousTimestampAndItsSnapLength()
    {
        byte[] file = new PcapngBuilder()
            .SectionHeader()
            .Interface(1, snapLength: 40)
            .SimplePacket(s_odd)                 // before any timestamp: 0
            .EnhancedPacket(0, 7_000_000, s_odd)
            .SimplePacket(s_small)               // 60 bytes on the wire, 40 kept by the snap length
            .ToArray();
        using var source = TestCaptures.Open(file, "test.pcapng");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(3, read.Count);
        Assert.Equal(0, read[0].Header.TimestampNanos);
        Assert.Equal(s_odd, read[0].Data);
        Assert.Equal(7_000_000_000, read[2].Header.TimestampNanos);
        Assert.Equal(40, read[2].Header.CapturedLength);
        Assert.Equal(60, read[2].Header.OriginalLength);
        Assert.Equal(s_small[..40], read[2].Data);
    }

    [Fact]
    public void ReadsTheObsoletePacketBlock()
    {
        byte[] file = new PcapngBuilder().SectionHeader().Interface(1).Interface(105).ObsoletePacket(1, 3_000_000, s_odd).ToArray();
        using var source = TestCaptures.Open(file, "test.pcapng");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(3_000_000_000, Assert.Single(read).Header.TimestampNanos);
        Assert.Equal(105, read[0].Header.LinkType);
        Assert.Equal(s_odd, read[0].Data);
    }

    [Fact]
    public void SkipsOtherBlocksAndReportsEveryBlockToTheObserver()
    {
        var builder = new PcapngBuilder().SectionHeader().Interface(1);
        builder.Block((uint)PcapngBlockType.NameResolution, [0, 0, 0, 0])
            .Block((uint)PcapngBlockType.Custom, [1, 2, 3, 4, 5])
            .Block((uint)PcapngBlockType.CustomDoNotCopy, [])
            .Block((uint)PcapngBlockType.DecryptionSecrets, [1, 2, 3, 4, 0, 0, 0, 0])
            .Block(0x80000001, [9, 9, 9, 9])   // Darwin process information
            .Block(0x12345678, [])
            .EnhancedPacket(0, 1, s_small)
            .Block((uint)PcapngBlockType.InterfaceStatistics, new byte[12]);
        using var source = (PcapngReader)TestCaptures.Open(builder.ToArray(), "test.pcapng");
        var seen = new List<PcapngBlock>();
        source.BlockObserved = seen.Add;

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Single(read);
        Assert.Equal(
            [PcapngBlockType.SectionHeader, PcapngBlockType.InterfaceDescription, PcapngBlockType.NameResolution, PcapngBlockType.Custom,
             PcapngBlockType.CustomDoNotCopy, PcapngBlockType.DecryptionSecrets, (PcapngBlockType)0x80000001, (PcapngBlockType)0x12345678,
             PcapngBlockType.EnhancedPacket, PcapngBlockType.InterfaceStatistics],
            seen.ConvertAll(b => b.Type));
        Assert.Equal(0, seen[0].Offset);
        Assert.Equal(seen[0].Length, seen[1].Offset);
    }

    [Fact]
    public void StartsOverAtEachSectionWithItsOwnByteOrderAndInterfaces()
    {
        byte[] file = new PcapngBuilder()
            .SectionHeader(bigEndian: false)
            .Interface(1)
            .Interface(113)
            .EnhancedPacket(1, 1_000_000, s_small)
            .SectionHeader(bigEndian: true, minor: 2)
            .Interface(101, timestampResolution: 9)
            .EnhancedPacket(0, 2_000_000_000, s_odd)
            .EnhancedPacket(1, 3_000_000_000, s_odd)   // interface 1 belonged to the previous section
            .EnhancedPacket(0, 4_000_000_000, s_small)
            .ToArray();
        using var source = (PcapngReader)TestCaptures.Open(file, "test.pcapng");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal([113, 101, 101], read.ConvertAll(p => p.Header.LinkType));
        Assert.Equal([1_000_000_000, 2_000_000_000, 4_000_000_000], read.ConvertAll(p => p.Header.TimestampNanos));
        Assert.Equal(1, source.PacketsWithoutInterface);
        Assert.Equal(2, source.SectionCount);
        Assert.True(source.BigEndian);
    }

    [Fact]
    public void SkipsAndCountsPacketsOnUndescribedInterfaces()
    {
        byte[] file = new PcapngBuilder()
            .SectionHeader()
            .SimplePacket(s_small)
            .Interface(1)
            .EnhancedPacket(3, 1, s_small)
            .EnhancedPacket(0, 2, s_odd)
            .ToArray();
        using var source = (PcapngReader)TestCaptures.Open(file, "test.pcapng");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(s_odd, Assert.Single(read).Data);
        Assert.Equal(2, source.PacketsWithoutInterface);
    }

    [Fact]
    public void ReportsCorruptWhenABlockLengthIsNotAMultipleOfFour()
    {
        var builder = new PcapngBuilder().SectionHeader().Interface(1).EnhancedPacket(0, 1, s_small);
        long offset = builder.Length;
        byte[] file = builder.Block((uint)PcapngBlockType.EnhancedPacket, new byte[24], leadingLength: 38).EnhancedPacket(0, 1, s_small).ToArray();
        using var source = TestCaptures.Open(file, "test.pcapng");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Single(read);
        Assert.Equal(ReadStatus.Corrupt, final);
        Assert.Equal(
            $"enhanced packet block at offset {offset} has an impossible total length of 38 bytes (it must be a multiple of 4, at least 12)",
            source.Problem);
    }

    [Fact]
    public void ReportsCorruptWhenTheTrailingLengthDiffers()
    {
        var builder = new PcapngBuilder().SectionHeader().Interface(1);
        long offset = builder.Length;
        byte[] file = builder.Block((uint)PcapngBlockType.NameResolution, new byte[8], trailingLength: 24).ToArray();
        using var source = TestCaptures.Open(file, "test.pcapng");

        Assert.Equal(ReadStatus.Corrupt, source.TryReadPacket(out _, out _));
        Assert.Equal($"name resolution block at offset {offset} ends with total length 24, not the 20 it starts with", source.Problem);
    }

    [Fact]
    public void ReportsCorruptWhenABlockClaimsMoreThanTheLimit()
    {
        var builder = new PcapngBuilder().SectionHeader();
        long offset = builder.Length;
        byte[] file = builder.Block(0x00000BAD, new byte[8], leadingLength: 0x30303030).ToArray();
        using var source = TestCaptures.Open(file, "test.pcapng");

        Assert.Equal(ReadStatus.Corrupt, source.TryReadPacket(out _, out _));
        Assert.Equal($"custom block at offset {offset} claims a total length of 808464432 bytes, more than the 17825792-byte limit", source.Problem);
    }

    [Fact]
    public void DeliversEverythingBeforeABlockCutShortThenReportsTruncatedWithTheOffset()
    {
        var builder = new PcapngBuilder().SectionHeader().Interface(1).EnhancedPacket(0, 1, s_small);
        long offset = builder.Length;
        byte[] file = builder.EnhancedPacket(0, 2, s_small).ToArray();
        using var source = TestCaptures.Open(file[..^10], "test.pcapng");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Single(read);
        Assert.Equal(ReadStatus.Truncated, final);
        Assert.Equal($"file ends inside the enhanced packet block at offset {offset}: it claims 92 bytes but only 82 remain", source.Problem);
        Assert.Equal(ReadStatus.Truncated, source.TryReadPacket(out _, out _));
    }

    [Fact]
    public void ReportsCorruptWhenACapturedLengthExceedsItsBlock()
    {
        var builder = new PcapngBuilder().SectionHeader().Interface(1);
        long offset = builder.Length;
        byte[] file = builder.EnhancedPacket(0, 1, s_small, capturedLength: 61).ToArray();
        using var source = TestCaptures.Open(file, "test.pcapng");

        Assert.Equal(ReadStatus.Corrupt, source.TryReadPacket(out _, out _));
        Assert.Equal($"enhanced packet block at offset {offset} claims 61 captured bytes but holds only 60", source.Problem);
    }

    [Fact]
    public void EveryPrefixOfAFileDeliversTheWholeBlocksInItAndNeverThrows()
    {
        var builder = new PcapngBuilder().SectionHeader();
        const int SectionHeaderLength = 28;
        var blockEnds = new List<int> { SectionHeaderLength };
        builder.Interface(1);
        blockEnds.Add((int)builder.Length);
        var packetEnds = new List<int>();
        for (int i = 0; i < 4; i++)
        {
            builder.EnhancedPacket(0, (ulong)i, i % 2 == 0 ? s_small : s_odd);
            packetEnds.Add((int)builder.Length);
        }

        blockEnds.AddRange(packetEnds);
        byte[] file = builder.ToArray();
        for (int length = 4; length <= file.Length; length++)
        {
            // A prefix without the whole section header fails the open; every longer one reads.
            if (length < SectionHeaderLength)
            {
                Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(file[..length], "test.pcapng"));
                continue;
            }

            using var source = TestCaptures.Open(file[..length], "test.pcapng");
            int count = TestCaptures.Count(source, out ReadStatus final);
            Assert.Equal(packetEnds.Count(e => e <= length), count);
            Assert.Equal(blockEnds.Contains(length) ? ReadStatus.EndOfInput : ReadStatus.Truncated, final);
        }
    }

    [Fact]
    public void KeepsTheOptionsBeforeOneThatRunsPastItsBlock()
    {
        var builder = new PcapngBuilder().SectionHeader();
        byte[] badOption = builder.Option(2, [1, 2, 3, 4], length: 200);   // if_name claiming 200 bytes
        byte[] file = builder
            .Interface(1, timestampResolution: 9, options: badOption)
            .EnhancedPacket(0, 5, s_small)
            .ToArray();
        using var source = (PcapngReader)TestCaptures.Open(file, "test.pcapng");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(5, Assert.Single(read).Header.TimestampNanos);   // if_tsresol = 9 still applies
        Assert.Equal(1, source.MalformedOptions);
    }

    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(2, 0)]
    public void RejectsUnsupportedVersionsWhenOpening(ushort major, ushort minor)
    {
        byte[] file = new PcapngBuilder().SectionHeader(major: major, minor: minor).Interface(1).ToArray();
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(file, "test.pcapng"));
        Assert.Equal($"unsupported pcapng version {major}.{minor} in the section header block at offset 0 (1.0 and 1.2 are read)", e.Message);
    }

    [Fact]
    public void ReportsCorruptForAnUnsupportedVersionInALaterSection()
    {
        var builder = new PcapngBuilder().SectionHeader().Interface(1).EnhancedPacket(0, 1, s_small);
        long offset = builder.Length;
        using var source = TestCaptures.Open(builder.SectionHeader(major: 2).ToArray(), "test.pcapng");

        Assert.Equal(ReadStatus.Packet, source.TryReadPacket(out _, out _));
        Assert.Equal(ReadStatus.Corrupt, source.TryReadPacket(out _, out _));
        Assert.Equal($"unsupported pcapng version 2.0 in the section header block at offset {offset} (1.0 and 1.2 are read)", source.Problem);
    }

    [Fact]
    public void RejectsAnUnknownByteOrderMagicWhenOpening()
    {
        byte[] file = new PcapngBuilder().SectionHeader().ToArray();
        file[8] = 0x11;
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(file, "test.pcapng"));
        Assert.Equal("section header block at offset 0 has an unknown byte-order magic 0x1a2b3c11", e.Message);
    }

    [Fact]
    public void AllocatesNothingPerPacketOnceWarm()
    {
        var builder = new PcapngBuilder().SectionHeader().Interface(1, timestampResolution: 9).Interface(101);
        for (int i = 0; i < 60_000; i++)
            builder.EnhancedPacket((uint)(i & 1), (ulong)i, i % 3 == 0 ? s_odd : s_small);
        using var source = TestCaptures.Open(builder.ToArray(), "test.pcapng");
        for (int i = 0; i < 10_000; i++)
            Assert.Equal(ReadStatus.Packet, source.TryReadPacket(out _, out _));

        long before = GC.GetAllocatedBytesForCurrentThread();
        int count = TestCaptures.Count(source, out ReadStatus final);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(50_000, count);
        Assert.Equal(0, allocated);
    }

    /// <summary>Not an assertion (the CI machine is shared): prints the read rate for small enhanced packet blocks.</summary>
    [Fact]
    public void ReportsTheReadRateForSmallPackets()
    {
        const int Packets = 500_000;
        var builder = new PcapngBuilder().SectionHeader().Interface(1, timestampResolution: 9);
        for (int i = 0; i < Packets; i++)
            builder.EnhancedPacket(0, (ulong)i, s_small);
        string path = Path.Combine(Path.GetTempPath(), $"assay-speed-{Guid.NewGuid():N}.pcapng");
        try
        {
            File.WriteAllBytes(path, builder.ToArray());
            double best = 0;
            for (int round = 0; round < 10; round++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                using var source = CaptureFile.Open(path);
                int count = TestCaptures.Count(source, out _);
                clock.Stop();
                Assert.Equal(Packets, count);
                best = Math.Max(best, Packets / clock.Elapsed.TotalSeconds);
            }

            output.WriteLine($"best of 10: {best / 1e6:F1} million packets/s ({Packets} enhanced packet blocks of 60 bytes, file in page cache)");
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>
    /// pcapng-test-generator: every file's <c>.txt</c> gives the exact block sequence and counts; each packet block must
    /// come out as a packet on a described interface.
    /// </summary>
    [Fact]
    public void ReadsEveryPcapngTestGeneratorFileAsItsDescriptionSays()
    {
        if (Corpus.Root is null)
            return;

        var disagreements = new List<string>();
        int files = 0;
        foreach (string order in new[] { "output_le", "output_be" })
        {
            foreach (string txt in Directory.GetFiles(Corpus.Path($"pcapng-test-generator/{order}"), "*.txt", SearchOption.AllDirectories))
            {
                files++;
                string name = Path.GetRelativePath(Corpus.Root, txt);
                string? problem = CompareWithDescription(Path.ChangeExtension(txt, ".pcapng"), File.ReadAllLines(txt));
                if (problem is not null)
                    disagreements.Add($"{name}: {problem}");
            }
        }

        output.WriteLine($"{files - disagreements.Count} of {files} pcapng-test-generator files agree with their .txt");
        Assert.Equal(48, files);
        Assert.Empty(disagreements);
    }

    private static string? CompareWithDescription(string path, string[] description)
    {
        string sequenceLine = Array.Find(description, l => l.StartsWith("Block sequence:", StringComparison.Ordinal))
            ?? throw new InvalidDataException($"{path}: no block sequence");
        string[] expected = sequenceLine["Block sequence:".Length..].Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

        using var source = (PcapngReader)CaptureFile.Open(path);
        var seen = new List<string>();
        source.BlockObserved = block => seen.Add(ShortName(block.Type));
        var packets = TestCaptures.ReadAll(source, out ReadStatus final);

        if (final != ReadStatus.EndOfInput)
            return $"ended with {final}: {source.Problem}";
        if (!seen.SequenceEqual(expected))
            return $"blocks {string.Join(", ", seen)} instead of {string.Join(", ", expected)}";

        // "Block counts:" lines ("\tEPB: 4") must agree with the sequence we saw.
        foreach (string line in description)
        {
            string[] parts = line.Trim().Split(':', StringSplitOptions.TrimEntries);
            if (line.StartsWith('\t') && parts.Length == 2 && int.TryParse(parts[1], out int count) && seen.Count(s => s == parts[0]) != count)
                return $"{seen.Count(s => s == parts[0])} {parts[0]} instead of {count}";
        }

        int packetBlocks = seen.Count(s => s is "EPB" or "SPB" or "PB");
        if (packets.Count != packetBlocks || source.PacketsWithoutInterface != 0)
            return $"{packets.Count} packets from {packetBlocks} packet blocks ({source.PacketsWithoutInterface} without interface)";
        if (packets.Exists(p => p.Header.LinkType is not ((int)LinkType.Ethernet or (int)LinkType.Null)))
            return "a packet has a link type other than the EN10MB/NULL that PROVENANCE.tsv lists";
        return null;
    }

    private static string ShortName(PcapngBlockType type) => type switch
    {
        PcapngBlockType.SectionHeader => "SHB",
        PcapngBlockType.InterfaceDescription => "IDB",
        PcapngBlockType.EnhancedPacket => "EPB",
        PcapngBlockType.SimplePacket => "SPB",
        PcapngBlockType.Packet => "PB",
        PcapngBlockType.NameResolution => "NRB",
        PcapngBlockType.InterfaceStatistics => "ISB",
        PcapngBlockType.DecryptionSecrets => "DSB",
        PcapngBlockType.Custom => "CB",
        PcapngBlockType.CustomDoNotCopy => "DCB",
        _ => $"0x{(uint)type:x8}",
    };
}
