using System.Security.Cryptography;
using Assay.Flows.Tcp;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Flows.Tests.Tcp;

/// <summary>Real captures: the lab incident (file hashes as the oracle) and Zeek's TCP traces (Zeek's logs as the oracle).</summary>
public class TcpReassemblerCorpusTests(ITestOutputHelper output)
{
    private static string Hex(byte[] data) => Convert.ToHexStringLower(SHA256.HashData(data));

    /// <summary>
    /// devlab-incident-phpunit.pcap carries a 9 MB download over a lossy link (out-of-order segments, one hole filled late).
    /// Every HTTP response body in every server→client stream must hash to the lab's ground truth.
    /// </summary>
    [Fact]
    public void LabIncidentDownloadsMatchTheirSha256()
    {
        if (Corpus.Root is null)
            return;
        string truth = Corpus.Path("lab/truth/devlab-incident-phpunit");

        // Expected: every file the attacker's server sent and every response body the victim returned.
        var expected = new List<string>();
        foreach (string name in new[] { "ldr.sh", "config.json", "resp-1-index.html", "resp-2-env.txt", "resp-3.txt", "resp-4.txt", "resp-5.txt", "resp-6-md5.txt", "resp-7-exploit.txt" })
            expected.Add(Hex(File.ReadAllBytes(Path.Combine(truth, name))));
        string sysupdate = File.ReadAllLines(Path.Combine(truth, "hashes.sha256")).Single(l => l.EndsWith("attacker_www/sysupdate", StringComparison.Ordinal)).Split(' ')[0];
        expected.Add(sysupdate);

        // The parse depth stays at its 1 MiB default: the consumer asks to carve past it, as the engine's carver will.
        CaptureStreams streams = CaptureStreams.Read(Corpus.Path("lab/devlab-incident-phpunit.pcap"), carveRequest: long.MaxValue);
        TcpReassembler r = streams.Reassembler;

        var actual = new List<string>();
        long largest = 0;
        foreach (CaptureStreams.DirectionStream stream in streams.All)
        {
            if (stream.Key.SourcePort is not (80 or 8080))
                continue;
            Assert.Equal(0, stream.Log.GapBytes);
            Assert.Empty(stream.Log.Overlaps);
            Assert.Equal(TcpStreamEnd.Fin, stream.Log.End);
            foreach ((int status, byte[] body) in HttpResponses.Parse(stream.Log.ToArray()))
            {
                Assert.True(status is 200 or 404, $"status {status}");
                actual.Add(Hex(body));
                largest = Math.Max(largest, body.Length);
            }
        }

        output.WriteLine($"{streams.Packets} TCP packets, {streams.All.Count} directions; segments: {r.DataSegments} data, {r.InOrderSegments} in order, "
            + $"{r.OutOfOrderSegments} out of order, {r.Retransmissions} retransmissions, {r.Overlaps} overlaps; {r.BytesDelivered:N0} bytes delivered "
            + $"({r.BytesDeliveredZeroCopy:N0} zero-copy); gaps {r.Gaps}; pool peak {r.Pool.PeakBytesInUse:N0} bytes");
        expected.Sort(StringComparer.Ordinal);
        actual.Sort(StringComparer.Ordinal);
        Assert.Equal(expected, actual);
        Assert.Equal(9_026_768, largest);
        Assert.True(r.OutOfOrderSegments >= 14, $"{r.OutOfOrderSegments} out-of-order segments");   // tshark counts 14
        Assert.Equal(0, r.Gaps);
        Assert.Equal(0, r.Pool.BytesInUse);
    }

    /// <summary>The same capture with the default depth and no carve request: the download stops at 1 MiB.</summary>
    [Fact]
    public void LabIncidentDownloadStopsAtTheParseDepthWithoutACarveRequest()
    {
        if (Corpus.Root is null)
            return;
        CaptureStreams streams = CaptureStreams.Read(Corpus.Path("lab/devlab-incident-phpunit.pcap"));
        CaptureStreams.DirectionStream download = streams.All.Single(s => s.Key.SourcePort == 8080 && s.Log.End == TcpStreamEnd.DepthReached);
        Assert.Equal(TcpReassembler.DefaultParseDepth, download.Log.Length);
        Assert.Equal(1, streams.Reassembler.DepthReached);
        Assert.Equal(0, streams.Reassembler.Pool.BytesInUse);
    }

