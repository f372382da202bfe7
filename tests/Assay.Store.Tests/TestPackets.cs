using System.Diagnostics;
using System.Globalization;
using System.Net;
using Assay.Capture;
using Assay.Decoding;
using Assay.Flows;

namespace Assay.Store.Tests;

/// <summary>A packet read from a capture, with the key the pipeline would give it.</summary>
internal sealed record TestPacket(long Timestamp, int OriginalLength, int LinkType, byte[] Data, FlowKey Key, bool HasKey);

internal static class TestPackets
{
    public static List<TestPacket> Read(string path)
    {
        var list = new List<TestPacket>();
        using IPacketSource source = CaptureFile.Open(path);
        var decoded = default(DecodedPacket);
        while (source.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data) == ReadStatus.Packet)
        {
            var anomalies = default(AnomalySet);
            bool hasKey = PacketDecoder.TryDecode(header.LinkType, data, ref decoded, ref anomalies) &&
                          (decoded.Layers & (PacketLayers.IPv4 | PacketLayers.IPv6)) != 0;
            FlowKey key = hasKey ? FlowKey.From(in decoded, out _) : default;
            list.Add(new TestPacket(header.TimestampNanos, header.OriginalLength, header.LinkType, data.ToArray(), key, hasKey));
        }

        return list;
    }

    public static void AppendAll(PacketStore store, IEnumerable<TestPacket> packets)
    {
        foreach (TestPacket p in packets)
            store.Append(p.Timestamp, p.OriginalLength, p.LinkType, p.Data, p.Key, p.HasKey);
    }

    /// <summary>A synthetic IPv4/UDP Ethernet frame of <paramref name="length"/> bytes between two hosts.</summary>
    public static byte[] UdpFrame(int length, byte clientHost, ushort clientPort, byte serverHost, ushort serverPort)
    {
        var frame = new byte[Math.Max(length, 42)];
        frame[12] = 0x08;   // IPv4
        Span<byte> ip = frame.AsSpan(14);
        ip[0] = 0x45;
        int ipLength = frame.Length - 14;
        ip[2] = (byte)(ipLength >> 8);
        ip[3] = (byte)ipLength;
        ip[8] = 64;
        ip[9] = 17;
        ip[12] = 10; ip[15] = clientHost;
        ip[16] = 10; ip[19] = serverHost;
        Span<byte> udp = ip[20..];
        udp[0] = (byte)(clientPort >> 8); udp[1] = (byte)clientPort;
        udp[2] = (byte)(serverPort >> 8); udp[3] = (byte)serverPort;
        int udpLength = ipLength - 20;
        udp[4] = (byte)(udpLength >> 8); udp[5] = (byte)udpLength;
        return frame;
    }

    public static TestPacket Udp(long timestamp, int length, byte clientHost, ushort clientPort, byte serverHost, ushort serverPort)
    {
        byte[] frame = UdpFrame(length, clientHost, clientPort, serverHost, serverPort);
        var decoded = default(DecodedPacket);
        var anomalies = default(AnomalySet);
        Assert.True(PacketDecoder.TryDecode(1, frame, ref decoded, ref anomalies));
        return new TestPacket(timestamp, frame.Length, 1, frame, FlowKey.From(in decoded, out _), true);
    }

    public static string Address(UInt128 address, byte ipVersion)
    {
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt128BigEndian(bytes, address);
        return (ipVersion == 4 ? new IPAddress(bytes.AsSpan(12)) : new IPAddress(bytes)).ToString();
    }
}

/// <summary>Temporary directory removed on dispose.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "assay-store-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Packets => System.IO.Path.Combine(Path, "packets");

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Runs tcpdump (installed by <c>.ci/run</c>); missing tcpdump fails under CI=true, else the test returns early.</summary>
internal static class Tcpdump
{
    private static readonly Lazy<string?> s_path = new(() =>
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = System.IO.Path.Combine(dir, "tcpdump");
            if (File.Exists(candidate))
                return candidate;
        }

        foreach (string candidate in new[] { "/usr/bin/tcpdump", "/usr/sbin/tcpdump" })
        {
            if (File.Exists(candidate))
                return candidate;
        }

        return null;
    });

    /// <summary>Path of tcpdump, or null outside CI when it is missing.</summary>
    public static string? Path => s_path.Value ?? (Environment.GetEnvironmentVariable("CI") == "true"
        ? throw new InvalidOperationException("tcpdump is not installed (apt-get install tcpdump; .ci/run installs it)")
        : null);

    public static (int ExitCode, string Output) Run(params string[] args)
    {
        var info = new ProcessStartInfo(Path!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
            info.ArgumentList.Add(a);
        using var process = Process.Start(info)!;
        Task<string> stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout + stderr.Result);
    }

    public static string Filter(FlowKey key)
    {
        string proto = key.Protocol == 6 ? "tcp" : "udp";
        return string.Create(CultureInfo.InvariantCulture,
            $"host {TestPackets.Address(key.LowAddress, key.IPVersion)} and host {TestPackets.Address(key.HighAddress, key.IPVersion)} and port {key.LowPort} and port {key.HighPort} and {proto}");
    }
}
