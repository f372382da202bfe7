using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Assay.Tests.Live;

/// <summary>
/// What the live tests use to look at DIR/packets from outside the product: the <c>assay</c> CLI and tcpdump run as
/// processes (stdout kept as bytes), a plain pcap record parser, the index header fields, and a TCP stream reassembler
/// written here so the check does not depend on the product's own reassembly.
/// </summary>
internal static class StoreCheck
{
    /// <summary>One pcap record: timestamp in ns, the captured bytes and the original length.</summary>
    internal readonly record struct Record(long TimestampNanos, byte[] Data, int OriginalLength)
    {
        public bool SameAs(Record other) =>
            TimestampNanos == other.TimestampNanos && OriginalLength == other.OriginalLength && Data.AsSpan().SequenceEqual(other.Data);
    }

    /// <summary>A command's exit code, its stdout as bytes and its stderr as text.</summary>
    internal readonly record struct Output(int ExitCode, byte[] Stdout, string Stderr);

    /// <summary>Runs a command to its end (60 s at most) with stdout kept as bytes.</summary>
    public static Output Exec(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        for (int i = 1; i < command.Length; i++)
            start.ArgumentList.Add(command[i]);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        using var stdout = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(stdout);
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException(string.Join(' ', command) + ": timed out");
        }

