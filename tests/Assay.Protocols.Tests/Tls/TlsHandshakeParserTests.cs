using System.Buffers;
using Assay.Decoding;
using Assay.Protocols.Tests.TestSupport;
using Assay.Protocols.Tls;
using Assay.Tests;
using static Assay.Protocols.Tests.TestSupport.TlsMessages;

namespace Assay.Protocols.Tests.Tls;

public class TlsHandshakeParserTests
{
    private const string FoxIoJa4 = "t13d1516h2_8daaf6152771_e5627efa2ab1";

    private static byte[] ClientHelloRecord() => HandshakeRecord(TlsHandshakeType.ClientHello, FoxIoClientHelloBody());

    private static byte[] CertificateBody(params int[] lengths)
    {
        var certificates = new List<byte[]>();
        for (int i = 0; i < lengths.Length; i++)
        {
            var der = new byte[lengths[i]];
            der.AsSpan().Fill((byte)(i + 1));
            certificates.Add(Vector24(der));
        }

        return Vector24(Concat([.. certificates]));
    }

    /// <summary>ServerHello, Certificate and ServerHelloDone in one record, then ChangeCipherSpec and an encrypted Finished.</summary>
    private static byte[] ServerFlight() => Concat(
        Record(TlsContentType.Handshake, Concat(
            Handshake(TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 0xc02f, [Empty(0xff01), PointFormats(0)])),
            Handshake(TlsHandshakeType.Certificate, CertificateBody(700, 300)),
            Handshake(TlsHandshakeType.ServerHelloDone, []))),
        Record(TlsContentType.ChangeCipherSpec, [1]),
        Record(TlsContentType.Handshake, [0x9c, 0x41, 0x07, 0x33, 0xfe, 0x10, 0x55, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d, 0x0e, 0x0f, 0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x1b, 0x1c, 0x1d, 0x1e, 0x1f, 0x20, 0x21]));

    /// <summary>A ClientHello cut into three records, the first cut inside the 4-byte handshake header.</summary>
    private static byte[] FragmentedClientHello()
    {
        byte[] message = Handshake(TlsHandshakeType.ClientHello, FoxIoClientHelloBody());
        return Concat(
            Record(TlsContentType.Handshake, message[..2]),
            Record(TlsContentType.Handshake, message[2..100]),
            Record(TlsContentType.Handshake, message[100..]),
            Record(TlsContentType.ChangeCipherSpec, [1]),
            Record(TlsContentType.ApplicationData, new byte[40]));
    }

    [Fact]
    public void ReadsAClientHelloRecordAndFingerprintsIt()
    {
        byte[] record = ClientHelloRecord();
        var events = new List<string>();
        var sink = new RecordingSink(events);
        TlsParserState state = default;
        AnomalySet anomalies = default;

        OperationStatus status = TlsHandshakeParser.TryReadRecord(record, ref state, ref sink, ref anomalies, out int consumed);

        Assert.Equal(OperationStatus.Done, status);
        Assert.Equal(record.Length, consumed);
        Assert.Equal(1, state.Records);
        Assert.Equal(1, state.HandshakeMessages);
        Assert.False(state.IsDone);
        Assert.Equal(0, anomalies.Count);
        Assert.Equal(2, events.Count);
        Assert.Contains(FoxIoJa4, events[1], StringComparison.Ordinal);
        Assert.EndsWith("sni=example.com", events[1], StringComparison.Ordinal);
    }

    [Fact]
    public void EveryPrefixOfARecordNeedsMoreDataAndConsumesNothing()
    {
        byte[] record = ClientHelloRecord();
        for (int length = 0; length < record.Length; length++)
        {
            var sink = new CountingSink();
            TlsParserState state = default;
            AnomalySet anomalies = default;
            OperationStatus status = TlsHandshakeParser.TryReadRecord(record.AsSpan(0, length), ref state, ref sink, ref anomalies, out int consumed);
            Assert.Equal(OperationStatus.NeedMoreData, status);
            Assert.Equal(0, consumed);
            Assert.Equal(0, state.Records);
            Assert.Equal(0, sink.Messages);

            var reader = new SequenceReader<byte>(SegmentedInput.Chunks(record.AsMemory(0, length), 7));
            status = TlsHandshakeParser.TryReadRecord(ref reader, ref state, ref sink, ref anomalies);
            Assert.Equal(OperationStatus.NeedMoreData, status);
            Assert.Equal(0, reader.Consumed);
            Assert.Equal(0, anomalies.Count);
        }
    }

    [Fact]
    public void EveryPrefixOfAFragmentedMessageStopsAtARecordBoundary()
    {
        byte[] stream = FragmentedClientHello();
        TlsRun.Outcome whole = TlsRun.Span(stream);
        for (int length = 0; length < stream.Length; length++)
        {
            TlsRun.Outcome prefix = TlsRun.Span(stream.AsSpan(0, length));
            Assert.True(prefix.Status == OperationStatus.NeedMoreData || prefix.Consumed == whole.Consumed, $"prefix {length}");
            Assert.Equal(prefix, TlsRun.Sequence(SegmentedInput.Chunks(stream.AsMemory(0, length), 5)));
        }
    }

    public static TheoryData<string> Streams => ["client hello", "server flight", "fragmented client hello", "hello retry"];

    [Theory]
    [MemberData(nameof(Streams))]
    public void EverySplitOfTheInputGivesTheSameOutcome(string name)
    {
        byte[] stream = StreamNamed(name);
        TlsRun.Outcome expected = TlsRun.Span(stream);
        Assert.NotEqual(OperationStatus.InvalidData, expected.Status);
        foreach ((string variant, ReadOnlySequence<byte> input) in SegmentedInput.Variants(stream))
            Assert.True(expected == TlsRun.Sequence(input), $"{name}, {variant}");
        for (int size = 1; size < 40; size++)
            Assert.Equal(expected, TlsRun.Sequence(SegmentedInput.Chunks(stream, size)));
    }

    private static byte[] StreamNamed(string name) => name switch
    {
        "client hello" => ClientHelloRecord(),
        "server flight" => ServerFlight(),
        "fragmented client hello" => FragmentedClientHello(),
        "hello retry" => HelloRetryServerFlight(),
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    [Fact]
    public void ReassemblesAMessageSpanningRecordsAndStopsAtApplicationData()
    {
        byte[] stream = FragmentedClientHello();
        TlsRun.Outcome outcome = TlsRun.Span(stream);

        Assert.Equal(OperationStatus.Done, outcome.Status);
        Assert.Contains(FoxIoJa4, outcome.Events, StringComparison.Ordinal);
        Assert.Equal("records=4 messages=1 sslv2=0 ccs=1 alerts=0 over=True failed=False partial=False", outcome.State);
        // The application data record is left for whoever reads the encrypted stream.
        Assert.Equal(stream.Length - 45, outcome.Consumed);
        Assert.Equal("", outcome.Anomalies);
    }

    [Fact]
    public void ReadsSeveralMessagesInOneRecordAndStopsAfterChangeCipherSpec()
    {
        TlsRun.Outcome outcome = TlsRun.Span(ServerFlight());

        Assert.Equal(
            "ServerHello 82\nserver hello 771,49199,65281-11 0303 retry=False\nCertificate 1009\ncertificates 700,300\nServerHelloDone 0",
            outcome.Events);
        Assert.Equal("records=2 messages=3 sslv2=0 ccs=1 alerts=0 over=True failed=False partial=False", outcome.State);
        Assert.Equal("", outcome.Anomalies);
    }

    /// <summary>TLS 1.3 middlebox compatibility: HelloRetryRequest, ChangeCipherSpec, then the real ServerHello in clear.</summary>
    private static byte[] HelloRetryServerFlight() => Concat(
        HandshakeRecord(TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 0x1301,
            [SupportedVersions13(), Extension(0x0033, UInt16(0x001d))], random: TlsServerHello.HelloRetryRequestRandom.ToArray())),
        Record(TlsContentType.ChangeCipherSpec, [1]),
        HandshakeRecord(TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 0x1301, [SupportedVersions13()])),
        Record(TlsContentType.ApplicationData, new byte[30]));

    private static byte[] SupportedVersions13() => Extension(0x002b, UInt16(TlsVersion.Tls13));

    [Fact]
    public void ReadsTheServerHelloThatFollowsAHelloRetryRequestAndChangeCipherSpec()
    {
        TlsRun.Outcome outcome = TlsRun.Span(HelloRetryServerFlight());

        Assert.Equal(2, outcome.Events.Split('\n').Count(e => e.StartsWith("server hello", StringComparison.Ordinal)));
        Assert.Contains("0304 retry=True", outcome.Events, StringComparison.Ordinal);
        Assert.Contains("0304 retry=False", outcome.Events, StringComparison.Ordinal);
        Assert.Equal("records=3 messages=2 sslv2=0 ccs=1 alerts=0 over=True failed=False partial=False", outcome.State);
    }

    [Fact]
    public void EncryptedFinishedAfterChangeCipherSpecEndsTheHandshakeWithoutBeingConsumed()
    {
        byte[] flight = ServerFlight();
        TlsRun.Outcome outcome = TlsRun.Span(flight);
        Assert.Equal(flight.Length - 45, outcome.Consumed);
        Assert.Equal(OperationStatus.Done, outcome.Status);
    }

    [Fact]
    public void CountsAndSkipsAnSslV2ClientHello()
    {
        // SSLv2 CLIENT-HELLO offering SSLv3/TLS 1.0 (RFC 5246 appendix E.2): msg_type 1, version 0x0301, lengths 3, 0, 16.
        byte[] body = Concat([1, 3, 1], UInt16(3), UInt16(0), UInt16(16), [0x00, 0x00, 0x2f], new byte[16]);
        byte[] stream = Concat([(byte)(0x80 | (body.Length >> 8)), (byte)body.Length], body);

        TlsRun.Outcome outcome = TlsRun.Span(stream);

        Assert.Equal(OperationStatus.NeedMoreData, outcome.Status);
        Assert.Equal(stream.Length, outcome.Consumed);
        Assert.Equal("records=1 messages=0 sslv2=1 ccs=0 alerts=0 over=False failed=False partial=False", outcome.State);
        Assert.True(TlsDetector.LooksLikeTls(stream));
        foreach ((string variant, ReadOnlySequence<byte> input) in SegmentedInput.Variants(stream))
            Assert.True(outcome == TlsRun.Sequence(input), variant);
    }

    [Theory]
    [InlineData(new byte[] { 0x47, 0x45, 0x54, 0x20, 0x2f, 0x20 }, "tls.invalid_record_type")]
    [InlineData(new byte[] { 0x16, 0x02, 0x00, 0x00, 0x01, 0x01 }, "tls.invalid_record_version")]
    [InlineData(new byte[] { 0x16, 0x03, 0x01, 0x48, 0x01, 0x01 }, "tls.invalid_record")]
    [InlineData(new byte[] { 0x80, 0x20, 0x02, 0x00, 0x02, 0x00 }, "tls.invalid_record_type")]
    public void RejectsWhatIsNotATlsRecordAndStaysRejected(byte[] input, string anomaly)
    {
        var sink = new CountingSink();
        TlsParserState state = default;
        AnomalySet anomalies = default;

        Assert.Equal(OperationStatus.InvalidData, TlsHandshakeParser.TryReadRecord(input, ref state, ref sink, ref anomalies, out int consumed));
        Assert.Equal(0, consumed);
        Assert.True(state.Failed);
        Assert.Equal(anomaly, TlsRun.Describe(anomalies));
        Assert.Equal(OperationStatus.InvalidData, TlsHandshakeParser.TryReadRecord(ClientHelloRecord(), ref state, ref sink, ref anomalies, out consumed));
        Assert.Equal(0, consumed);
        Assert.Equal(TlsRun.Span(input), TlsRun.Sequence(SegmentedInput.OneBytePerSegment(input)));
    }

    [Fact]
    public void SkipsAHandshakeMessageOverTheCapAndReadsTheNextOne()
    {
        int length = TlsHandshakeParser.MaxHandshakeMessageLength + 1;
        byte[] message = Concat([(byte)TlsHandshakeType.Certificate, (byte)(length >> 16), (byte)(length >> 8), (byte)length], new byte[length]);
        message = Concat(message, Handshake(TlsHandshakeType.ServerHelloDone, []));
        var records = new List<byte[]>();
        for (int offset = 0; offset < message.Length; offset += 16384)
            records.Add(Record(TlsContentType.Handshake, message[offset..Math.Min(message.Length, offset + 16384)]));
        byte[] stream = Concat([.. records]);

        TlsRun.Outcome outcome = TlsRun.Span(stream);

        Assert.Equal("tls.handshake_message_too_long", outcome.Anomalies);
        Assert.Equal("ServerHelloDone 0", outcome.Events);
        Assert.Equal(stream.Length, outcome.Consumed);
        Assert.Equal(outcome, TlsRun.Sequence(SegmentedInput.Chunks(stream, 1460)));
    }

    [Fact]
    public void NamesHeartbeatsAndUnknownHandshakeTypesButKeepsGoing()
    {
        byte[] stream = Concat(
            Record(TlsContentType.Heartbeat, [1, 0, 3, 1, 2, 3]),
            Record(TlsContentType.Handshake, [0x63, 0, 0, 1, 0]),
            Record(TlsContentType.Alert, [2, 40]),
            ClientHelloRecord());

        TlsRun.Outcome outcome = TlsRun.Span(stream);

        Assert.Equal("tls.heartbeat_message,tls.invalid_handshake_message", outcome.Anomalies);
        Assert.Equal("records=4 messages=2 sslv2=0 ccs=0 alerts=1 over=False failed=False partial=False", outcome.State);
        Assert.Equal(stream.Length, outcome.Consumed);
    }

    [Fact]
    public void AMalformedClientHelloIsNamedAndTheStreamGoesOn()
    {
        byte[] body = FoxIoClientHelloBody();
        body[34] = 200; // legacy_session_id length past the end
        byte[] stream = Concat(HandshakeRecord(TlsHandshakeType.ClientHello, body), Record(TlsContentType.ApplicationData, [1]));

        TlsRun.Outcome outcome = TlsRun.Span(stream);

        Assert.Equal("tls.handshake_invalid_length", outcome.Anomalies);
        Assert.DoesNotContain("client hello", outcome.Events, StringComparison.Ordinal);
        Assert.Equal(OperationStatus.Done, outcome.Status);
        Assert.Contains("over=True", outcome.State, StringComparison.Ordinal);
    }

    [Fact]
    public void ResetReturnsAPartlyBufferedMessage()
    {
        byte[] stream = FragmentedClientHello();
        var sink = new CountingSink();
        TlsParserState state = default;
        AnomalySet anomalies = default;
        Assert.Equal(OperationStatus.Done, TlsHandshakeParser.TryReadRecord(stream, ref state, ref sink, ref anomalies, out int consumed));
        Assert.Equal(OperationStatus.Done, TlsHandshakeParser.TryReadRecord(stream.AsSpan(consumed), ref state, ref sink, ref anomalies, out _));
        Assert.True(state.HasPartialMessage);

        state.Reset();

        Assert.False(state.HasPartialMessage);
        Assert.Equal(0, state.Records);
    }
}
