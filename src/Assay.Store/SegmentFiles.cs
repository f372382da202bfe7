using System.Globalization;
using Assay.Capture;
using Assay.Decoding;
using Assay.Flows;

namespace Assay.Store;

/// <summary>
/// File names of a store (<c>DIR/packets/</c>): the open segment <c>.open-00000042.pcap</c>; a closed one
/// <c>00000042-20270115T080000Z.pcap</c> (sequence, UTC time of its first packet) with <c>….idx</c> beside it and, when it
/// holds a pinned flow, an empty <c>….pin</c>; temporary files end in <c>.tmp</c>; <c>.lock</c> is the writer's lock.
/// </summary>
internal static class SegmentFiles
{
    public const string PacketsFolder = "packets";
    public const string OpenPrefix = ".open-";
    public const string PcapExtension = ".pcap";
    public const string IndexExtension = ".idx";
    public const string PinExtension = ".pin";
    public const string TempExtension = ".tmp";
    public const string LockName = ".lock";

    public static string OpenName(long sequence) => string.Create(CultureInfo.InvariantCulture, $"{OpenPrefix}{sequence:D8}{PcapExtension}");

    public static string ClosedBase(long sequence, long firstNanos)
    {
        DateTime t = DateTime.UnixEpoch.AddTicks(Math.Clamp(firstNanos / 100, 0, DateTime.MaxValue.Ticks - DateTime.UnixEpoch.Ticks));
        return string.Create(CultureInfo.InvariantCulture, $"{sequence:D8}-{t:yyyyMMdd'T'HHmmss'Z'}");
    }

    /// <summary>Sequence number of <c>.open-N.pcap</c>.</summary>
    public static bool TryParseOpen(string name, out long sequence)
    {
        sequence = 0;
        return name.StartsWith(OpenPrefix, StringComparison.Ordinal) && name.EndsWith(PcapExtension, StringComparison.Ordinal) &&
               long.TryParse(name.AsSpan(OpenPrefix.Length, name.Length - OpenPrefix.Length - PcapExtension.Length), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }

    /// <summary>Sequence number of <c>N-TIME.ext</c> (a closed segment's pcap, index or pin marker).</summary>
    public static bool TryParseClosed(string name, string extension, out long sequence)
    {
        sequence = 0;
        int dash = name.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && name.EndsWith(extension, StringComparison.Ordinal) && name[0] != '.' &&
               long.TryParse(name.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out sequence);
    }

    /// <summary>Writes <paramref name="bytes"/> to <paramref name="path"/> atomically: temp file, fsync, rename.</summary>
    public static void WriteAtomically(string path, ReadOnlySpan<byte> bytes)
    {
        string temp = path + TempExtension;
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 0))
        {
            stream.Write(bytes);
            stream.Flush(flushToDisk: true);
        }

        File.Move(temp, path, overwrite: true);
    }
}

/// <summary>Result of scanning a segment's pcap.</summary>
/// <param name="WholeBytes">Offset just after the last whole packet (where a torn file is cut).</param>
/// <param name="Packets">Whole packets.</param>
/// <param name="LinkType">The file header's link type.</param>
/// <param name="Problem">Why the scan stopped before the end of the file, or null.</param>
internal readonly record struct ScanResult(long WholeBytes, long Packets, int LinkType, string? Problem);

/// <summary>Reads a segment's pcap with the project's own reader, to rebuild its index or to answer a query without one.</summary>
internal static class SegmentScanner
{
    /// <summary>Scans <paramref name="path"/>, calling <paramref name="onPacket"/> for every whole packet with its record offset and key.</summary>
    /// <exception cref="CaptureFormatException">The file header is missing or bad.</exception>
    public static ScanResult Scan(string path, PacketVisitor onPacket, long limit = long.MaxValue)
    {
        using IPacketSource source = CaptureFile.Open(path);
        if (source is not PcapReader reader)
            throw new CaptureFormatException("not a classic pcap file");
        var decoded = default(DecodedPacket);
        long packets = 0;
        long whole = reader.Position;
        while (whole < limit)
        {
            long offset = reader.Position;
            ReadStatus status = reader.TryReadPacket(out PacketHeader header, out ReadOnlySpan<byte> data);
            if (status != ReadStatus.Packet)
                return new ScanResult(whole, packets, reader.LinkType, status == ReadStatus.EndOfInput ? null : reader.Problem);
            if (reader.Position > limit)
                break;
            var anomalies = default(AnomalySet);
            bool hasKey = PacketDecoder.TryDecode(reader.LinkType, data, ref decoded, ref anomalies) &&
                          (decoded.Layers & (PacketLayers.IPv4 | PacketLayers.IPv6)) != 0;
            FlowKey key = hasKey ? FlowKey.From(in decoded, out _) : default;
            onPacket(offset, in header, data, in key, hasKey);
            packets++;
            whole = reader.Position;
        }

        return new ScanResult(whole, packets, reader.LinkType, null);
    }

    /// <summary>Rebuilds the index of a pcap: returns it serialised, or null when the pcap is unreadable.</summary>
    public static byte[]? RebuildIndex(string path, long sequence, IndexBuilder builder, out ScanResult result, out string? problem)
    {
        builder.Clear();
        try
        {
            result = Scan(path, (long offset, in PacketHeader header, ReadOnlySpan<byte> _, in FlowKey key, bool hasKey) =>
                builder.Add(offset, header.TimestampNanos, in key, hasKey));
        }
        catch (CaptureFormatException e)
        {
            result = default;
            problem = e.Message;
            return null;
        }

        problem = result.Problem;
        return builder.Build(sequence, result.LinkType, result.WholeBytes);
    }
}

/// <summary>Receives one packet of a scan.</summary>
internal delegate void PacketVisitor(long offset, in PacketHeader header, ReadOnlySpan<byte> data, in FlowKey key, bool hasKey);
