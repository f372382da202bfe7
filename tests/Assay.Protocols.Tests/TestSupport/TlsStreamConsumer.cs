using System.Buffers;
using Assay.Decoding;
using Assay.Flows.Tcp;
using Assay.Protocols.Tls;
using Assay.Tests;

namespace Assay.Protocols.Tests.TestSupport;

/// <summary>
/// Feeds one direction's reassembled stream to <see cref="TlsHandshakeParser"/> as it arrives, the way a flow will:
/// each delivery is kept as its own segment, records are read from the multi-segment sequence of what is not yet
/// consumed, consumed bytes are dropped, and feeding stops once the parser says the handshake is over.
/// </summary>
internal sealed class TlsStreamConsumer
{
    private readonly List<ReadOnlyMemory<byte>> _pending = [];
    private TlsParserState _state;
    private AnomalySet _anomalies;

    public ClientHelloCapture Capture { get; } = new();

    /// <summary>Most segments a single record read spanned.</summary>
    public int MaxSegments { get; private set; }

    /// <summary>A gap or the parser's end: nothing more is read.</summary>
    public bool Stopped { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        if (Stopped)
            return;
        _pending.Add(data.ToArray());
        var sink = Capture.AsSink();
        while (true)
        {
            ReadOnlySequence<byte> input = SegmentedInput.Of([.. _pending]);
            var reader = new SequenceReader<byte>(input);
            OperationStatus status = TlsHandshakeParser.TryReadRecord(ref reader, ref _state, ref sink, ref _anomalies);
            _anomalies.Clear();
            if (reader.Consumed > 0)
            {
                MaxSegments = Math.Max(MaxSegments, Segments(input.Slice(0, reader.Consumed)));
                Drop(reader.Consumed);
            }

            if (status != OperationStatus.Done || _state.IsDone)
            {
                if (_state.IsDone)
                    Stop();
                return;
            }
        }
    }

    /// <summary>After a hole the record framing is lost: a real flow stops TLS parsing there too.</summary>
    public void Stop()
    {
        Stopped = true;
        _pending.Clear();
        _state.Reset();
    }

    private void Drop(long count)
    {
        while (count > 0)
        {
            ReadOnlyMemory<byte> first = _pending[0];
            if (first.Length <= count)
            {
                count -= first.Length;
                _pending.RemoveAt(0);
            }
            else
            {
                _pending[0] = first[(int)count..];
                count = 0;
            }
        }
    }

    private static int Segments(ReadOnlySequence<byte> sequence)
    {
        int count = 0;
        foreach (ReadOnlyMemory<byte> _ in sequence)
            count++;
        return count;
    }

    /// <summary>The reassembler's sink for one direction.</summary>
    public readonly struct StreamSink(TlsStreamConsumer consumer) : ITcpStreamSink
    {
        public long OnData(ReadOnlySpan<byte> data, long streamOffset)
        {
            consumer.Append(data);
            return 0;
        }

        public void OnGap(long streamOffset, long length) => consumer.Stop();

        public void OnEnd(TcpStreamEnd reason, long streamOffset)
        {
        }

        public void OnOverlap(in TcpOverlap overlap)
        {
        }

        public void OnAnomaly(Anomaly anomaly, long streamOffset)
        {
        }
    }
}
