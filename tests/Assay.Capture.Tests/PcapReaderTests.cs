using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Capture.Tests;

public class PcapReaderTests(ITestOutputHelper output)
{
    private static readonly TestPacket[] s_packets =
    [
        new(1_700_000_000_123_456_000, TestCaptures.Payload(60, 1)),
        new(1_700_000_001_000_001_000, TestCaptures.Payload(1514, 2), 1514),
        new(1_700_000_002_999_999_000, TestCaptures.Payload(0, 3), 0),
        new(4_000_000_000_000_000_000, TestCaptures.Payload(42, 4), 9000),   // after 2038: ts_sec is unsigned
    ];

    [Theory]
    [InlineData(false, false)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    [InlineData(true, true)]
    public void ReadsEveryPacketInEitherByteOrderAndResolution(bool bigEndian, bool nanoseconds)
    {
        TestPacket[] packets = nanoseconds ? [.. s_packets, new(1_700_000_003_000_000_007, TestCaptures.Payload(7, 5))] : s_packets;
        using var source = TestCaptures.Open(TestCaptures.Pcap(bigEndian, nanoseconds, 1, packets));

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Null(source.Problem);
        Assert.Equal(packets.Length, read.Count);
        for (int i = 0; i < packets.Length; i++)
        {
            Assert.Equal(packets[i].TimestampNanos, read[i].Header.TimestampNanos);
            Assert.Equal(packets[i].Data, read[i].Data);
            Assert.Equal(packets[i].Original, read[i].Header.OriginalLength);
            Assert.Equal(1, read[i].Header.LinkType);
            Assert.Equal(0, read[i].Header.InterfaceId);
        }

        var reader = Assert.IsType<PcapReader>(source);
        Assert.Equal(bigEndian, reader.BigEndian);
        Assert.Equal(nanoseconds, reader.Nanoseconds);
    }

    [Fact]
    public void ReadsWhatPcapWriterWrites()
    {
        var stream = new MemoryStream();
        using (var writer = new PcapWriter(stream, linkType: 101, nanoseconds: true, ownsStream: false))
        {
            foreach (TestPacket p in s_packets)
                writer.Write(p.TimestampNanos, p.Data, p.OriginalLength);
        }

        using var source = TestCaptures.Open(stream.ToArray());
        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(s_packets.Length, read.Count);
        Assert.All(read, p => Assert.Equal(101, p.Header.LinkType));
        Assert.Equal(s_packets[3].TimestampNanos, read[3].Header.TimestampNanos);
        Assert.Equal(stream.Length, source.Position);
        Assert.Equal(stream.Length, source.Length);
    }

    [Fact]
    public void DeliversEverythingBeforeARecordCutMidPacketThenReportsTruncatedWithTheOffset()
    {
        byte[] file = TestCaptures.Pcap(false, false, 1, s_packets);
        int secondRecord = PcapReader.FileHeaderLength + PcapReader.RecordHeaderLength + 60;
        byte[] cut = file[..(secondRecord + PcapReader.RecordHeaderLength + 700)];
        using var source = TestCaptures.Open(cut);

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.Truncated, final);
        Assert.Single(read);
        Assert.Equal(s_packets[0].Data, read[0].Data);
        Assert.Equal(
            $"file ends inside the packet record at offset {secondRecord}: it claims 1514 captured bytes but only 700 remain",
            source.Problem);
        // The final status sticks.
        Assert.Equal(ReadStatus.Truncated, source.TryReadPacket(out _, out _));
        Assert.Equal(ReadStatus.Truncated, source.TryReadPacket(out _, out _));
    }

    [Fact]
    public void ReportsTruncatedWhenTheFileEndsInsideARecordHeader()
    {
        byte[] file = TestCaptures.Pcap(false, false, 1, s_packets[..1]);
        using var source = TestCaptures.Open([.. file, 1, 2, 3, 4, 5]);

        Assert.Equal(ReadStatus.Packet, source.TryReadPacket(out _, out _));
        Assert.Equal(ReadStatus.Truncated, source.TryReadPacket(out _, out _));
        Assert.Equal($"file ends inside the packet record header at offset {file.Length} (5 of 16 bytes present)", source.Problem);
    }

    [Fact]
    public void EveryPrefixOfAFileDeliversTheWholeRecordsInItAndNeverThrows()
    {
        byte[] file = TestCaptures.Pcap(true, true, 1, s_packets);
        var boundaries = new List<int> { PcapReader.FileHeaderLength };
        foreach (TestPacket p in s_packets)
            boundaries.Add(boundaries[^1] + PcapReader.RecordHeaderLength + p.Data.Length);

        for (int length = PcapReader.FileHeaderLength; length <= file.Length; length++)
        {
            using var source = TestCaptures.Open(file[..length]);
            int count = TestCaptures.Count(source, out ReadStatus final);

            int whole = boundaries.FindLastIndex(b => b <= length);
            Assert.Equal(whole, count);
            Assert.Equal(boundaries.Contains(length) ? ReadStatus.EndOfInput : ReadStatus.Truncated, final);
        }
    }

