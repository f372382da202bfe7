using Assay.Flows;

namespace Assay.Store.Tests;

/// <summary>
/// Entry point of this assembly when run as a program (<c>dotnet Assay.Store.Tests.dll crash-writer DIR</c>): a writer that
/// appends numbered packets until it is killed, printing how many were flushed, for <see cref="CrashTests"/>.
/// </summary>
public static class Program
{
    public const long BaseNanos = 1_800_000_000_000_000_000;
    public const long StepNanos = 1_000;

    public static int Main(string[] args)
    {
        if (args.Length < 2 || args[0] != "crash-writer")
        {
            Console.Error.WriteLine("usage: Assay.Store.Tests crash-writer DIR");
            return 2;
        }

        using PacketStore store = PacketStore.Open(args[1], new PacketStoreOptions { MaxSegmentBytes = 8 << 20 });
        var packets = new TestPacket[8];
        for (int i = 0; i < packets.Length; i++)
            packets[i] = TestPackets.Udp(0, 200 + (i * 97), (byte)(1 + i), (ushort)(40000 + i), 200, 53);
        long last = Environment.TickCount64;
        for (long n = 0; ; n++)
        {
            TestPacket p = packets[n % packets.Length];
            FlowKey key = p.Key;
            store.Append(BaseNanos + (n * StepNanos), p.OriginalLength, 1, p.Data, in key, true);
            if (n % 25 == 0)
                Thread.Sleep(1);   // tens of thousands of packets/s: the timer, not only a full buffer, flushes
            long now = Environment.TickCount64;
            if (now - last >= 20)
            {
                last = now;
                Console.Out.WriteLine($"flushed {store.Stats.PacketsFlushed} appended {n + 1} closed {store.Stats.SegmentsClosed}");
                Console.Out.Flush();
            }
        }
    }
}
