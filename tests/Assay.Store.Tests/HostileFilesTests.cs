using Xunit.Abstractions;

namespace Assay.Store.Tests;

public sealed class HostileFilesTests(ITestOutputHelper output)
{
    private const long T0 = 1_800_000_000_000_000_000;

    [Fact]
    public void DamagedIndexesAreRebuiltAndQueriesStillAnswer()
    {
        var random = new Random(11);
        int cases = 0;
        foreach (string damage in new[] { "delete", "truncate", "flip", "zero", "garbage", "empty" })
        {
            for (int trial = 0; trial < 8; trial++)
            {
                using var dir = new TempDir();
                int count = Build(dir.Path);
                string[] indexes = Directory.GetFiles(dir.Packets, "*.idx");
                string victim = indexes[random.Next(indexes.Length)];
                Damage(victim, damage, random);

                // The reader alone: scans the damaged segment instead, still answers.
                using (PacketStoreReader reader = PacketStoreReader.Open(dir.Path))
                {
                    Assert.Equal(count, reader.Query(new PacketQuery()).Count());
                    Assert.Equal(count / 4, reader.Query(new PacketQuery { Port = 1001 }).Count());
                    Assert.NotEmpty(reader.Problems);
                }

                // The writer rebuilds it.
                using (PacketStore store = PacketStore.Open(dir.Path, new PacketStoreOptions()))
                    Assert.Single(store.Recovery.IndexesRebuilt);
                using (PacketStoreReader reader = PacketStoreReader.Open(dir.Path))
                {
                    Assert.Equal(count, reader.Query(new PacketQuery()).Count());
                    Assert.Empty(reader.Problems);
                }

                cases++;
            }
        }

        output.WriteLine($"{cases} damaged indexes: reader answered by scanning, writer rebuilt each");
    }

    [Fact]
    public void DamagedPcapsNeverCrashOpenOrQuery()
    {
        var random = new Random(12);
        int cases = 0;
        foreach (string damage in new[] { "truncate", "flip", "zero", "garbage", "empty" })
        {
            for (int trial = 0; trial < 8; trial++)
            {
                using var dir = new TempDir();
                Build(dir.Path);
                string[] pcaps = Directory.GetFiles(dir.Packets, "*.pcap");
                Damage(pcaps[random.Next(pcaps.Length)], damage, random);
                if (random.Next(2) == 0)
                    Damage(Directory.GetFiles(dir.Packets, "*.idx")[random.Next(pcaps.Length)], "flip", random);
                using (PacketStoreReader reader = PacketStoreReader.Open(dir.Path))
                {
                    _ = reader.Query(new PacketQuery()).Count();
                    _ = reader.Query(new PacketQuery { Port = 1001, SinceNanos = T0 + 5 }).Count();
                }

                using (PacketStore store = PacketStore.Open(dir.Path, new PacketStoreOptions()))
                    output.WriteLine($"{damage}: rebuilt {store.Recovery.IndexesRebuilt.Count}, discarded {string.Join("; ", store.Recovery.Discarded)}");
                using (PacketStoreReader reader = PacketStoreReader.Open(dir.Path))
                    _ = reader.Query(new PacketQuery { Host = 1 }).Count();
                cases++;
            }
        }

        // Stray files of every kind are ignored or cleaned.
        using var stray = new TempDir();
        Build(stray.Path);
        File.WriteAllBytes(Path.Combine(stray.Packets, "00000099-20270101T000000Z.idx"), [1, 2, 3]);
        File.WriteAllBytes(Path.Combine(stray.Packets, "00000007-x.idx.tmp"), [1]);
        File.WriteAllBytes(Path.Combine(stray.Packets, ".open-00000050.pcap"), [0xD4, 0xC3]);
        File.WriteAllBytes(Path.Combine(stray.Packets, "notes.txt"), [1]);
        using (PacketStore store = PacketStore.Open(stray.Path, new PacketStoreOptions()))
            Assert.Equal(3, store.Recovery.Discarded.Count);
        output.WriteLine($"{cases} damaged pcaps: no exception from Open or Query");
    }

    /// <summary>Four flows, 400 packets, in about five 16 KiB segments.</summary>
    private static int Build(string directory)
    {
        using PacketStore store = PacketStore.Open(directory, new PacketStoreOptions { MaxSegmentBytes = 64 << 10 });
        for (int i = 0; i < 400; i++)
        {
            TestPacket p = TestPackets.Udp(T0 + i, 500, (byte)(i % 4), (ushort)(1000 + (i % 4)), 9, 53);
            store.Append(p.Timestamp, p.OriginalLength, 1, p.Data, p.Key, true);
        }

        return 400;
    }

    private static void Damage(string path, string how, Random random)
    {
        byte[] bytes = File.ReadAllBytes(path);
        switch (how)
        {
            case "delete":
                File.Delete(path);
                return;
            case "truncate":
                bytes = bytes[..random.Next(bytes.Length)];
                break;
            case "flip":
                bytes[random.Next(bytes.Length)] ^= (byte)(1 << random.Next(8));
                break;
            case "zero":
                int at = random.Next(bytes.Length);
                Array.Clear(bytes, at, Math.Min(64, bytes.Length - at));
                break;
            case "garbage":
                random.NextBytes(bytes.AsSpan(random.Next(bytes.Length)));
                break;
            case "empty":
                bytes = [];
                break;
        }

        File.WriteAllBytes(path, bytes);
    }
}
