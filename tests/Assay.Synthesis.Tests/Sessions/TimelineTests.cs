using Assay.Synthesis.Sessions;
using Assay.Synthesis.Tests.Support;

namespace Assay.Synthesis.Tests.Sessions;

public class TimelineTests
{
    [Fact]
    public void SortsByTimeAndKeepsInsertionOrderForTies()
    {
        var timeline = new Timeline();
        int late = timeline.Add(300, [3]);
        int tieA = timeline.Add(100, [1]);
        int tieB = timeline.Add(100, [2]);
        Assert.Equal(2, timeline.IndexOf(late));
        Assert.Equal(0, timeline.IndexOf(tieA));
        Assert.Equal(1, timeline.IndexOf(tieB));

        (int linkType, _, List<(long TimestampNanos, byte[] Data)> packets) = PcapFileReader.Read(timeline.ToPcapBytes(nanosecondResolution: true));
        Assert.Equal(1, linkType);
        Assert.Equal([1, 2, 3], packets.Select(p => (int)p.Data[0]));
        Assert.Equal([100L, 100L, 300L], packets.Select(p => p.TimestampNanos));
    }
}