        return new Output(process.ExitCode, stdout.ToArray(), stderr.GetAwaiter().GetResult());
    }

    /// <summary>Runs <c>assay ARGS</c> (the build next to the tests) and requires exit code 0.</summary>
    public static Output Assay(params string[] args)
    {
        Output result = Exec(["dotnet", Path.Combine(AppContext.BaseDirectory, "assay.dll"), .. args]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"assay {string.Join(' ', args)}: exit {result.ExitCode}: {result.Stderr.Trim()}");
        return result;
    }

    /// <summary>
    /// <c>tcpdump -r FILE --time-stamp-precision=nano -w - [FILTER]</c>: the file as libpcap reads it (or the filter's
    /// selection from it), parsed. Throws when tcpdump cannot open the file.
    /// </summary>
    public static List<Record> Tcpdump(string file, string? filter = null)
    {
        string[] command = ["tcpdump", "-r", file, "--time-stamp-precision=nano", "-w", "-"];
        Output result = Exec(filter is null ? command : [.. command, filter]);
        if (result.ExitCode != 0)
            throw new InvalidOperationException($"tcpdump -r {file}: exit {result.ExitCode}: {result.Stderr.Trim()}");
        return ParsePcap(result.Stdout);
    }

    /// <summary>Parses a classic pcap (either timestamp precision, either byte order); throws on a cut or bad file.</summary>
    public static List<Record> ParsePcap(ReadOnlySpan<byte> pcap)
    {
        if (pcap.Length < 24)
            throw new InvalidDataException($"pcap of {pcap.Length} bytes has no header");
        uint magic = BinaryPrimitives.ReadUInt32LittleEndian(pcap);
        bool bigEndian = magic is 0xD4C3B2A1 or 0x4D3CB2A1;
        if (bigEndian)
            magic = BinaryPrimitives.ReverseEndianness(magic);
        long fractionToNanos = magic switch
        {
            0xA1B2C3D4 => 1000,
            0xA1B23C4D => 1,
            _ => throw new InvalidDataException($"pcap magic {magic:X8}"),
        };
        uint Read(ReadOnlySpan<byte> at) => bigEndian ? BinaryPrimitives.ReadUInt32BigEndian(at) : BinaryPrimitives.ReadUInt32LittleEndian(at);

        var records = new List<Record>();
        int offset = 24;
        while (offset < pcap.Length)
        {
            if (pcap.Length - offset < 16)
                throw new InvalidDataException($"record header cut at offset {offset}");
            ReadOnlySpan<byte> header = pcap.Slice(offset, 16);
            int length = (int)Read(header[8..]);
            if (pcap.Length - offset - 16 < length)
                throw new InvalidDataException($"record cut at offset {offset}");
            records.Add(new Record((Read(header) * 1_000_000_000L) + (Read(header[4..]) * fractionToNanos),
                pcap.Slice(offset + 16, length).ToArray(), (int)Read(header[12..])));
            offset += 16 + length;
        }

        return records;
    }

    /// <summary>
    /// Waits until the pcap bytes in a live store (closed and open segments) have not grown for 1 s (the writer flushes
    /// at least every 500 ms), or the timeout. Returns how long it waited.
    /// </summary>
    public static TimeSpan WaitUntilSettled(string packetsDir, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        long last = -1;
        TimeSpan lastChange = TimeSpan.Zero;
        while (clock.Elapsed < timeout)
        {
            long total = 0;
            foreach (FileInfo file in new DirectoryInfo(packetsDir).EnumerateFiles("*.pcap", new EnumerationOptions { AttributesToSkip = 0 }))
            {
                try
                {
                    total += file.Length;
                }
                catch (FileNotFoundException)
                {
                    // Renamed while listing: counted again next time.
                }
            }

            if (total != last)
            {
                (last, lastChange) = (total, clock.Elapsed);
            }
            else if (total > 0 && clock.Elapsed - lastChange >= TimeSpan.FromSeconds(1))
            {
                return lastChange;
            }

            Thread.Sleep(100);
        }

        return clock.Elapsed;
    }

    /// <summary>Index header fields (docs/DESIGN.md "Index byte layout"): packet count at 32, pcap bytes covered at 40.</summary>
    public static (long Packets, long Covered) IndexHeader(string idx)
    {
        Span<byte> header = stackalloc byte[64];
        using (FileStream file = File.OpenRead(idx))
            file.ReadExactly(header);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header) != 0x58444941)
            throw new InvalidDataException($"{idx}: bad index magic");
        return (BinaryPrimitives.ReadInt64LittleEndian(header[32..]), BinaryPrimitives.ReadInt64LittleEndian(header[40..]));
    }

    /// <summary>
    /// Every file of a closed store: no open (hidden) segment and no temporary file left; each <c>*.pcap</c> with its
    /// <c>*.idx</c> and the other way round; tcpdump opens each pcap and reads exactly the index's packet count, and the
    /// index covers the whole pcap. Returns the segments in sequence order with their packets as tcpdump read them.
    /// </summary>
    public static List<(string Segment, List<Record> Packets)> CheckClosedSegments(string packetsDir, StringBuilder report)
    {
        string[] all = Directory.GetFiles(packetsDir);
        Assert.DoesNotContain(all, f => Path.GetFileName(f).StartsWith(".open-", StringComparison.Ordinal));
        Assert.DoesNotContain(all, f => f.EndsWith(".tmp", StringComparison.Ordinal));
        string[] pcaps = [.. all.Where(f => f.EndsWith(".pcap", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        string[] indexes = [.. all.Where(f => f.EndsWith(".idx", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
        Assert.NotEmpty(pcaps);
        Assert.Equal(pcaps.Select(p => Path.ChangeExtension(p, ".idx")), indexes);

        var segments = new List<(string, List<Record>)>();
        foreach (string pcap in pcaps)
        {
            List<Record> packets = Tcpdump(pcap);
            (long indexed, long covered) = IndexHeader(Path.ChangeExtension(pcap, ".idx"));
            long length = new FileInfo(pcap).Length;
            report.Append(CultureInfo.InvariantCulture, $"  {Path.GetFileName(pcap)}: {length:N0} bytes, tcpdump reads {packets.Count:N0} packets, index says {indexed:N0}\n");
            Assert.Equal(indexed, packets.Count);
            Assert.Equal(length, covered);
            segments.Add((pcap, packets));
        }

        return segments;
    }

    /// <summary>
    /// The bytes one side of a TCP connection sent, rebuilt from Ethernet/IPv4 frames by sequence number from its SYN:
    /// retransmitted bytes must agree with the first copy. Returns the stream, the number of holes (bytes never seen up to
    /// the highest byte seen) and the number of bytes seen twice with different values.
    /// </summary>
    public static (byte[] Stream, long Holes, long Conflicts) Reassemble(IEnumerable<Record> frames, string sourceAddress, int sourcePort, int maxBytes)
    {
        byte[] source = [.. sourceAddress.Split('.').Select(part => byte.Parse(part, CultureInfo.InvariantCulture))];
        var stream = new byte[maxBytes];
        var seen = new bool[maxBytes];
        uint? initial = null;
        long end = 0, conflicts = 0;
        foreach (Record frame in frames)
        {
            ReadOnlySpan<byte> data = frame.Data;
            if (data.Length < 14 + 20 || BinaryPrimitives.ReadUInt16BigEndian(data[12..]) != 0x0800)
                continue;
            ReadOnlySpan<byte> ip = data[14..];
            int ipHeader = (ip[0] & 0x0F) * 4, ipTotal = BinaryPrimitives.ReadUInt16BigEndian(ip[2..]);
            if (ip[9] != 6 || !ip.Slice(12, 4).SequenceEqual(source) || ipTotal > ip.Length)
                continue;
            ReadOnlySpan<byte> tcp = ip[ipHeader..ipTotal];
            if (BinaryPrimitives.ReadUInt16BigEndian(tcp) != sourcePort)
                continue;
            uint sequence = BinaryPrimitives.ReadUInt32BigEndian(tcp[4..]);
            if ((tcp[13] & 0x02) != 0)
            {
                initial ??= sequence;
                continue;
            }

            ReadOnlySpan<byte> payload = tcp[((tcp[12] >> 4) * 4)..];
            if (initial is null || payload.IsEmpty)
                continue;
            long at = (uint)(sequence - initial.Value - 1);   // unsigned distance: sequence wrap-around is fine
            Assert.True(at + payload.Length <= maxBytes, $"payload at stream offset {at} runs past the {maxBytes:N0} bytes sent");
            for (int i = 0; i < payload.Length; i++)
            {
                long p = at + i;
                if (seen[p] && stream[p] != payload[i])
                    conflicts++;
                stream[p] = payload[i];
                seen[p] = true;
            }

            end = Math.Max(end, at + payload.Length);
        }

        long holes = 0;
        for (long i = 0; i < end; i++)
        {
            if (!seen[i])
                holes++;
        }

        return (stream.AsSpan(0, (int)end).ToArray(), holes, conflicts);
    }
}
