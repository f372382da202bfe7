using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Capture.Tests;

public class CaptureFileTests(ITestOutputHelper output)
{
    private static readonly TestPacket[] s_packets =
    [
        new(1_600_000_000_000_001_000, TestCaptures.Payload(60, 1)),
        new(1_600_000_000_500_000_000, TestCaptures.Payload(1400, 2)),
        new(1_600_000_001_000_000_000, TestCaptures.Payload(90, 3)),
    ];

    [Fact]
    public void OpensAPcapFileByPathAndReportsItsSizeAndProgress()
    {
        string path = TempFile(TestCaptures.Pcap(false, false, 1, s_packets));
        try
        {
            using IPacketSource source = CaptureFile.Open(path);

            Assert.IsType<PcapReader>(source);
            Assert.Equal(path, source.Name);
            Assert.Equal(new FileInfo(path).Length, source.Length);
            Assert.Equal(s_packets.Length, TestCaptures.Count(source, out ReadStatus final));
            Assert.Equal(ReadStatus.EndOfInput, final);
            Assert.Equal(source.Length, source.Position);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void OpensAPcapngStream()
    {
        byte[] file = new PcapngBuilder().SectionHeader().Interface(1).EnhancedPacket(0, 1, s_packets[0].Data).ToArray();
        using IPacketSource source = TestCaptures.Open(file, "x.pcapng");

        Assert.IsType<PcapngReader>(source);
        Assert.Equal(1, TestCaptures.Count(source, out _));
    }

    [Fact]
    public void RejectsAnEmptyFile()
    {
        string path = TempFile([]);
        try
        {
            var e = Assert.Throws<CaptureFormatException>(() => CaptureFile.Open(path));
            Assert.Equal("file is empty", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void RejectsGarbageNamingItsFirstBytes()
    {
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open("<html><body>"u8.ToArray()));
        Assert.Equal("not a pcap or pcapng file (starts with 0x3c68746d)", e.Message);
    }

    [Fact]
    public void RejectsAFileTooShortForAMagicNumber()
    {
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open([0xD4, 0xC3]));
        Assert.Equal("not a pcap or pcapng file (only 2 bytes: 0xd4c3)", e.Message);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ReadsGzipCompressedCapturesAsIfUncompressed(bool pcapng)
    {
        byte[] plain = pcapng
            ? new PcapngBuilder().SectionHeader(bigEndian: true).Interface(1).EnhancedPacket(0, 5, s_packets[1].Data).EnhancedPacket(0, 6, s_packets[2].Data).ToArray()
            : TestCaptures.Pcap(true, true, 1, s_packets);
        byte[] compressed = TestCaptures.Gzip(plain);

        using IPacketSource source = TestCaptures.Open(compressed, "x.gz");
        using IPacketSource reference = TestCaptures.Open(plain);
        var read = TestCaptures.ReadAll(source, out ReadStatus final);
        var expected = TestCaptures.ReadAll(reference, out _);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(expected.Count, read.Count);
        for (int i = 0; i < read.Count; i++)
        {
            Assert.Equal(expected[i].Header, read[i].Header);
            Assert.Equal(expected[i].Data, read[i].Data);
        }

        // Progress counts compressed bytes, against the compressed length.
        Assert.Equal(compressed.Length, source.Length);
        Assert.Equal(compressed.Length, source.Position);
    }

    [Fact]
    public void DeliversWhatPrecedesTheCutOfATruncatedGzipFile()
    {
        TestPacket[] many = new TestPacket[200];
        for (int i = 0; i < many.Length; i++)
            many[i] = new TestPacket(i * 1000L, TestCaptures.Payload(300 + i, i));
        byte[] compressed = TestCaptures.Gzip(TestCaptures.Pcap(false, false, 1, many));

        using IPacketSource source = TestCaptures.Open(compressed[..(compressed.Length / 2)], "x.gz");
        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        output.WriteLine($"{read.Count} packets, then {final}: {source.Problem}");
        Assert.InRange(read.Count, 1, many.Length - 1);
        for (int i = 0; i < read.Count; i++)
            Assert.Equal(many[i].Data, read[i].Data);
        Assert.True(final is ReadStatus.Truncated or ReadStatus.Corrupt, $"final status {final}");
        Assert.NotNull(source.Problem);
    }

    [Fact]
    public void ReportsCorruptGzipDataAfterTheOpenWithoutThrowing()
    {
        // Random payloads do not compress, so the damage near the end is met long after the header is read.
        var random = new Random(7);
        TestPacket[] many = new TestPacket[2000];
        for (int i = 0; i < many.Length; i++)
        {
            var data = new byte[500];
            random.NextBytes(data);
            many[i] = new TestPacket(i * 1000L, data);
        }

        byte[] compressed = TestCaptures.Gzip(TestCaptures.Pcap(false, false, 1, many));
        for (int i = compressed.Length * 9 / 10; i < compressed.Length * 9 / 10 + 64; i++)
            compressed[i] ^= 0x5A;

        using IPacketSource source = TestCaptures.Open(compressed, "x.gz");
        int count = TestCaptures.Count(source, out ReadStatus final);

        output.WriteLine($"{count} packets, then {final}: {source.Problem}");
        Assert.InRange(count, 1000, many.Length - 1);
        Assert.True(final is ReadStatus.Corrupt or ReadStatus.Truncated, $"final status {final}");
        Assert.NotNull(source.Problem);
    }

    [Fact]
    public void RejectsGzipDataThatIsNotACapture()
    {
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(TestCaptures.Gzip("hello world"u8.ToArray()), "x.gz"));
        Assert.Equal("not a pcap or pcapng file inside the gzip data (starts with 0x68656c6c)", e.Message);
    }

    [Fact]
    public void RejectsGzipThatDecompressesToNothing()
    {
        // A gzip member holding an empty final deflate block (GZipStream writes nothing at all for empty input).
        byte[] empty = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(empty, "x.gz"));
        Assert.Equal("file is gzip-compressed but decompresses to nothing", e.Message);
    }

    [Fact]
    public void RejectsGzipInsideGzip()
    {
        byte[] twice = TestCaptures.Gzip(TestCaptures.Gzip(TestCaptures.Pcap(false, false, 1, s_packets)));
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(twice, "x.gz.gz"));
        Assert.Equal("file is gzip-compressed twice, which is not read", e.Message);
    }

    [Fact]
    public void RejectsAGzipHeaderWithCorruptData()
    {
        byte[] compressed = TestCaptures.Gzip(TestCaptures.Pcap(false, false, 1, s_packets));
        for (int i = 10; i < 30; i++)
            compressed[i] = 0xFF;

        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(compressed, "x.gz"));
        Assert.StartsWith("file is gzip-compressed but", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pcap-invalid-version-1.pcap", "unsupported pcap version 1.4 (2.0 to 2.4 are read)")]
    [InlineData("pcap-invalid-version-2.pcap", "unsupported pcap version 2.5 (2.0 to 2.4 are read)")]
    [InlineData("linktype-reserved-field-not-zero.pcap", "pcap link type field 0x00300000 has reserved bits set, as libpcap rejects")]
    [InlineData("pcapng-invalid-vers-1.pcapng", "unsupported pcapng version 0.1 in the section header block at offset 0 (1.0 and 1.2 are read)")]
    [InlineData("pcapng-invalid-vers-2.pcapng", "unsupported pcapng version 1.1 in the section header block at offset 0 (1.0 and 1.2 are read)")]
    [InlineData("shb-option-too-long.pcapng", "section header block at offset 0 ends with total length 808464432, not the 52 it starts with")]
    public void RejectsLibpcapsInvalidSavefilesWhenOpening(string file, string message)
    {
        if (Corpus.Root is null)
            return;

        var e = Assert.Throws<CaptureFormatException>(() => CaptureFile.Open(Corpus.Path($"libpcap/tests/{file}")));
        Assert.Equal(message, e.Message);
    }

    [Fact]
    public void ReadsTheGzipCompressedCorpusCaptures()
    {
        if (Corpus.Root is null)
            return;

        // Counts from PROVENANCE.tsv (gz+pcap and gz+pcapng).
        using (IPacketSource pcap = CaptureFile.Open(Corpus.Path("zeek/Traces/echo-connections.pcap.gz")))
        {
            Assert.Equal(82582, TestCaptures.Count(pcap, out ReadStatus final));
            Assert.Equal(ReadStatus.EndOfInput, final);
            Assert.Equal(pcap.Length, pcap.Position);
        }

        using IPacketSource pcapng = CaptureFile.Open(Corpus.Path("zeek/Traces/portmapper-many-unanswered-calls.pcapng.gz"));
        Assert.Equal(189, TestCaptures.Count(pcapng, out ReadStatus ngFinal));
        Assert.Equal(ReadStatus.EndOfInput, ngFinal);
    }

    private static string TempFile(byte[] contents)
    {
        string path = Path.Combine(Path.GetTempPath(), $"assay-capture-{Guid.NewGuid():N}.pcap");
        File.WriteAllBytes(path, contents);
        return path;
    }
}
