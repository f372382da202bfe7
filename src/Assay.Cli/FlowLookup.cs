using System.Globalization;
using System.Net;
using System.Text.Json;
using Assay.Decoding;
using Assay.Decoding.Network;
using Assay.Flows;
using Assay.Store;

namespace Assay.Cli;

/// <summary>
/// Finds a flow's key and time span by its <c>flow_id</c> or Community ID in the data directory's <c>eve.json</c> (the
/// events carry both), so that the packet store can be asked for exactly its packets.
/// </summary>
internal static class FlowLookup
{
    /// <summary>A flow as the events describe it: its key, client side, and first/last packet time.</summary>
    public sealed record Found(long FlowId, FlowKey Key, string Client, string Server, long FirstNanos, long LastNanos);

    /// <summary>Every flow whose events carry <paramref name="flowId"/> (one) or <paramref name="communityId"/> (possibly several over time).</summary>
    public static List<Found> Find(string evePath, long? flowId, string? communityId)
    {
        string marker = flowId is long id ? $"\"flow_id\":{id.ToString(CultureInfo.InvariantCulture)}," : $"\"community_id\":\"{communityId}\"";
        var found = new Dictionary<long, Found>();
        foreach (JsonElement e in EveLog.Events(evePath, "flow", marker))
        {
            if (TryRead(e, out Found? flow) && !found.ContainsKey(flow.FlowId))
                found[flow.FlowId] = flow;
        }

        return [.. found.Values.OrderBy(f => f.FirstNanos)];
    }

    /// <summary>The flows with these ids, in one pass over <paramref name="evePath"/>.</summary>
    public static Dictionary<long, Found> FindAll(string evePath, IReadOnlySet<long> flowIds)
    {
        var found = new Dictionary<long, Found>();
        foreach (JsonElement e in EveLog.Events(evePath, "flow"))
        {
            if (e.TryGetProperty("flow_id", out JsonElement id) && flowIds.Contains(id.GetInt64()) && TryRead(e, out Found? flow))
                found.TryAdd(flow.FlowId, flow);
        }

        return found;
    }

    private static bool TryRead(JsonElement e, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out Found? flow)
    {
        flow = null;
        if (!e.TryGetProperty("flow_id", out JsonElement idElement) || !e.TryGetProperty("flow", out JsonElement f))
            return false;
        if (!TryAddress(EveLog.Text(e, "src_ip"), out UInt128 source, out bool v6) || !TryAddress(EveLog.Text(e, "dest_ip"), out UInt128 destination, out _))
            return false;
        byte protocol = Protocol(EveLog.Text(e, "proto"));
        ushort sourcePort = e.TryGetProperty("src_port", out JsonElement sp) ? (ushort)sp.GetInt32() : (ushort)0;
        ushort destinationPort = e.TryGetProperty("dest_port", out JsonElement dp) ? (ushort)dp.GetInt32() : (ushort)0;
        ushort vlan = e.TryGetProperty("vlan", out JsonElement vlans) && vlans.GetArrayLength() > 0 ? (ushort)vlans[0].GetInt32() : (ushort)0;
        bool sourceIsLow = source < destination || (source == destination && sourcePort <= destinationPort);
        var key = sourceIsLow
            ? new FlowKey(source, destination, sourcePort, destinationPort, protocol, v6 ? (byte)6 : (byte)4, vlan)
            : new FlowKey(destination, source, destinationPort, sourcePort, protocol, v6 ? (byte)6 : (byte)4, vlan);
        long first = ParseTime(EveLog.Text(f, "start")) ?? 0;
        long last = ParseTime(EveLog.Text(f, "end")) ?? long.MaxValue;
        flow = new Found(idElement.GetInt64(), key, Endpoint(EveLog.Text(e, "src_ip")!, sourcePort, v6), Endpoint(EveLog.Text(e, "dest_ip")!, destinationPort, v6), first, last);
        return true;
    }

    /// <summary>An IP address as Assay keys it (IPv4 mapped into IPv6, as the decoder stores it).</summary>
    public static bool TryAddress(string? text, out UInt128 address, out bool v6)
    {
        address = 0;
        v6 = false;
        if (text is null || !IPAddress.TryParse(text, out IPAddress? ip))
            return false;
        Span<byte> bytes = stackalloc byte[16];
        if (ip.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork)
        {
            ip.TryWriteBytes(bytes, out _);
            address = IPv4Header.ToMapped(System.Buffers.Binary.BinaryPrimitives.ReadUInt32BigEndian(bytes));
            return true;
        }

        ip.TryWriteBytes(bytes, out _);
        address = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        v6 = true;
        return true;
    }

    /// <summary><c>TCP</c>, <c>UDP</c>, … or a number, as EVE's <c>proto</c> and the <c>--proto</c> option write it.</summary>
    public static byte Protocol(string? name) => name?.ToLowerInvariant() switch
    {
        "tcp" => (byte)IpProtocol.Tcp,
        "udp" => (byte)IpProtocol.Udp,
        "icmp" => (byte)IpProtocol.Icmp,
        "ipv6-icmp" or "icmp6" or "icmpv6" => (byte)IpProtocol.IcmpV6,
        "sctp" => (byte)IpProtocol.Sctp,
        _ => byte.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out byte number) ? number : (byte)0,
    };

    /// <summary>An EVE timestamp (<c>2024-01-31T12:34:56.123456+0000</c>), ISO 8601, or Unix seconds, as nanoseconds.</summary>
    public static long? ParseTime(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds))
            return (long)(seconds * 1e9);
        // EVE writes the offset without a colon (+0000): add one for the parser.
        string normalised = text.Length > 5 && (text[^5] == '+' || text[^5] == '-') && char.IsDigit(text[^1]) ? text[..^2] + ":" + text[^2..] : text;
        if (!DateTimeOffset.TryParse(normalised, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset time))
            return null;
        long nanos = (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
        // Microseconds beyond the tick are not lost: EVE has 6 digits, ticks have 7.
        return nanos;
    }

    private static string Endpoint(string ip, ushort port, bool v6) => v6 ? $"[{ip}]:{port}" : $"{ip}:{port}";

    /// <summary>The store's query for a found flow: its key, within its time span (a margin for the event's rounding).</summary>
    public static PacketQuery Query(Found flow) => new()
    {
        Flow = flow.Key,
        SinceNanos = flow.FirstNanos - 1_000,
        UntilNanos = flow.LastNanos == long.MaxValue ? null : flow.LastNanos + 1_000,
    };
}
