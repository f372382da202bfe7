using System.Buffers;
using Assay.Protocols.Dns;

namespace Assay.Protocols.Tests.Dns;

public class DnsTcpFramingTests
{
    private static byte[] Framed(params byte[][] messages)
    {
        var bytes = new List<byte>();
        foreach (byte[] m in messages)
        {
            bytes.Add((byte)(m.Length >> 8));
            bytes.Add((byte)m.Length);
            bytes.AddRange(m);
        }

        return [.. bytes];
    }

    [Fact]
    public void EveryPrefixNeedsMoreDataAndConsumesNothing()
    {
        byte[] stream = Framed(DnsSamples.CompressedResponse());
        for (int length = 0; length < stream.Length; length++)
        {
            var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(stream, 0, length));
            Assert.Equal(OperationStatus.NeedMoreData, DnsTcpFraming.TryReadMessage(ref reader, out _));
            Assert.Equal(0, reader.Consumed);
            Assert.Equal(OperationStatus.NeedMoreData, DnsTcpFraming.TryReadMessage(stream.AsSpan(0, length), out _, out int consumed));
            Assert.Equal(0, consumed);
        }
    }

    [Fact]
    public void EverySegmentationGivesTheSameMessageAndConsumption()
    {
        byte[] message = DnsSamples.EveryType();
        byte[] stream = Framed(message, DnsSamples.Query());
        foreach (var (name, sequence) in SegmentedSequence.Variants(stream))
        {
            var reader = new SequenceReader<byte>(sequence);
            Assert.True(OperationStatus.Done == DnsTcpFraming.TryReadMessage(ref reader, out ReadOnlySequence<byte> first), name);
            Assert.Equal(2 + message.Length, reader.Consumed);
            Assert.Equal(message, first.ToArray());
            var scratch = new byte[DnsTcpFraming.MaxMessageLength];
            Assert.Equal(message, DnsTcpFraming.GetContiguous(first, scratch).ToArray());
            Assert.Equal(OperationStatus.Done, DnsTcpFraming.TryReadMessage(ref reader, out ReadOnlySequence<byte> second));
            Assert.Equal(DnsSamples.Query(), second.ToArray());
            Assert.Equal(OperationStatus.NeedMoreData, DnsTcpFraming.TryReadMessage(ref reader, out _));
            Assert.Equal(stream.Length, reader.Consumed);
        }
    }

    [Fact]
    public void TheSpanFormReadsBackToBackMessages()
    {
        byte[] stream = Framed(DnsSamples.Query(1), DnsSamples.Query(2));
        Assert.Equal(OperationStatus.Done, DnsTcpFraming.TryReadMessage(stream, out ReadOnlySpan<byte> first, out int consumed));
        Assert.Equal(DnsSamples.Query(1), first.ToArray());
        Assert.Equal(OperationStatus.Done, DnsTcpFraming.TryReadMessage(stream.AsSpan(consumed), out ReadOnlySpan<byte> second, out int consumed2));
        Assert.Equal(DnsSamples.Query(2), second.ToArray());
        Assert.Equal(stream.Length, consumed + consumed2);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(11)]
    public void ALengthShorterThanAHeaderIsInvalidAndConsumesNothing(int length)
    {
        byte[] stream = [(byte)(length >> 8), (byte)length, .. new byte[20]];
        var reader = new SequenceReader<byte>(new ReadOnlySequence<byte>(stream));
        Assert.Equal(OperationStatus.InvalidData, DnsTcpFraming.TryReadMessage(ref reader, out _));
        Assert.Equal(0, reader.Consumed);
        Assert.Equal(OperationStatus.InvalidData, DnsTcpFraming.TryReadMessage(stream, out _, out int consumed));
        Assert.Equal(0, consumed);
    }

    [Fact]
    public void AFramedMessageParsesLikeTheUdpOne()
    {
        byte[] message = DnsSamples.CompressedResponse();
        byte[] stream = Framed(message);
        foreach (var (name, sequence) in SegmentedSequence.Variants(stream))
        {
            var reader = new SequenceReader<byte>(sequence);
            Assert.Equal(OperationStatus.Done, DnsTcpFraming.TryReadMessage(ref reader, out ReadOnlySequence<byte> framed));
            var scratch = new byte[DnsTcpFraming.MaxMessageLength];
            ReadOnlySpan<byte> contiguous = DnsTcpFraming.GetContiguous(framed, scratch);
            var parsed = new DnsMessageReader();
            Assay.Decoding.AnomalySet anomalies = default;
            Assert.True(DnsParser.TryParse(contiguous, ref parsed, ref anomalies), name);
            Assert.True(parsed.IsComplete);
            Assert.Equal(3, parsed.Answers.Length);
        }
    }
}
