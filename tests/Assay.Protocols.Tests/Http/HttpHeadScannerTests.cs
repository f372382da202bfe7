using System.Buffers;
using System.Text;
using Assay.Protocols.Http;
using Assay.Tests;

namespace Assay.Protocols.Tests.Http;

public class HttpHeadScannerTests
{
    private const string Head = "GET /x HTTP/1.1\r\nHost: h\r\nAccept: */*\r\n\r\n";

    private static OperationStatus Read(ReadOnlySequence<byte> input, out long consumed, out string head, int maxHead = 65536)
    {
        var reader = new SequenceReader<byte>(input);
        OperationStatus status = HttpHeadScanner.TryReadHead(ref reader, 8192, maxHead, out ReadOnlySequence<byte> bytes);
        consumed = reader.Consumed;
        head = Encoding.ASCII.GetString(bytes.ToArray());
        return status;
    }

    [Fact]
    public void EveryPrefixIsNeedMoreAndConsumesNothing()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(Head);
        for (int n = 0; n < bytes.Length; n++)
        {
            Assert.Equal(OperationStatus.NeedMoreData, Read(new ReadOnlySequence<byte>(bytes, 0, n), out long consumed, out _));
            Assert.Equal(0, consumed);
        }
    }

    [Fact]
    public void EverySegmentationReadsTheSameHead()
    {
        byte[] bytes = Encoding.ASCII.GetBytes("\r\n" + Head + "body");
        foreach ((string name, ReadOnlySequence<byte> input) in SegmentedInput.Variants(bytes))
        {
            Assert.Equal(OperationStatus.Done, Read(input, out long consumed, out string head));
            Assert.True(head == Head, name);
            Assert.True(consumed == bytes.Length - 4, name);
        }
    }

    [Fact]
    public void AHeadPastTheCapIsInvalidAndConsumesNothing()
    {
        byte[] bytes = Encoding.ASCII.GetBytes(Head);
        Assert.Equal(OperationStatus.InvalidData, Read(new ReadOnlySequence<byte>(bytes), out long consumed, out _, maxHead: 20));
        Assert.Equal(0, consumed);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\n\n")]
    [InlineData("GET / HTTP/1.1\r\nA: b\n\r\n")]
    [InlineData("HTTP/1.1 200 OK\r\n\r\n")]
    public void BareLineFeedsEndLines(string head)
    {
        Assert.Equal(OperationStatus.Done, Read(new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(head)), out long consumed, out _));
        Assert.Equal(head.Length, consumed);
    }
}
