using Assay.Decoding.Link;
using Assay.Decoding.Network;
using Assay.Tests;

namespace Assay.Decoding.Tests.TestSupport;

/// <summary>
/// Replays a classic pcap through the decoder and a <see cref="Defragmenter"/>, as the pipeline will: every frame is
/// decoded, fragments are reassembled, and each whole datagram is decoded again as raw IP.
/// </summary>
internal sealed class Replay
{
    /// <summary>A frame (or a reassembled datagram, <see cref="Reassembled"/>) and what decoding it produced.</summary>
    public readonly record struct Item(int Index, bool Ok, DecodedPacket Packet, byte[] Bytes, bool Reassembled, Anomaly[] Anomalies);

    public List<Item> Items { get; } = [];

    /// <summary>Frames decoded, reassembled datagrams excluded.</summary>
    public int Frames { get; private set; }

    public int LinkType { get; private set; }

    public Defragmenter Defragmenter { get; } = new();

    /// <summary>Every anomaly seen, decoder's and defragmenter's.</summary>
    public Dictionary<Anomaly, int> AnomalyCounts { get; } = [];

    public static Replay? Of(string relativePath)
    {
        string path = Corpus.Path(relativePath);
        ClassicPcap? pcap = ClassicPcap.TryRead(path);
        if (pcap is null)
            return null;
        var replay = new Replay { LinkType = pcap.LinkType };
        foreach (ClassicPcap.Record record in pcap.Records)
            replay.Add(pcap.LinkType, record.Data, record.TimestampNanos);
        replay.Defragmenter.Dispose();
        return replay;
    }

    /// <summary>Items that are not held fragments: whole packets and reassembled datagrams, in completion order.</summary>
    public IEnumerable<Item> Whole
    {
        get
        {
            foreach (Item item in Items)
            {
                if (!item.Packet.IsFragment)
                    yield return item;
            }
        }
    }

    private void Add(int linkType, byte[] frame, long timestamp)
    {
        DecodedPacket packet = default;
        AnomalySet anomalies = default;
        bool ok = PacketDecoder.TryDecode(linkType, frame, ref packet, ref anomalies);
        PacketDecoderTests.AssertOffsetsInside(packet, frame.Length);
        Items.Add(new Item(Frames, ok, packet, frame, Reassembled: false, ToArray(anomalies)));
        Frames++;
        Count(anomalies);

        anomalies = default;
        Defragmenter.Expire(timestamp, ref anomalies);
        if (packet.IsFragment
            && Defragmenter.Add(packet, frame, timestamp, ref anomalies, out ReadOnlySpan<byte> datagram) == DefragStatus.Complete)
        {
            byte[] bytes = datagram.ToArray();
            DecodedPacket whole = default;
            AnomalySet wholeAnomalies = default;
            bool wholeOk = PacketDecoder.TryDecode(LinkTypes.Raw, bytes, ref whole, ref wholeAnomalies);
            PacketDecoderTests.AssertOffsetsInside(whole, bytes.Length);
            Items.Add(new Item(Frames - 1, wholeOk, whole, bytes, Reassembled: true, ToArray(wholeAnomalies)));
            Count(wholeAnomalies);
        }

        Count(anomalies);
    }

    private void Count(in AnomalySet anomalies)
    {
        for (int i = 0; i < anomalies.Count; i++)
            AnomalyCounts[anomalies[i]] = AnomalyCounts.GetValueOrDefault(anomalies[i]) + 1;
    }

    private static Anomaly[] ToArray(in AnomalySet anomalies)
    {
        var result = new Anomaly[anomalies.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = anomalies[i];
        return result;
    }
}
