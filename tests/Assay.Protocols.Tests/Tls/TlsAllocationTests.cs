using System.Buffers;
using Assay.Decoding;
using Assay.Protocols.Tests.TestSupport;
using Assay.Protocols.Tls;
using Assay.Tests;
using static Assay.Protocols.Tests.TestSupport.TlsMessages;

namespace Assay.Protocols.Tests.Tls;

/// <summary>Classes with zero-allocation assertions run alone: another test renting from the shared pool would allocate here.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation";
}

[Collection(AllocationCollection.Name)]
public class TlsAllocationTests
{
    private const int Iterations = 2_000;

    /// <summary>ClientHello in three records, the server flight with a 20 KB chain spanning records, ChangeCipherSpec.</summary>
    private static byte[] Handshake()
    {
        byte[] hello = TlsMessages.Handshake(TlsHandshakeType.ClientHello, FoxIoClientHelloBody());
        byte[] chain = Vector24(Concat(Vector24(new byte[12_000]), Vector24(new byte[8_000])));
        byte[] flight = Concat(
            TlsMessages.Handshake(TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 0xc02f, [Empty(0xff01)])),
            TlsMessages.Handshake(TlsHandshakeType.Certificate, chain),
            TlsMessages.Handshake(TlsHandshakeType.ServerHelloDone, []));
        return Concat(
            Record(TlsContentType.Handshake, hello[..3]), Record(TlsContentType.Handshake, hello[3..200]), Record(TlsContentType.Handshake, hello[200..]),
            Record(TlsContentType.Handshake, flight[..16000]), Record(TlsContentType.Handshake, flight[16000..]),
            Record(TlsContentType.ChangeCipherSpec, [1]), Record(TlsContentType.ApplicationData, new byte[64]));
    }

    private static int Scan(ReadOnlySequence<byte> input)
    {
        var sink = new CountingSink();
        TlsParserState state = default;
        AnomalySet anomalies = default;
        var reader = new SequenceReader<byte>(input);
        while (TlsHandshakeParser.TryReadRecord(ref reader, ref state, ref sink, ref anomalies) == OperationStatus.Done && !state.IsDone)
        {
        }

        state.Reset();
        return sink.Messages + anomalies.Count;
    }

    [Fact]
    public void ScanningAHandshakeAllocatesNothing()
    {
        byte[] handshake = Handshake();
        ReadOnlySequence<byte> whole = new(handshake);
        ReadOnlySequence<byte> segments = SegmentedInput.Chunks(handshake, 1460);
        Assert.Equal(4, Scan(whole));
        Assert.Equal(4, Scan(segments));

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
        {
            Scan(whole);
            Scan(segments);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void FingerprintingAClientHelloAllocatesNothing()
    {
        byte[] body = FoxIoClientHelloBody();
        Span<byte> ja4 = stackalloc byte[TlsFingerprint.Ja4Length];
        Span<byte> ja3 = stackalloc byte[TlsFingerprint.Md5Length];
        Fingerprint(body, ja3, ja4);

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < Iterations; i++)
            Fingerprint(body, ja3, ja4);

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal("t13d1516h2_8daaf6152771_e5627efa2ab1"u8, ja4);
    }

    private static void Fingerprint(byte[] body, Span<byte> ja3, Span<byte> ja4)
    {
        AnomalySet anomalies = default;
        Assert.True(TlsClientHello.TryParse(body, ref anomalies, out TlsClientHello hello));
        TlsFingerprint.HashJa3(hello, ja3);
        TlsFingerprint.FormatJa4(hello, ja4);
    }
}
