using System.Diagnostics;
using Xunit.Abstractions;

namespace Assay.Store.Tests;

/// <summary>
/// A really full disk (a 4 MiB tmpfs mounted by the test; CI runs as root): capture never stops — Append never throws,
/// the oldest segments are evicted when a write fails with ENOSPC, and what is stored stays readable.
/// </summary>
public sealed class DiskFullTests(ITestOutputHelper output)
{
    private const long T0 = 1_800_000_000L * 1_000_000_000;

    private static int Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        process.WaitForExit();
        return process.ExitCode;
    }

    [Fact]
    public void AFullDiskEvictsTheOldestSegmentsAndNeverStopsCapture()
    {
        string mount = Path.Combine(Path.GetTempPath(), "assay-full-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(mount);
        if (Environment.UserName != "root" || Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", mount) != 0)
        {
            Directory.Delete(mount);
            Assert.False(Environment.GetEnvironmentVariable("CI") == "true", "cannot mount a small tmpfs (CI runs as root)");
            output.WriteLine("skipped: needs root to mount a small tmpfs");
            return;
        }

        try
        {
            long appended = 0;
            StoreStats stats;
            // No size limit configured: only the disk's own 4 MiB stop the writes.
            using (PacketStore store = PacketStore.Open(mount, new PacketStoreOptions { MaxSegmentBytes = 256 << 10 }))
            {
                for (int i = 0; i < 40_000; i++)   // ≈ 24 MB of packets into 4 MiB
                {
                    TestPacket p = TestPackets.Udp(T0 + (i * 1_000_000L), 600, (byte)(i % 13), (ushort)(2000 + (i % 13)), 9, 53);
                    store.Append(p.Timestamp, p.OriginalLength, 1, p.Data, p.Key, true);
                    appended++;
                }

                stats = store.Stats;
            }

            output.WriteLine($"{appended:N0} appended; {stats.SegmentsEvicted} segments evicted ({stats.BytesEvicted:N0} bytes), " +
                             $"{stats.PacketsDropped:N0} packets dropped; last error: {stats.LastError}");
            Assert.True(stats.SegmentsEvicted > 0, "nothing was evicted on a full disk");
            Assert.Contains("disk full", stats.LastError ?? "", StringComparison.OrdinalIgnoreCase);

            // What is left is whole and readable, and the newest packets are there.
            using PacketStoreReader reader = PacketStoreReader.Open(mount);
            long last = 0, count = 0;
            foreach (StoredPacket packet in reader.Query(new PacketQuery()))
            {
                last = Math.Max(last, packet.TimestampNanos);
                count++;
            }

            output.WriteLine($"{count:N0} packets readable after the run; newest at +{(last - T0) / 1_000_000} ms");
            Assert.True(count > 1000);
            Assert.True(last >= T0 + ((40_000 - 1000) * 1_000_000L), "the newest packets are not in the store");
        }
        finally
        {
            Run("umount", mount);
            Directory.Delete(mount, recursive: true);
        }
    }
}
