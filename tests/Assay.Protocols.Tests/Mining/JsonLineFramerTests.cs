using System.Buffers;
using System.Text;
using Assay.Protocols.Mining;

namespace Assay.Protocols.Tests.Mining;

public class JsonLineFramerTests
{
    private static readonly byte[] s_stream = Encoding.UTF8.GetBytes(
        "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"cgminer/3.7.2\"]}\n" +
        "{\"id\":1,\"result\":[[[\"mining.notify\",\"ae6812eb4cd7735a302a8a9dd95cf71f\"]],\"08000002\",4],\"error\":null}\r\n" +
        "\n" +
        "{\"method\":\"mining.set_difficulty\",\"params\":[4096],\"id\":null}\n");

    private static readonly string[] s_lines =
    [
        "{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"cgminer/3.7.2\"]}",
        "{\"id\":1,\"result\":[[[\"mining.notify\",\"ae6812eb4cd7735a302a8a9dd95cf71f\"]],\"08000002\",4],\"error\":null}",
        "",
        "{\"method\":\"mining.set_difficulty\",\"params\":[4096],\"id\":null}",
    ];

    /// <summary>The caller the framer expects: keeps what was not consumed, appends the next chunk, and after an overlong line drops bytes through the next newline.</summary>
    private static List<string> Drive(IEnumerable<ReadOnlyMemory<byte>> chunks, out int skipped)
    {
        var lines = new List<string>();
        var pending = new List<byte>();
        bool dropping = false;
        skipped = 0;
        foreach (ReadOnlyMemory<byte> chunk in chunks)
        {
            pending.AddRange(chunk.ToArray());
            while (true)
            {
                byte[] buffer = [.. pending];
                if (dropping)
                {
                    int newline = Array.IndexOf(buffer, (byte)'\n');
                    if (newline < 0)
                    {
                        pending.Clear();
                        break;
                    }

                    pending.RemoveRange(0, newline + 1);
                    dropping = false;
                    continue;
                }

                OperationStatus status = JsonLineFramer.TryReadLine(buffer, out ReadOnlySpan<byte> line, out int consumed);
                if (status == OperationStatus.NeedMoreData)
                {
                    Assert.Equal(0, consumed);
                    break;
                }

                if (status == OperationStatus.Done)
                    lines.Add(Encoding.UTF8.GetString(line));
                else
                {
                    skipped++;
                    dropping = buffer[consumed - 1] != (byte)'\n';
                }

                pending.RemoveRange(0, consumed);
            }
        }

        return lines;
    }

    [Fact]
    public void EverySplitAndOneBytePerCallGiveTheSameLines()
    {
        Assert.Equal(s_lines, Drive([s_stream], out _));
        for (int split = 0; split <= s_stream.Length; split++)
            Assert.Equal(s_lines, Drive([s_stream.AsMemory(0, split), s_stream.AsMemory(split)], out _));
        var bytes = new List<ReadOnlyMemory<byte>>();
        for (int i = 0; i < s_stream.Length; i++)
            bytes.Add(s_stream.AsMemory(i, 1));
        Assert.Equal(s_lines, Drive(bytes, out _));
    }

    [Fact]
    public void EveryPrefixOfALineNeedsMoreDataAndConsumesNothing()
    {
        for (int length = 0; length < s_lines[0].Length; length++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, JsonLineFramer.TryReadLine(s_stream.AsSpan(0, length), out _, out int consumed));
            Assert.Equal(0, consumed);
        }
    }

    [Fact]
    public void CrLfIsStrippedAndConsumedCountsTheNewline()
    {
        byte[] input = "{\"a\":1}\r\nrest"u8.ToArray();
        Assert.Equal(OperationStatus.Done, JsonLineFramer.TryReadLine(input, out ReadOnlySpan<byte> line, out int consumed));
        Assert.Equal("{\"a\":1}", Encoding.UTF8.GetString(line));
        Assert.Equal(9, consumed);
    }

    [Fact]
    public void OverlongLinesAreSkippedWithOrWithoutTheirNewline()
    {
        byte[] longLine = new byte[JsonLineFramer.MaxLineLength + 1];
        longLine.AsSpan().Fill((byte)'x');
        byte[] stream = [.. longLine, (byte)'\n', .. "{\"ok\":1}\n"u8];

        Assert.Equal(OperationStatus.InvalidData, JsonLineFramer.TryReadLine(stream, out _, out int consumed));
        Assert.Equal(longLine.Length + 1, consumed);
        Assert.Equal(OperationStatus.InvalidData, JsonLineFramer.TryReadLine(longLine, out _, out consumed));
        Assert.Equal(longLine.Length, consumed);

        // Exactly the cap is still a line.
        byte[] atCap = [.. longLine.AsSpan(1), (byte)'\n'];
        Assert.Equal(OperationStatus.Done, JsonLineFramer.TryReadLine(atCap, out ReadOnlySpan<byte> line, out _));
        Assert.Equal(JsonLineFramer.MaxLineLength, line.Length);

        // Whatever the chunking, the long line is dropped and the next one read.
        foreach (int size in new[] { 1000, 4096, 65536, 70000 })
        {
            var chunks = new List<ReadOnlyMemory<byte>>();
            for (int i = 0; i < stream.Length; i += size)
                chunks.Add(stream.AsMemory(i, Math.Min(size, stream.Length - i)));
            Assert.Equal(["{\"ok\":1}"], Drive(chunks, out int skipped));
            Assert.Equal(1, skipped);
        }
    }
}
