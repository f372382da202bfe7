namespace Assay.Detection;

/// <summary>Header facts and miner markers of an ELF file (<see cref="ElfAnalyzer"/>).</summary>
/// <param name="Class"><c>ELF32</c>, <c>ELF64</c>, or <c>unknown(N)</c>.</param>
/// <param name="Endianness"><c>little</c>, <c>big</c>, or <c>unknown(N)</c>.</param>
/// <param name="Machine"><c>x86-64</c>, <c>x86</c>, <c>aarch64</c>, <c>arm</c>, <c>mips</c>, … or <c>unknown(0xNN)</c>; <c>truncated</c> when the header is cut.</param>
/// <param name="Type"><c>executable</c>, <c>shared-object</c> (also PIE), <c>relocatable</c>, <c>core</c>, <c>unknown(N)</c>, <c>truncated</c>.</param>
/// <param name="Stripped">No <c>SHT_SYMTAB</c> section (also when the section table is missing or invalid).</param>
/// <param name="StaticallyLinked">No <c>PT_INTERP</c> program header (no dynamic loader).</param>
/// <param name="MinerMarkers">Miner strings present, in <see cref="ElfAnalyzer"/>'s marker order.</param>
/// <param name="PoolUrls"><c>stratum+tcp://host:port</c>-style URLs found (distinct, first ones).</param>
/// <param name="Wallets">Monero-looking addresses found (distinct, first ones).</param>
/// <param name="MinerName">Miner and version from a version string (<c>XMRig 6.16.0</c>), or null.</param>
public sealed record ElfInfo(string Class, string Endianness, string Machine, string Type, bool Stripped, bool StaticallyLinked,
    IReadOnlyList<string> MinerMarkers, IReadOnlyList<string> PoolUrls, IReadOnlyList<string> Wallets, string? MinerName);
