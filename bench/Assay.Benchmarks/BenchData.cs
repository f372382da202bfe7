using Assay.Capture;
using Assay.Decoding;
using Assay.Synthesis.Scenarios;

namespace Assay.Benchmarks;

/// <summary>Realistic inputs shared by the benchmarks: a synthetic mixed capture, loaded once into memory.</summary>
internal static class BenchData
{
    public const int Packets = 200_000;

    private static readonly Lazy<string> s_mixPath = new(() =>
    {
        string path = Path.Combine(Path.GetTempPath(), $"assay-bench-mix-{Packets}.pcap");
        if (!File.Exists(path))
            MixGenerator.Write(path, Packets, seed: 1);
        return path;
    });

    private static readonly Lazy<(byte[][] Frames, long[] Timestamps, int LinkType)> s_frames = new(() =>
    {
        var frames = new List<byte[]>(Packets);
        var times = new List<long>(Packets);
        int linkType = 1;
        using IPacketSource source = CaptureFile.Open(MixPath);
        while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data) == ReadStatus.Packet)
        {
            frames.Add(data.ToArray());
            times.Add(header.TimestampNanos);
            linkType = header.LinkType;
        }

        return (frames.ToArray(), times.ToArray(), linkType);
    });

    public static string MixPath => s_mixPath.Value;

    public static byte[][] Frames => s_frames.Value.Frames;

    public static long[] Timestamps => s_frames.Value.Timestamps;

    public static int LinkType => s_frames.Value.LinkType;

    /// <summary>The frames decoded once (for flow-table benchmarks that should not time decoding).</summary>
    public static DecodedPacket[] Decoded()
    {
        var decoded = new DecodedPacket[Frames.Length];
        AnomalySet anomalies = default;
        for (int i = 0; i < decoded.Length; i++)
        {
            anomalies.Clear();
            PacketDecoder.TryDecode(LinkType, Frames[i], ref decoded[i], ref anomalies);
        }

        return decoded;
    }
}