    public static TheoryData<string> ZeekTcpTraces()
    {
        var data = new TheoryData<string>();
        if (Corpus.Root is null)
        {
            data.Add("");
            return data;
        }

        foreach (string file in Directory.GetFiles(Corpus.Path("zeek/Traces/tcp")).Order(StringComparer.Ordinal))
            data.Add(Path.GetFileName(file));
        return data;
    }

    [Theory]
    [MemberData(nameof(ZeekTcpTraces))]
    public void ZeekTcpTracesReassembleCleanly(string trace)
    {
        if (Corpus.Root is null)
            return;
        CaptureStreams streams = CaptureStreams.Read(Corpus.Path(Path.Combine("zeek/Traces/tcp", trace)));
        TcpReassembler r = streams.Reassembler;
        output.WriteLine($"{trace}: {streams.Packets} packets, {streams.All.Count} directions, {r.BytesDelivered:N0} bytes delivered, "
            + $"{r.OutOfOrderSegments} out of order, {r.Retransmissions} retransmissions, {r.Overlaps} overlaps, {r.OverlapsWithDifferentData} different, "
            + $"{r.Gaps} gaps ({r.GapBytes:N0} bytes)");
        long seen = 0;
        foreach (CaptureStreams.DirectionStream stream in streams.All)
        {
            Assert.Equal(1, stream.Log.Ends);
            seen += stream.Log.Position;
        }

        Assert.True(r.GapBytes <= seen, "gaps cannot exceed the streams' extent");
        Assert.Equal(0, r.Pool.BytesInUse);
    }

    /// <summary>Zeek: conn.log <c>missed_bytes</c> 2902 and one <c>content_gap</c> of 2902 bytes, in the responder's direction.</summary>
    [Fact]
    public void MissingEndDataIsOneGapOfTheSizeZeekReports()
    {
        if (Corpus.Root is null)
            return;
        CaptureStreams streams = CaptureStreams.Read(Corpus.Path("zeek/Traces/tcp/miss_end_data.pcap"));
        CaptureStreams.DirectionStream response = streams.All.Single(s => s.Key.SourcePort == 80);
        Assert.Equal([2902L], response.Log.Gaps.Select(g => g.Length));
        Assert.Equal(2902, response.State.MissedBytes);
        Assert.All(streams.All.Where(s => s.Key.SourcePort != 80), s => Assert.Empty(s.Log.Gaps));
    }

    /// <summary>
    /// retransmit-fast009.pcap keeps only the headers of its data packets (captured length below the wire length). Zeek's
    /// conn.log has orig_bytes 474, resp_bytes 23783 and missed_bytes 24257: every payload byte is a gap, and so it is here.
    /// </summary>
    [Fact]
    public void PayloadCutBySnapLengthBecomesTheGapsZeekCountsAsMissed()
    {
        if (Corpus.Root is null)
            return;
        CaptureStreams streams = CaptureStreams.Read(Corpus.Path("zeek/Traces/tcp/retransmit-fast009.pcap"));
        CaptureStreams.DirectionStream client = streams.All.Single(s => s.Key.SourcePort == 50368);
        CaptureStreams.DirectionStream server = streams.All.Single(s => s.Key.SourcePort == 80);
        Assert.Equal(474, client.State.MissedBytes);
        Assert.Equal(23783, server.State.MissedBytes);
        Assert.Equal(24257, streams.Reassembler.GapBytes);
        Assert.Equal(0, streams.Reassembler.BytesDelivered);
    }

    /// <summary>Zeek reports five <c>rexmit_inconsistency</c> (a retransmission with different bytes) on 2564 → 80 in reassembly.pcap.</summary>
    [Fact]
    public void InconsistentRetransmissionsAreReportedWhereZeekReportsThem()
    {
        if (Corpus.Root is null)
            return;
        CaptureStreams streams = CaptureStreams.Read(Corpus.Path("zeek/Traces/tcp/reassembly.pcap"));
        foreach (CaptureStreams.DirectionStream stream in streams.All)
        {
            foreach (TcpOverlap overlap in stream.Log.Overlaps)
                output.WriteLine($"{stream.Key.SourcePort} -> {stream.Key.DestinationPort}: {overlap}");
        }

        CaptureStreams.DirectionStream client = streams.All.Single(s => s.Key.SourcePort == 2564 && s.Key.DestinationPort == 80);
        Assert.Equal(5, client.Log.Overlaps.Count);
        Assert.All(streams.All.Where(s => s != client), s => Assert.Empty(s.Log.Overlaps));
    }
}
