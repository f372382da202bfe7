using System.Diagnostics;
using Assay.Tests;
using Xunit.Abstractions;

namespace Assay.Store.Tests;

public sealed class CrashTests(ITestOutputHelper output)
{
    [Fact]
    public void KillNineMidCaptureLosesOnlyUnflushedPacketsAndOpenRepairsTheStore()
    {
        using var dir = new TempDir();
        string assembly = typeof(Program).Assembly.Location;
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        info.ArgumentList.Add(assembly);
        info.ArgumentList.Add("crash-writer");
        info.ArgumentList.Add(dir.Path);
        using var child = Process.Start(info)!;
        long flushed = 0;
        long appended = 0;
        long closed = 0;
        var watch = Stopwatch.StartNew();
        try
        {
            // Kill at an arbitrary moment once segments have closed (8 MiB segments): 0-40 progress lines (20 ms each) later.
            int killAfter = 1 + Random.Shared.Next(2);
            int extraLines = Random.Shared.Next(41);
            while (watch.Elapsed < TimeSpan.FromSeconds(60))
            {
                string? line = child.StandardOutput.ReadLine();
                if (line is null)
                    break;
                string[] parts = line.Split(' ');
                flushed = long.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture);
                appended = long.Parse(parts[3], System.Globalization.CultureInfo.InvariantCulture);
                closed = long.Parse(parts[5], System.Globalization.CultureInfo.InvariantCulture);
                if (closed >= killAfter && extraLines-- == 0)
                    break;
            }
        }
        finally
        {
            child.Kill();   // SIGKILL on Unix
            child.WaitForExit();
        }

        Assert.True(closed >= 1, $"child did not get going: {child.StandardError.ReadToEnd()}");
        string[] before = Directory.GetFiles(dir.Packets).Select(Path.GetFileName).ToArray()!;
        output.WriteLine($"killed after {appended}+ appends, {flushed} reported flushed, {closed} segments closed; files: {string.Join(" ", before)}");

        using (PacketStore store = PacketStore.Open(dir.Path, new PacketStoreOptions()))
        {
            RecoveryReport r = store.Recovery;
            output.WriteLine($"repaired: {string.Join("; ", r.Repaired)}; rebuilt: {string.Join("; ", r.IndexesRebuilt)}; discarded: {string.Join("; ", r.Discarded)}");
            Assert.Empty(r.IndexesRebuilt);   // every closed segment's index was whole
            Assert.True(r.Repaired.Count + r.Discarded.Count >= 1);
        }

        Assert.Empty(Directory.GetFiles(dir.Packets, ".open-*"));
        using PacketStoreReader reader = PacketStoreReader.Open(dir.Path);
        long expected = 0;
        foreach (StoredPacket p in reader.Query(new PacketQuery()))
        {
            Assert.Equal(Program.BaseNanos + (expected * Program.StepNanos), p.TimestampNanos);
            expected++;
        }

        Assert.Empty(reader.Problems);
        Assert.True(expected >= flushed, $"{expected} packets survived but {flushed} had been flushed");
        Assert.True(expected <= appended + 100_000, $"{expected} packets survived but only {appended} were appended");
        output.WriteLine($"{expected} packets survive in order without a gap ({expected - flushed} more than the last flushed count seen); " +
                         $"{reader.Segments.Count} segments, all indexed: {reader.Segments.All(s => s.Indexed)}");

        // Flow queries agree with the scan after repair.
        TestPacket first = TestPackets.Udp(0, 200, 1, 40000, 200, 53);
        Assert.Equal((expected + 7) / 8, reader.Query(new PacketQuery { Flow = first.Key }).Count());
    }

    [Fact]
    public void CopyOfARunningStoreTruncatedAtRandomBytesIsRepaired()
    {
        if (Corpus.Root is null)
            return;
        List<TestPacket> packets = TestPackets.Read(Corpus.Path("lab/devlab-incident-phpunit.pcap"));
        using var live = new TempDir();
        var random = new Random(5);
        int trials = 0;
        using (PacketStore store = PacketStore.Open(live.Path, new PacketStoreOptions { MaxSegmentBytes = 1 << 20 }))
        {
            for (int i = 0; i < packets.Count; i++)
            {
                TestPacket p = packets[i];
                store.Append(p.Timestamp, p.OriginalLength, p.LinkType, p.Data, p.Key, p.HasKey);
                if (i % 1500 != 1499)
                    continue;
                store.Flush();
                long flushed = store.Stats.PacketsFlushed;
                trials++;
                using var copy = new TempDir();
                Directory.CreateDirectory(copy.Packets);
                string? open = null;
                foreach (string f in Directory.GetFiles(live.Packets))
                {
                    string target = Path.Combine(copy.Packets, Path.GetFileName(f));
                    if (Path.GetFileName(f) == ".lock")
                        continue;
                    File.Copy(f, target);
                    if (Path.GetFileName(f).StartsWith(".open-", StringComparison.Ordinal))
                        open = target;
                }

                Assert.NotNull(open);
                long length = new FileInfo(open).Length;
                long cut = random.NextInt64(0, length + 1);
                using (var s = new FileStream(open, FileMode.Open))
                    s.SetLength(cut);

                using (PacketStore repaired = PacketStore.Open(copy.Path, new PacketStoreOptions()))
                    Assert.True(repaired.Recovery.Repaired.Count + repaired.Recovery.Discarded.Count == 1);
                using PacketStoreReader reader = PacketStoreReader.Open(copy.Path);
                List<StoredPacket> got = reader.Query(new PacketQuery()).ToList();
                Assert.True(got.Count <= flushed);
                for (int k = 0; k < got.Count; k++)
                    Assert.True(packets[k].Data.AsSpan().SequenceEqual(got[k].Data.Span));
                Assert.Empty(reader.Problems);
            }
        }

        output.WriteLine($"{trials} copies truncated at a random byte of the open segment: all repaired, a gap-free prefix kept");
        Assert.True(trials > 3);
    }
}
