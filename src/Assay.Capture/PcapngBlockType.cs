namespace Assay.Capture;

/// <summary>pcapng block types (draft-ietf-opsawg-pcapng §4, §11.1). Values not named here are skipped.</summary>
public enum PcapngBlockType : uint
{
    /// <summary>Obsolete Packet Block: replaced by the Enhanced Packet Block, still read.</summary>
    Packet = 0x00000002,
    InterfaceDescription = 0x00000001,
    SimplePacket = 0x00000003,
    NameResolution = 0x00000004,
    InterfaceStatistics = 0x00000005,
    EnhancedPacket = 0x00000006,
    /// <summary>systemd journal export.</summary>
    SystemdJournalExport = 0x00000009,
    DecryptionSecrets = 0x0000000A,
    /// <summary>Custom block that may be copied to a new file.</summary>
    Custom = 0x00000BAD,
    /// <summary>Custom block that must not be copied to a new file.</summary>
    CustomDoNotCopy = 0x40000BAD,
    /// <summary>Same value in either byte order: <c>"\n\r\r\n"</c>.</summary>
    SectionHeader = 0x0A0D0D0A,
}

/// <summary>One block as the reader met it: for tests and diagnostics (<see cref="PcapngReader.BlockObserved"/>).</summary>
/// <param name="Type">The block type as stored (maybe one <see cref="PcapngBlockType"/> does not name).</param>
/// <param name="Offset">Input offset of the block's first byte.</param>
/// <param name="Length">Block total length.</param>
public readonly record struct PcapngBlock(PcapngBlockType Type, long Offset, int Length);
