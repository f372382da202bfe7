using System.Buffers;
using Assay.Decoding;
using Assay.Protocols.Tls;

namespace Assay.Protocols.Tests.TestSupport;

/// <summary>Feeds a whole input to <see cref="TlsHandshakeParser"/> record by record and records the outcome as text.</summary>
internal static class TlsRun
{
    public sealed record Outcome(OperationStatus Status, long Consumed, string State, string Events, string Anomalies);

    public static Outcome Sequence(ReadOnlySequence<byte> input)
    {
        var events = new List<string>();
        var sink = new RecordingSink(events);
        TlsParserState state = default;
        AnomalySet anomalies = default;
        var reader = new SequenceReader<byte>(input);
        OperationStatus status;
        do
        {
            long before = reader.Consumed;
            status = TlsHandshakeParser.TryReadRecord(ref reader, ref state, ref sink, ref anomalies);
            if (status != OperationStatus.Done)
                Assert.Equal(before, reader.Consumed);
        }
        while (status == OperationStatus.Done && !state.IsDone);

        string summary = Describe(state);
        state.Reset();
        return new Outcome(status, reader.Consumed, summary, string.Join("\n", events), Describe(anomalies));
    }

    public static Outcome Span(ReadOnlySpan<byte> input)
    {
        var events = new List<string>();
        var sink = new RecordingSink(events);
        TlsParserState state = default;
        AnomalySet anomalies = default;
        int total = 0;
        OperationStatus status;
        do
        {
            status = TlsHandshakeParser.TryReadRecord(input[total..], ref state, ref sink, ref anomalies, out int consumed);
            if (status != OperationStatus.Done)
                Assert.Equal(0, consumed);
            total += consumed;
        }
        while (status == OperationStatus.Done && !state.IsDone);

        string summary = Describe(state);
        state.Reset();
        return new Outcome(status, total, summary, string.Join("\n", events), Describe(anomalies));
    }

    public static string Describe(in TlsParserState state) =>
        $"records={state.Records} messages={state.HandshakeMessages} sslv2={state.SslV2ClientHellos} ccs={state.ChangeCipherSpecs} " +
        $"alerts={state.Alerts} over={state.HandshakeOver} failed={state.Failed} partial={state.HasPartialMessage}";

    public static string Describe(in AnomalySet anomalies)
    {
        var names = new List<string>();
        for (int i = 0; i < anomalies.Count; i++)
            names.Add(AnomalyNames.Get(anomalies[i]));
        return string.Join(",", names);
    }

    public static Anomaly[] ToArray(in AnomalySet anomalies)
    {
        var result = new Anomaly[anomalies.Count];
        for (int i = 0; i < result.Length; i++)
            result[i] = anomalies[i];
        return result;
    }
}
