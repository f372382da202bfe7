using System.CommandLine;
using System.Globalization;
using System.Text;
using Assay.Decoding;
using Assay.Flows;
using Assay.Flows.Tcp;
using Assay.Store;

namespace Assay.Cli;

/// <summary>
/// <c>assay follow -d DIR FLOW [--raw DIR]</c>: a stored TCP conversation reassembled both ways (as the pipeline does: out
/// of order, retransmissions, holes marked), printed as text where printable and as a hex dump otherwise; or each
/// direction written whole to a file with <c>--raw</c>. UDP flows are printed datagram by datagram.
/// </summary>
internal static class FollowCommand
{
    /// <summary>Bytes reassembled per direction before the rest is only counted (a conversation is for reading).</summary>
    public const long MaxBytesPerDirection = 256L * 1024 * 1024;

    /// <summary>Bytes of one chunk shown as text or hex; the rest of a large chunk is summarised.</summary>
    private const int MaxShownPerChunk = 64 * 1024;

    public static Command Create()
    {
        var dataDir = CommonOptions.DataDirectory(required: true);
        var flow = new Argument<string>("flow") { Description = "The flow: its flow_id, or its Community ID (1:…)." };
        var raw = new Option<DirectoryInfo>("--raw") { Description = "Write each direction's bytes to DIR/<flow>-client.bin and -server.bin instead of printing." };
        var command = new Command("follow", "Print a stored conversation reassembled both ways (text where printable, hex otherwise).")
        {
            dataDir, flow, raw,
        };
        command.SetAction(parse => Run(parse.GetValue(dataDir)!, parse.GetValue(flow)!, parse.GetValue(raw)));
        return command;
    }

    private sealed class Chunk(bool toServer, long timestamp)
    {
        public bool ToServer { get; } = toServer;
        public long Timestamp { get; } = timestamp;
        public MemoryStream Data { get; } = new();
        public long Gap { get; set; }
    }

    private static int Run(DirectoryInfo dir, string flowText, DirectoryInfo? raw)
    {
        long? flowId = null;
        string? communityId = null;
        if (long.TryParse(flowText, NumberStyles.None, CultureInfo.InvariantCulture, out long id))
            flowId = id;
        else if (flowText.StartsWith("1:", StringComparison.Ordinal))
            communityId = flowText;
        else
            return ExitCodes.Fail(ExitCodes.Usage, $"{flowText}: expected a flow_id (a number) or a Community ID (1:…)");

        string eve = Path.Combine(dir.FullName, DataLayout.EveFile);
        if (!File.Exists(eve) || !Directory.Exists(Path.Combine(dir.FullName, DataLayout.PacketsDirectory)))
            return ExitCodes.Fail(ExitCodes.BadInput, $"{dir.FullName}: no {DataLayout.EveFile} and packet store (run assay analyze -d {dir.FullName} first)");
        List<FlowLookup.Found> flows = FlowLookup.Find(eve, flowId, communityId);
        if (flows.Count == 0)
            return ExitCodes.Fail(ExitCodes.BadInput, $"no flow {flowText} in {eve}");
        FlowLookup.Found found = flows[0];

        List<Chunk> chunks;
        try
        {
            using PacketStoreReader store = PacketStoreReader.Open(dir.FullName);
            chunks = Reassemble(store.Query(FlowLookup.Query(found)), found);
        }
        catch (StoreException e)
        {
            return ExitCodes.Fail(ExitCodes.BadInput, e.Message);
        }

        if (raw is not null)
            return WriteRaw(raw, found, chunks);
        Print(found, chunks);
        return ExitCodes.Success;
    }

    /// <summary>Decodes the flow's packets and reassembles each direction with the pipeline's reassembler.</summary>
    private static List<Chunk> Reassemble(IEnumerable<StoredPacket> packets, FlowLookup.Found found)
    {
        var chunks = new List<Chunk>();
        var reassembler = new TcpReassembler(new TcpReassemblerOptions { ParseDepth = MaxBytesPerDirection, CarveLimit = MaxBytesPerDirection });
        TcpStreamState toServer = default, toClient = default;
        DecodedPacket packet = default;
        AnomalySet anomalies = default;
        bool? clientIsLow = null;
        var current = new Collector(chunks);
        foreach (StoredPacket stored in packets)
        {
            anomalies.Clear();
            if (!PacketDecoder.TryDecode(stored.LinkType, stored.Data.Span, ref packet, ref anomalies) || !packet.IsIP)
                continue;
            FlowKey.From(in packet, out bool sourceIsLow);
            // The client is the side that sent the first SYN, else the first packet's sender.
            clientIsLow ??= (packet.TcpFlags & (TcpFlags.Syn | TcpFlags.Ack)) == (TcpFlags.Syn | TcpFlags.Ack) ? !sourceIsLow : sourceIsLow;
            bool fromClient = sourceIsLow == clientIsLow;
            ReadOnlySpan<byte> frame = stored.Data.Span;
            ReadOnlySpan<byte> payload = packet.PayloadLength == 0 ? default
                : frame.Slice(packet.PayloadOffset, Math.Min(packet.PayloadLength, frame.Length - packet.PayloadOffset));
            current.Timestamp = stored.TimestampNanos;
            if (packet.Protocol != (byte)IpProtocol.Tcp)
            {
                if (!payload.IsEmpty)
                    current.Add(fromClient, payload, 0);
                continue;
            }

            var sink = new DirectionSink(current, fromClient);
            reassembler.Process(ref fromClient ? ref toServer : ref toClient, packet.TcpSequence, packet.TcpFlags, payload, stored.TimestampNanos, ref sink);
            if ((packet.TcpFlags & TcpFlags.Ack) != 0)
            {
                var peer = new DirectionSink(current, !fromClient);
                reassembler.Acknowledge(ref fromClient ? ref toClient : ref toServer, packet.TcpAcknowledgment, ref peer);
            }
        }

        var up = new DirectionSink(current, true);
        reassembler.Close(ref toServer, TcpStreamEnd.Closed, ref up);
        var down = new DirectionSink(current, false);
        reassembler.Close(ref toClient, TcpStreamEnd.Closed, ref down);
        return chunks;
    }