    [Fact]
    public void ReadsTheSameWhenTheStreamDeliversOneByteAtATime()
    {
        byte[] file = TestCaptures.Pcap(false, true, 1, s_packets);
        using var source = CaptureFile.Open(new TrickleStream(file), "trickle.pcap");

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(s_packets.Length, read.Count);
        Assert.Equal(s_packets[1].Data, read[1].Data);
        Assert.Equal(-1, source.Length);
    }

    [Fact]
    public void ReportsCorruptWhenARecordClaimsMoreThanTheLimit()
    {
        byte[] file = TestCaptures.Pcap(false, false, 1, s_packets[..2]);
        int second = PcapReader.FileHeaderLength + PcapReader.RecordHeaderLength + 60;
        file[second + 8] = 0xFF;   // caplen 0xFF0005FF
        file[second + 11] = 0xFF;
        using var source = TestCaptures.Open(file);

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Single(read);
        Assert.Equal(ReadStatus.Corrupt, final);
        Assert.Equal($"packet record at offset {second} claims 4278191615 captured bytes, more than the 16777216-byte limit", source.Problem);
    }

    [Fact]
    public void ReadsPacketsLargerThanTheInitialBuffer()
    {
        TestPacket[] packets = [new(1, TestCaptures.Payload(3 << 20, 7)), new(2, TestCaptures.Payload(10, 8))];
        using var source = TestCaptures.Open(TestCaptures.Pcap(false, false, 1, packets));

        var read = TestCaptures.ReadAll(source, out ReadStatus final);

        Assert.Equal(ReadStatus.EndOfInput, final);
        Assert.Equal(packets[0].Data, read[0].Data);
        Assert.Equal(packets[1].Data, read[1].Data);
    }

