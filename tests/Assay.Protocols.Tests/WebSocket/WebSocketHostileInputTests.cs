using Assay.Protocols.WebSocket;
using static Assay.Protocols.Tests.WebSocket.WebSocketFrames;

namespace Assay.Protocols.Tests.WebSocket;

/// <summary>Random bytes, bit flips, truncations: never an exception, every message within the cap, the same result however the bytes are cut.</summary>
public class WebSocketHostileInputTests
{
    [Fact]
    public void RandomBytesNeverThrowAndStayWithinCaps()
    {
        var random = new Random(42);
        int messages = 0;
        for (int trial = 0; trial < 3000; trial++)
        {
            byte[] data = new byte[random.Next(1, 600)];
            random.NextBytes(data);
            bool fromClient = (trial & 1) != 0, deflate = (trial & 2) != 0;
            WebSocketLog log = WebSocketLog.Run(data, fromClient, deflate);
            messages += log.Messages.Count;
            foreach (var m in log.Messages)
                Assert.InRange(m.Payload.Length, 0, WebSocketReader.MaxMessageLength);
        }

        Assert.True(messages > 0);
    }

    [Fact]
    public void BitFlipsAndTruncationsOfAValidStreamNeverThrowAndSplitTheSame()
    {
        byte[] stream = WebSocketReaderTests.MixedClientStream(out _);
        byte[] head = stream[..600];
        var random = new Random(9);
        for (int trial = 0; trial < 400; trial++)
        {
            byte[] damaged = (byte[])head.Clone();
            for (int flips = random.Next(1, 4); flips > 0; flips--)
                damaged[random.Next(damaged.Length)] ^= (byte)(1 << random.Next(8));
            damaged = damaged[..random.Next(1, damaged.Length + 1)];
            string whole = WebSocketLog.Run(damaged, true, true, [], out _).Describe();
            int cut = random.Next(damaged.Length + 1);
            Assert.Equal(whole, WebSocketLog.Run(damaged, true, true, [cut], out _).Describe());
            var every = new int[damaged.Length];
            for (int i = 0; i < every.Length; i++)
                every[i] = i;
            Assert.Equal(whole, WebSocketLog.Run(damaged, true, true, every, out _).Describe());
        }
    }

    [Fact]
    public void HugeAnnouncedLengthsNeverAllocateTheirSize()
    {
        byte[] filler = new byte[100_000];
        foreach (ulong length in new[] { 70_000UL, 1UL << 31, (ulong)WebSocketReader.MaxFrameLength, ulong.MaxValue })
        {
            byte[] header = Frame(WebSocketOpcode.Binary, [], masked: true, announcedLength: length);
            var reader = new WebSocketReader(fromClient: true);
            var sink = new WebSocketCounter();
            long before = GC.GetAllocatedBytesForCurrentThread();
            reader.Feed(header, ref sink);
            reader.Feed(filler, ref sink);
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 200_000, $"length {length}");
        }
    }
}
