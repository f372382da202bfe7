using Assay.Decoding;
using Assay.Flows.Tcp;

namespace Assay.Flows.Tests.Tcp;

/// <summary>Everything a <see cref="RecordingSink"/> saw for one direction; checks the sink contract as it goes.</summary>
internal sealed class StreamLog
{
    private byte[] _bytes = new byte[256];
    public readonly List<(long Offset, long Length)> Gaps = [];
    public readonly List<(long Offset, int Length)> Chunks = [];
    public readonly List<TcpOverlap> Overlaps = [];
    public readonly List<(Anomaly Anomaly, long Offset)> Anomalies = [];

    /// <summary>What <see cref="RecordingSink.OnData"/> returns (a carve request).</summary>
    public long Want;

    /// <summary>Next offset the contract allows.</summary>
    public long Position;
    public int Ends;
    public TcpStreamEnd End;
    public long EndOffset = -1;

    /// <summary>Length of the stream as delivered (gap bytes, left as zeros, included while the stream is small).</summary>
    public long Length { get; private set; }

    /// <summary>The stream as delivered, gap bytes left as zeros.</summary>
    public byte[] ToArray() => _bytes.AsSpan(0, (int)Length).ToArray();

    public string Text => System.Text.Encoding.Latin1.GetString(ToArray());

    public long GapBytes
    {
        get
        {
            long total = 0;
            foreach ((_, long length) in Gaps)
                total += length;
            return total;
        }
    }

    public void Data(ReadOnlySpan<byte> data, long offset)
    {
        Assert.Equal(0, Ends);
        Assert.Equal(Position, offset);
        Assert.False(data.IsEmpty);
        Extend(offset + data.Length);
        data.CopyTo(_bytes.AsSpan((int)offset));
        Chunks.Add((offset, data.Length));
        Position = offset + data.Length;
    }

    public void Gap(long offset, long length)
    {
        Assert.Equal(0, Ends);
        Assert.Equal(Position, offset);
        Assert.True(length > 0);
        Gaps.Add((offset, length));
        Position = offset + length;
        if (Position < 256L * 1024 * 1024)
            Extend(Position);
    }

    private void Extend(long length)
    {
        if (length > _bytes.Length)
            Array.Resize(ref _bytes, (int)Math.Max(length, Math.Min(2L * _bytes.Length, Array.MaxLength)));
        Length = Math.Max(Length, length);
    }

    public void Ended(TcpStreamEnd reason, long offset)
    {
        Assert.Equal(0, Ends);
        Assert.Equal(Position, offset);
        Assert.NotEqual(TcpStreamEnd.None, reason);
        Ends++;
        End = reason;
        EndOffset = offset;
    }
}

/// <summary>A struct sink over a <see cref="StreamLog"/> (the class reference is the only field: nothing is boxed).</summary>
internal readonly struct RecordingSink(StreamLog log) : ITcpStreamSink
{
    public long OnData(ReadOnlySpan<byte> data, long streamOffset)
    {
        log.Data(data, streamOffset);
        return log.Want;
    }

    public void OnGap(long streamOffset, long length) => log.Gap(streamOffset, length);

    public void OnEnd(TcpStreamEnd reason, long streamOffset) => log.Ended(reason, streamOffset);

    public void OnOverlap(in TcpOverlap overlap) => log.Overlaps.Add(overlap);

    public void OnAnomaly(Anomaly anomaly, long streamOffset) => log.Anomalies.Add((anomaly, streamOffset));
}

/// <summary>One direction under test: a reassembler, its state and a log, with terse helpers.</summary>
internal sealed class Direction
{
    public const uint Isn = 1000;
    public readonly TcpReassembler Reassembler;
    public readonly StreamLog Log = new();
    public TcpStreamState State;

    /// <summary>Sequence number of stream offset 0 (the SYN's ISN + 1).</summary>
    public uint Base = Isn + 1;

    public Direction(TcpReassemblerOptions? options = null, SegmentPool? pool = null)
        => Reassembler = new TcpReassembler(options ?? TcpReassemblerOptions.Default, pool ?? new SegmentPool());

    public Direction(TcpReassembler reassembler) => Reassembler = reassembler;

    /// <summary>Sends the SYN with <paramref name="isn"/>: stream offset 0 is <paramref name="isn"/> + 1.</summary>
    public Direction Syn(uint isn = Isn)
    {
        Base = unchecked(isn + 1);
        Segment(isn, TcpFlags.Syn, []);
        return this;
    }

    /// <summary>Data at stream offset <paramref name="offset"/> (relative to <see cref="Base"/>).</summary>
    public void At(long offset, string text, TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh) => Segment(SequenceAt(offset), flags, Latin1(text));

    public void At(long offset, ReadOnlySpan<byte> data, TcpFlags flags = TcpFlags.Ack | TcpFlags.Psh) => Segment(SequenceAt(offset), flags, data);

    public uint SequenceAt(long offset) => unchecked(Base + (uint)offset);

    public void Segment(uint sequence, TcpFlags flags, ReadOnlySpan<byte> payload, long timestamp = 0)
    {
        var sink = new RecordingSink(Log);
        Reassembler.Process(ref State, sequence, flags, payload, timestamp, ref sink);
    }

    /// <summary>The receiver acknowledges up to stream offset <paramref name="offset"/>.</summary>
    public void AckAt(long offset) => Ack(SequenceAt(offset));

    public void Ack(uint acknowledgment)
    {
        var sink = new RecordingSink(Log);
        Reassembler.Acknowledge(ref State, acknowledgment, ref sink);
    }

    public void Close(TcpStreamEnd reason = TcpStreamEnd.Closed)
    {
        var sink = new RecordingSink(Log);
        Reassembler.Close(ref State, reason, ref sink);
    }

    public static byte[] Latin1(string text) => System.Text.Encoding.Latin1.GetBytes(text);
}
