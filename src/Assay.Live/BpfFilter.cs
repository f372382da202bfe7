using System.Runtime.InteropServices;
using PacketDotNet;
using SharpPcap;
using SharpPcap.LibPcap;

namespace Assay.Live;

/// <summary>
/// A BPF filter expression (pcap-filter(7): host/net/port/proto, and/or/not, parentheses…) compiled by libpcap for one link
/// type, run against packets in memory — the same program tcpdump would run (<c>pcap_compile</c> on a dead handle, then
/// <c>pcap_offline_filter</c>). Matching allocates nothing. Not thread-safe: one instance per thread.
/// </summary>
public sealed unsafe class BpfFilter : IDisposable
{
    /// <summary>LINKTYPE_RAW in files; libpcap compiles for DLT_RAW, which is 12 on Linux.</summary>
    private const int LinkTypeRaw = 101;
    private const int DltRaw = 12;
    private const int DltRawOpenBsd = 14;

    private readonly BpfProgram _program;

    private BpfFilter(BpfProgram program, string expression, int linkType)
    {
        _program = program;
        Expression = expression;
        LinkType = linkType;
    }

    /// <summary>The expression as given.</summary>
    public string Expression { get; }

    /// <summary>The LINKTYPE_ number the program was compiled for.</summary>
    public int LinkType { get; }

    /// <summary>Compiles <paramref name="expression"/> for packets of <paramref name="linkType"/> (a LINKTYPE_ number, as in <see cref="Capture.PacketHeader.LinkType"/>).</summary>
    /// <exception cref="BpfFilterException">The expression does not compile (the message quotes libpcap's reason), or libpcap is missing.</exception>
    public static BpfFilter Compile(string expression, int linkType)
    {
        ArgumentNullException.ThrowIfNull(expression);
        int dlt = linkType switch
        {
            LinkTypeRaw or DltRawOpenBsd => DltRaw,
            _ => linkType,
        };
        try
        {
            return new BpfFilter(BpfProgram.Create((LinkLayers)dlt, expression), expression, linkType);
        }
        catch (PcapException e)
        {
            throw new BpfFilterException($"filter '{expression}' does not compile for link type {linkType}: {e.Message.ReplaceLineEndings(" ").Trim()}", e);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or EntryPointNotFoundException)
        {
            throw new BpfFilterException($"filter '{expression}': libpcap is not available ({e.Message}): install libpcap0.8", e);
        }
    }

    /// <summary>True when the filter accepts the packet.</summary>
    /// <param name="packet">The captured bytes, from the link-layer header on.</param>
    /// <param name="originalLength">The length on the wire (what <c>len</c>, <c>greater</c> and <c>less</c> see).</param>
    public bool Matches(ReadOnlySpan<byte> packet, int originalLength)
    {
        // struct pcap_pkthdr { struct timeval ts; bpf_u_int32 caplen; bpf_u_int32 len; }, timeval being two C longs.
        byte* header = stackalloc byte[2 * sizeof(CLong) + 2 * sizeof(uint)];
        ((CLong*)header)[0] = default;
        ((CLong*)header)[1] = default;
        var lengths = (uint*)(header + 2 * sizeof(CLong));
        lengths[0] = (uint)packet.Length;
        lengths[1] = (uint)Math.Max(originalLength, packet.Length);
        byte empty = 0;
        fixed (byte* data = packet)
            return _program.Matches((nint)header, packet.IsEmpty ? (nint)(&empty) : (nint)data);
    }

    /// <summary>Frees the compiled program.</summary>
    public void Dispose() => _program.Dispose();
}

/// <summary>A BPF filter expression that libpcap cannot compile; the message says why, in one line.</summary>
public sealed class BpfFilterException : Exception
{
    public BpfFilterException()
    {
    }

    public BpfFilterException(string message) : base(message)
    {
    }

    public BpfFilterException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
