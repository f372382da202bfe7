using System.Diagnostics;
using Assay.Capture;
using Assay.Decoding;
using Assay.Flows;
using Assay.Store;
using BenchmarkDotNet.Attributes;

namespace Assay.Benchmarks;

/// <summary>
/// gen_mix.py traffic (<c>ASSAY_GEN_MIX</c>, default <c>/tmp/store-bench/mix.pcap</c>, made with
/// <c>python3 ../shared/bench/gen_mix.py FILE --scale 1.0</c> when missing: 1.3 M packets, 887 MB), loaded into memory.
/// </summary>
internal static class StoreBenchData
{
    private static readonly Lazy<Packet[]> s_packets = new(Load);

    public static string MixPath
    {
        get
        {
            string path = Environment.GetEnvironmentVariable("ASSAY_GEN_MIX") ?? "/tmp/store-bench/mix.pcap";
            if (!File.Exists(path))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(path)!);
                using var p = Process.Start("python3", ["../shared/bench/gen_mix.py", path, "--scale", "1.0"]);
                p.WaitForExit();
            }

            return path;
        }
    }

    public static Packet[] Packets => s_packets.Value;

    public static long FrameBytes { get; private set; }

    private static Packet[] Load()
    {
        var list = new List<Packet>();
        using IPacketSource source = CaptureFile.Open(MixPath);
        var decoded = default(DecodedPacket);
        while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data) == ReadStatus.Packet)
        {
            var anomalies = default(AnomalySet);
            bool hasKey = PacketDecoder.TryDecode(header.LinkType, data, ref decoded, ref anomalies) && decoded.IsIP;
            FlowKey key = hasKey ? FlowKey.From(in decoded, out _) : default;
            list.Add(new Packet(header.TimestampNanos, header.OriginalLength, header.LinkType, data.ToArray(), key, hasKey));
            FrameBytes += data.Length;
        }

        return [.. list];
    }

    internal sealed record Packet(long Timestamp, int OriginalLength, int LinkType, byte[] Data, FlowKey Key, bool HasKey);
}

/// <summary>Recording rate: every gen_mix packet appended to a fresh store (1 GiB segments), closed with its index.</summary>
[MemoryDiagnoser]
public class StoreAppendBenchmarks
{
    private StoreBenchData.Packet[] _packets = [];
    private string _dir = "";

    [GlobalSetup]
    public void Setup()
    {
        _packets = StoreBenchData.Packets;
        _dir = Path.Combine(Environment.GetEnvironmentVariable("ASSAY_STORE_BENCH_DIR") ?? Path.GetTempPath(), "assay-store-append");
    }

    [IterationSetup]
    public void Clean()
    {
        if (Directory.Exists(_dir))
            Directory.Delete(_dir, recursive: true);
    }

    /// <summary>Appends the whole mix (887 MB of frames); bytes/s = 887 MB / time.</summary>
    [Benchmark]
    public long AppendMix()
    {
        using PacketStore store = PacketStore.Open(_dir, new PacketStoreOptions());
        foreach (StoreBenchData.Packet p in _packets)
            store.Append(p.Timestamp, p.OriginalLength, p.LinkType, p.Data, p.Key, p.HasKey);
        return store.Stats.Bytes;
    }
}

/// <summary>
/// One flow's packets out of a store of ≥ 10 GB: the mix appended 12 times (times shifted by its duration, so the
/// long-lived mining flows span every segment), built once in <c>ASSAY_STORE_BENCH_DIR/assay-store-10g</c> and reused.
/// The query opens a new reader each time, so index loading (from the page cache) is included.
/// </summary>
[MemoryDiagnoser]
public class StoreQueryBenchmarks
{
    public const int Copies = 12;

    private string _dir = "";
    private FlowKey _longFlow;
    private FlowKey _shortFlow;

    [GlobalSetup]
    public void Setup()
    {
        StoreBenchData.Packet[] packets = StoreBenchData.Packets;
        _dir = Path.Combine(Environment.GetEnvironmentVariable("ASSAY_STORE_BENCH_DIR") ?? Path.GetTempPath(), "assay-store-10g");
        var counts = new Dictionary<FlowKey, int>();
        foreach (StoreBenchData.Packet p in packets)
        {
            if (p.HasKey)
                counts[p.Key] = counts.GetValueOrDefault(p.Key) + 1;
        }

        int best = 0;
        foreach ((FlowKey key, int count) in counts)
        {
            if (count > best && key.HighPort == 3333)
                (best, _longFlow) = (count, key);
            if (count == 20)
                _shortFlow = key;
        }

        if (Directory.Exists(Path.Combine(_dir, "packets")))
            return;
        long span = packets[^1].Timestamp - packets[0].Timestamp + 1_000_000_000;
        using PacketStore store = PacketStore.Open(_dir, new PacketStoreOptions());
        for (int copy = 0; copy < Copies; copy++)
        {
            foreach (StoreBenchData.Packet p in packets)
                store.Append(p.Timestamp + (copy * span), p.OriginalLength, p.LinkType, p.Data, p.Key, p.HasKey);
        }
    }

    /// <summary>A mining flow that lasts the whole capture: packets in every segment.</summary>
    [Benchmark]
    public int LongFlow() => Count(_longFlow);

    /// <summary>A 20-packet flow (present in each of the 12 copies).</summary>
    [Benchmark]
    public int ShortFlow() => Count(_shortFlow);

    private int Count(FlowKey key)
    {
        using PacketStoreReader reader = PacketStoreReader.Open(_dir);
        int n = 0;
        foreach (StoredPacket _ in reader.Query(new PacketQuery { Flow = key }))
            n++;
        return n;
    }
}
