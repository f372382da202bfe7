using Assay.Decoding;

namespace Assay.Engine;

/// <summary>One packet inside a <see cref="PacketBatch"/>: its decoded fields and where its bytes are.</summary>
internal struct PacketSlot
{
    public DecodedPacket Packet;
    public AnomalySet Anomalies;
    public long Timestamp;
    /// <summary>1-based packet number in the input (<c>pcap_cnt</c>).</summary>
    public long Number;
    public int Offset;
    public int Length;
    /// <summary>False when no IP/ARP layer decoded (the slot carries only anomalies) or the packet is a held fragment.</summary>
    public bool HasFlow;
}

/// <summary>
/// Packets handed from the reader to one worker: the frames copied back to back into one pooled buffer, plus their
/// decoded slots. Batches are recycled through a pool, so steady state allocates nothing.
/// </summary>
internal sealed class PacketBatch
{
    public const int DataCapacity = 1 << 20;
    public const int SlotCapacity = 4096;

    public readonly byte[] Data = new byte[DataCapacity];
    public readonly PacketSlot[] Slots = new PacketSlot[SlotCapacity];
    public int Count;
    public int DataLength;
    /// <summary>Packet-time watermark: the latest timestamp the reader had seen when it sent the batch.</summary>
    public long Now;
    /// <summary>The last batch: the worker ends all flows at <see cref="Now"/> and stops.</summary>
    public bool Final;

    public bool HasRoomFor(int frameLength) => Count < SlotCapacity && DataCapacity - DataLength >= frameLength;

    public void Reset()
    {
        Count = 0;
        DataLength = 0;
        Now = 0;
        Final = false;
    }
}
