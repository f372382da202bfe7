using System.Diagnostics;
using Assay.Capture;

namespace Assay.Synthesis.Scenarios;

/// <summary>
/// A small office seen from a switch SPAN port over about ten minutes: workstations browsing (DNS, then TLS to many sites, some
/// HTTP), a NAS with file shares and a camera recorder, NTP, ARP, pings, a printer and an IP camera. The camera is compromised
/// (PHPUnit exploit → curl | sh dropper → ELF miner download → pool DNS lookup → XMRig stratum on 3333), the printer mines
/// over cleartext stratum on 8080 and one workstation talks TLS without SNI to a pool on 443. A few VLAN-tagged and QinQ
/// packets, an IPv6 conversation, a fragmented DNS answer and malformed packets exercise the decoders.
/// </summary>
/// <remarks>
/// Addresses are documentation and private ranges (192.168.10.0/24, 10.30.0.0/24, 203.0.113.0/24, 198.51.100.0/24,
/// 2001:db8::/32); they are only written into the file. The same options give a byte-identical file.
/// </remarks>
public static class DemoScenario
{
    /// <summary>Writes the capture (Ethernet pcap) to <paramref name="path"/> and returns its ground truth.</summary>
    public static ScenarioSummary Write(string path, DemoOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        options ??= new DemoOptions();
        using var writer = PcapWriter.Create(path, (int)LinkType.Ethernet, options.NanosecondResolution);
        return Write(writer, options) with { Path = path };
    }

    /// <summary>Writes the capture to <paramref name="stream"/> (left open).</summary>
    public static ScenarioSummary Write(Stream stream, DemoOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        options ??= new DemoOptions();
        using var writer = new PcapWriter(stream, (int)LinkType.Ethernet, options.NanosecondResolution, ownsStream: false);
        return Write(writer, options);
    }

    private static ScenarioSummary Write(PcapWriter writer, DemoOptions options)
    {
        var clock = Stopwatch.StartNew();
        var builder = new DemoBuilder(options);
        builder.Generate();
        return builder.Finish(writer, clock);
    }
}