    /// <summary>Collects delivered bytes into chunks: a new chunk whenever the direction changes.</summary>
    private sealed class Collector(List<Chunk> chunks)
    {
        public long Timestamp { get; set; }

        public void Add(bool toServer, ReadOnlySpan<byte> data, long gap)
        {
            Chunk? last = chunks.Count > 0 ? chunks[^1] : null;
            if (last is null || last.ToServer != toServer || gap > 0)
            {
                last = new Chunk(toServer, Timestamp) { Gap = gap };
                chunks.Add(last);
            }

            last.Data.Write(data);
        }
    }

    /// <summary>One direction's reassembled bytes into the collector.</summary>
    private readonly struct DirectionSink(Collector collector, bool toServer) : ITcpStreamSink
    {
        public long OnData(ReadOnlySpan<byte> data, long streamOffset)
        {
            collector.Add(toServer, data, 0);
            return long.MaxValue;
        }

        public void OnGap(long streamOffset, long length) => collector.Add(toServer, default, length);

        public void OnEnd(TcpStreamEnd reason, long streamOffset)
        {
        }

        public void OnOverlap(in TcpOverlap overlap)
        {
        }

        public void OnAnomaly(Anomaly anomaly, long streamOffset)
        {
        }
    }

    private static void Print(FlowLookup.Found found, List<Chunk> chunks)
    {
        TextWriter output = Console.Out;
        long up = chunks.Where(c => c.ToServer).Sum(c => c.Data.Length), down = chunks.Where(c => !c.ToServer).Sum(c => c.Data.Length);
        output.WriteLine($"flow {found.FlowId}: {found.Client} → {found.Server}, {up:N0} bytes to the server, {down:N0} to the client");
        foreach (Chunk chunk in chunks)
        {
            string arrow = chunk.ToServer ? $"{found.Client} → {found.Server}" : $"{found.Server} → {found.Client}";
            string time = DateTimeOffset.FromUnixTimeMilliseconds(chunk.Timestamp / 1_000_000).UtcDateTime.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture);
            if (chunk.Gap > 0)
                output.WriteLine($"── {time} {arrow}: [{chunk.Gap:N0} bytes never captured]");
            if (chunk.Data.Length == 0)
                continue;
            output.WriteLine($"── {time} {arrow}: {chunk.Data.Length:N0} bytes");
            ReadOnlySpan<byte> data = chunk.Data.GetBuffer().AsSpan(0, (int)Math.Min(chunk.Data.Length, MaxShownPerChunk));
            if (IsText(data))
                output.WriteLine(Encoding.UTF8.GetString(data).TrimEnd('\n'));
            else
                HexDump(output, data);
            if (chunk.Data.Length > MaxShownPerChunk)
                output.WriteLine($"[… {chunk.Data.Length - MaxShownPerChunk:N0} more bytes; --raw writes them all]");
        }
    }

    private static int WriteRaw(DirectoryInfo raw, FlowLookup.Found found, List<Chunk> chunks)
    {
        try
        {
            Directory.CreateDirectory(raw.FullName);
            string client = Path.Combine(raw.FullName, $"{found.FlowId}-client.bin"), server = Path.Combine(raw.FullName, $"{found.FlowId}-server.bin");
            using (FileStream c = File.Create(client))
            using (FileStream s = File.Create(server))
            {
                foreach (Chunk chunk in chunks)
                    (chunk.ToServer ? c : s).Write(chunk.Data.GetBuffer(), 0, (int)chunk.Data.Length);
            }

            Console.Error.WriteLine($"assay: wrote {client} and {server}");
            return ExitCodes.Success;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return ExitCodes.Fail(ExitCodes.OutputError, $"{raw.FullName}: {e.Message}");
        }
    }

    /// <summary>Printable: UTF-8 text without control bytes other than tab, CR and LF.</summary>
    private static bool IsText(ReadOnlySpan<byte> data)
    {
        foreach (byte b in data)
        {
            if (b < 0x20 && b is not (byte)'\t' and not (byte)'\r' and not (byte)'\n' || b == 0x7F)
                return false;
        }

        return System.Text.Unicode.Utf8.IsValid(data);
    }

    private static void HexDump(TextWriter output, ReadOnlySpan<byte> data)
    {
        var line = new StringBuilder(80);
        for (int offset = 0; offset < data.Length; offset += 16)
        {
            line.Clear();
            ReadOnlySpan<byte> row = data.Slice(offset, Math.Min(16, data.Length - offset));
            line.Append(offset.ToString("x8", CultureInfo.InvariantCulture)).Append("  ");
            for (int i = 0; i < 16; i++)
                line.Append(i < row.Length ? row[i].ToString("x2", CultureInfo.InvariantCulture) + " " : "   ");
            line.Append(' ');
            foreach (byte b in row)
                line.Append(b is >= 0x20 and < 0x7F ? (char)b : '.');
            output.WriteLine(line.ToString());
        }
    }
}