    [Fact]
    public void DeliversACapturedLengthAboveTheOriginalLengthAndCountsIt()
    {
        using var source = TestCaptures.Open(TestCaptures.Pcap(false, false, 1, [new(0, TestCaptures.Payload(100, 1), 50)]));

        Assert.Equal(ReadStatus.Packet, source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data));
        Assert.Equal(100, data.Length);
        Assert.Equal(50, header.OriginalLength);
        Assert.Equal(1, ((PcapReader)source).CapturedLongerThanOriginal);
    }

    [Theory]
    [InlineData(2, 0)]
    [InlineData(2, 1)]
    [InlineData(2, 4)]
    [InlineData(543, 0)]
    public void AcceptsTheVersionsLibpcapAccepts(ushort major, ushort minor)
    {
        using var source = TestCaptures.Open(TestCaptures.Pcap(false, false, 1, s_packets, major, minor));
        Assert.Equal(s_packets.Length, TestCaptures.Count(source, out _));
    }

    [Theory]
    [InlineData(1, 4)]
    [InlineData(2, 5)]
    [InlineData(3, 0)]
    public void RejectsOtherVersions(ushort major, ushort minor)
    {
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(TestCaptures.Pcap(true, false, 1, s_packets, major, minor)));
        Assert.Equal($"unsupported pcap version {major}.{minor} (2.0 to 2.4 are read)", e.Message);
    }

    [Fact]
    public void RejectsALinkTypeFieldWithReservedBitsSet()
    {
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(TestCaptures.Pcap(false, false, 0x00300001, s_packets)));
        Assert.Equal("pcap link type field 0x00300001 has reserved bits set, as libpcap rejects", e.Message);
    }

    [Fact]
    public void ReadsTheFcsLengthFromTheUpperBitsOfTheLinkTypeField()
    {
        // F bit (26) set, FCS length 2 × 16-bit words = 4 bytes, link type 1.
        using var withFcs = (PcapReader)TestCaptures.Open(TestCaptures.Pcap(false, false, 0x24000001, s_packets));
        using var without = (PcapReader)TestCaptures.Open(TestCaptures.Pcap(false, false, 1, s_packets));

        Assert.Equal(1, withFcs.LinkType);
        Assert.Equal(4, withFcs.FcsLength);
        Assert.Equal(-1, without.FcsLength);
        Assert.Equal(ReadStatus.Packet, withFcs.TryReadPacket(out PacketHeader header, out _));
        Assert.Equal(1, header.LinkType);
    }

    [Fact]
    public void RejectsAFileThatEndsInsideTheFileHeader()
    {
        byte[] file = TestCaptures.Pcap(false, false, 1, []);
        var e = Assert.Throws<CaptureFormatException>(() => TestCaptures.Open(file[..20]));
        Assert.Equal("file ends inside the pcap file header (20 of 24 bytes)", e.Message);
    }

    [Fact]
    public void ReadsNanosecondAndBigEndianFilesFromTheTcpdumpCorpus()
    {
        if (Corpus.Root is null)
            return;

        // tcp-handshake-nano.pcap: nanosecond little-endian, Linux cooked; its tcpdump output shows 9-digit fractions.
        using (var nano = (PcapReader)CaptureFile.Open(Corpus.Path("tcpdump/tests/tcp-handshake-nano.pcap")))
        {
            var read = TestCaptures.ReadAll(nano, out ReadStatus final);
            Assert.Equal(ReadStatus.EndOfInput, final);
            Assert.True(nano.Nanoseconds);
            Assert.Equal(3, read.Count);
            Assert.All(read, p => Assert.Equal((int)LinkType.LinuxSll, p.Header.LinkType));
            Assert.Contains(read, p => p.Header.TimestampNanos % 1000 != 0);
        }

        using (var bigEndian = (PcapReader)CaptureFile.Open(Corpus.Path("tcpdump/tests/pptp.pcap")))
        {
            var read = TestCaptures.ReadAll(bigEndian, out ReadStatus final);
            Assert.Equal(ReadStatus.EndOfInput, final);
            Assert.True(bigEndian.BigEndian);
            Assert.Equal(23, read.Count);
            Assert.All(read, p => Assert.Equal((int)LinkType.Ethernet, p.Header.LinkType));
            // Timestamps in 2000-2030 mean the byte order was understood.
            Assert.All(read, p => Assert.InRange(p.Header.TimestampNanos, 946_684_800L * 1_000_000_000, 1_893_456_000L * 1_000_000_000));
        }
    }

    [Fact]
    public void AllocatesNothingPerPacketOnceWarm()
    {
        string path = Path.Combine(Path.GetTempPath(), $"assay-alloc-{Guid.NewGuid():N}.pcap");
        const int Packets = 300_000;
        try
        {
            WriteSyntheticPcap(path, Packets, 60);
            using var source = CaptureFile.Open(path);
            for (int i = 0; i < 20_000; i++)
                Assert.Equal(ReadStatus.Packet, source.TryReadPacket(out _, out _));

            long before = GC.GetAllocatedBytesForCurrentThread();
            int count = 0;
            long bytes = 0;
            while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data) == ReadStatus.Packet)
            {
                count++;
                bytes += data.Length + header.OriginalLength;
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            output.WriteLine($"{allocated} bytes allocated over {count} packets");
            Assert.Equal(Packets - 20_000, count);
            Assert.Equal(120L * count, bytes);
            Assert.Equal(0, allocated);
        }
        finally
        {
            File.Delete(path);
        }
    }

    /// <summary>Not an assertion (the CI machine is shared): prints the read rate for small packets.</summary>
    [Fact]
    public void ReportsTheReadRateForSmallPackets()
    {
        string path = Path.Combine(Path.GetTempPath(), $"assay-speed-{Guid.NewGuid():N}.pcap");
        const int Packets = 2_000_000;
        try
        {
            WriteSyntheticPcap(path, Packets, 60);
            double best = 0;
            for (int round = 0; round < 3; round++)
            {
                var clock = System.Diagnostics.Stopwatch.StartNew();
                using var source = CaptureFile.Open(path);
                long sum = 0;
                int count = 0;
                while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data) == ReadStatus.Packet)
                {
                    sum += header.TimestampNanos + data[0];
                    count++;
                }

                clock.Stop();
                Assert.NotEqual(0, sum);
                Assert.Equal(Packets, count);
                best = Math.Max(best, Packets / clock.Elapsed.TotalSeconds);
            }

            output.WriteLine($"best of 3: {best / 1e6:F1} million packets/s ({Packets} packets of 60 bytes, file in page cache)");
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static void WriteSyntheticPcap(string path, int packets, int size)
    {
        byte[] payload = TestCaptures.Payload(size, 9);
        using var writer = PcapWriter.Create(path, (int)LinkType.Ethernet);
        for (int i = 0; i < packets; i++)
        {
            payload[0] = (byte)(i | 1);
            writer.Write(1_700_000_000_000_000_000 + i * 1000L, payload);
        }
    }
}

/// <summary>A non-seekable stream that returns one byte per read: the worst case for refills.</summary>
internal sealed class TrickleStream(byte[] bytes) : Stream
{
    private int _position;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (_position == bytes.Length || buffer.IsEmpty)
            return 0;
        buffer[0] = bytes[_position++];
        return 1;
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
