using System.Buffers;
using Assay.Decoding;

namespace Assay.Protocols.Tls;

/// <summary>
/// Reads one direction of a TLS connection record by record until the clear-text handshake is over, and hands each
/// handshake message to a sink. Record layer, RFC 8446 §5.1 (RFC 5246 §6.2.1 for TLS ≤ 1.2):
/// <code>
///   struct {
///       ContentType type;                      /* 20 ccs, 21 alert, 22 handshake, 23 application data */
///       ProtocolVersion legacy_record_version; /* 0x0300 … 0x0303 */
///       uint16 length;                         /* ≤ 2^14 (+ 2048 for ciphertext) */
///       opaque fragment[TLSPlaintext.length];
///   } TLSPlaintext;
///
///   struct {
///       HandshakeType msg_type;    /* handshake type */
///       uint24 length;             /* remaining bytes in message */
///       select (Handshake.msg_type) { … };
///   } Handshake;
/// </code>
/// Handshake messages may span records and several may share one; messages are reassembled in
/// <see cref="TlsParserState"/> up to <see cref="MaxHandshakeMessageLength"/>. Each call reads at most one record:
/// <see cref="OperationStatus.Done"/> when it consumed one (or found the handshake over: <see cref="TlsParserState.IsDone"/>),
/// <see cref="OperationStatus.NeedMoreData"/> with nothing consumed, <see cref="OperationStatus.InvalidData"/> when the bytes
/// are not TLS records (an anomaly names why). Never throws on input, allocates nothing.
/// </summary>
public static partial class TlsHandshakeParser
{
    public const int RecordHeaderLength = 5;

    /// <summary>2^14 + 2048: the TLSCiphertext limit (RFC 5246 §6.2.3), the largest record any version allows.</summary>
    public const int MaxRecordLength = 16384 + 2048;

    /// <summary>
    /// Handshake messages longer than this are skipped (<see cref="Anomaly.TlsHandshakeMessageTooLong"/>), not buffered.
    /// Certificate chains are the large ones: a few KiB is common, tens of KiB happen; hellos are rarely over 2 KiB.
    /// </summary>
    public const int MaxHandshakeMessageLength = 64 * 1024;

    private const int HandshakeHeaderLength = 4;

    /// <summary>After a ChangeCipherSpec we look this far into the next record to tell a clear-text hello from ciphertext.</summary>
    private const int HelloProbeLength = RecordHeaderLength + HandshakeHeaderLength + 2;

    /// <summary>The smallest ClientHello or ServerHello body: version, random, and a few length bytes.</summary>
    private const int MinHelloLength = 2 + 32 + 4;

    // SSLv2 record (RFC 6101 appendix E / draft-hickman-netscape-ssl-00): with the top bit set the header is two bytes,
    // a 15-bit length; a CLIENT-HELLO body starts msg_type 1, then version (0x0002, or 0x0300+ for a v3-compatible hello).
    private const int SslV2HeaderLength = 2;
    private const int SslV2ProbeLength = SslV2HeaderLength + 3;
    private const byte SslV2ClientHello = 1;

    /// <summary>Reads at most one record from <paramref name="input"/> (the fast path for a single segment).</summary>
    /// <param name="consumed">Bytes of <paramref name="input"/> used: one whole record, or 0.</param>
    public static OperationStatus TryReadRecord<TSink>(
        ReadOnlySpan<byte> input, ref TlsParserState state, ref TSink sink, ref AnomalySet anomalies, out int consumed)
        where TSink : struct, ITlsHandshakeSink
    {
        consumed = 0;
        RecordKind kind = ReadHeader(input.Length <= HelloProbeLength ? input : input[..HelloProbeLength], ref state, ref anomalies, out int total);
        if (kind == RecordKind.Incomplete || total > input.Length)
            return OperationStatus.NeedMoreData;
        if (kind == RecordKind.Invalid)
            return OperationStatus.InvalidData;
        if (kind == RecordKind.End)
            return OperationStatus.Done;

        ReadRecord(kind, input[..total], ref state, ref sink, ref anomalies);
        consumed = total;
        return OperationStatus.Done;
    }

    /// <summary>
    /// Reads at most one record from <paramref name="reader"/> and advances it past that record; on
    /// <see cref="OperationStatus.NeedMoreData"/> the reader does not move. A record split over segments is copied into a
    /// pooled buffer first, so the result is the same as for one contiguous span.
    /// </summary>
    public static OperationStatus TryReadRecord<TSink>(
        ref SequenceReader<byte> reader, ref TlsParserState state, ref TSink sink, ref AnomalySet anomalies)
        where TSink : struct, ITlsHandshakeSink
    {
        ReadOnlySpan<byte> first = reader.UnreadSpan;
        if (first.Length == reader.Remaining)
        {
            OperationStatus status = TryReadRecord(first, ref state, ref sink, ref anomalies, out int consumed);
            reader.Advance(consumed);
            return status;
        }

        Span<byte> probe = stackalloc byte[HelloProbeLength];
        probe = probe[..(int)Math.Min(reader.Remaining, HelloProbeLength)];
        reader.TryCopyTo(probe);
        RecordKind kind = ReadHeader(probe, ref state, ref anomalies, out int total);
        if (kind == RecordKind.Incomplete || total > reader.Remaining)
            return OperationStatus.NeedMoreData;
        if (kind == RecordKind.Invalid)
            return OperationStatus.InvalidData;
        if (kind == RecordKind.End)
            return OperationStatus.Done;

        if (first.Length >= total)
        {
            ReadRecord(kind, first[..total], ref state, ref sink, ref anomalies);
        }
        else
        {
            byte[] rented = ArrayPool<byte>.Shared.Rent(total);
            try
            {
                Span<byte> record = rented.AsSpan(0, total);
                reader.TryCopyTo(record);
                ReadRecord(kind, record, ref state, ref sink, ref anomalies);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }

        reader.Advance(total);
        return OperationStatus.Done;
    }

    private enum RecordKind
    {
        Incomplete,
        Invalid,
        /// <summary>The handshake is over (or was already): nothing consumed, state says why.</summary>
        End,
        Tls,
        SslV2,
    }

    /// <summary>
    /// Classifies the record starting <paramref name="prefix"/> (at most <see cref="HelloProbeLength"/> bytes) and sets
    /// <paramref name="total"/> to its length with header. Decides from the prefix alone, so a split input decides the same.
    /// </summary>
    private static RecordKind ReadHeader(ReadOnlySpan<byte> prefix, ref TlsParserState state, ref AnomalySet anomalies, out int total)
    {
        total = 0;
        if (state.IsDone)
            return state.Failed ? RecordKind.Invalid : RecordKind.End;
        if (prefix.IsEmpty)
            return RecordKind.Incomplete;

        byte type = prefix[0];
        if (type >= 0x80 && state.Records == 0 && !state._afterChangeCipherSpec)
            return ReadSslV2Header(prefix, ref state, ref anomalies, out total);

        // One unsigned compare for "below ChangeCipherSpec or above Heartbeat".
        if ((uint)(type - (byte)TlsContentType.ChangeCipherSpec) > TlsContentType.Heartbeat - TlsContentType.ChangeCipherSpec)
            return Fail(ref state, ref anomalies, Anomaly.TlsInvalidRecordType);
        if (prefix.Length < 2)
            return RecordKind.Incomplete;
        if (prefix[1] != 3)
            return Fail(ref state, ref anomalies, Anomaly.TlsInvalidRecordVersion);
        if (prefix.Length < RecordHeaderLength)
            return RecordKind.Incomplete;

        int length = (prefix[3] << 8) | prefix[4];
        if (length > MaxRecordLength)
            return Fail(ref state, ref anomalies, Anomaly.TlsInvalidRecord);
        total = RecordHeaderLength + length;

        var contentType = (TlsContentType)type;
        if (contentType == TlsContentType.ApplicationData)
            return End(ref state);

        if (state._afterChangeCipherSpec)
        {
            // Only a clear-text hello may follow a ChangeCipherSpec; anything else is the encrypted Finished (≤ 1.2) or an
            // encrypted alert. A ciphertext passes the probe by chance about once in 2^23.
            if (contentType != TlsContentType.Handshake || length < HandshakeHeaderLength + MinHelloLength)
                return End(ref state);
            if (prefix.Length < HelloProbeLength)
                return RecordKind.Incomplete;
            if (!LooksLikeHello(prefix[RecordHeaderLength..]))
                return End(ref state);
        }

        return RecordKind.Tls;
    }

    /// <summary>msg_type ClientHello or ServerHello, a length below 64 KiB, and a body starting with version 3.x.</summary>
    private static bool LooksLikeHello(ReadOnlySpan<byte> message) =>
        message[0] is (byte)TlsHandshakeType.ClientHello or (byte)TlsHandshakeType.ServerHello
        && message[1] == 0
        && message[HandshakeHeaderLength] == 3;

    private static RecordKind ReadSslV2Header(ReadOnlySpan<byte> prefix, ref TlsParserState state, ref AnomalySet anomalies, out int total)
    {
        total = 0;
        if (prefix.Length < SslV2ProbeLength)
            return RecordKind.Incomplete;
        int length = ((prefix[0] & 0x7F) << 8) | prefix[1];
        if (prefix[2] != SslV2ClientHello || prefix[3] is not (0 or 3) || length < SslV2ProbeLength - SslV2HeaderLength)
            return Fail(ref state, ref anomalies, Anomaly.TlsInvalidRecordType);
        total = SslV2HeaderLength + length;
        return RecordKind.SslV2;
    }

    private static RecordKind Fail(ref TlsParserState state, ref AnomalySet anomalies, Anomaly anomaly)
    {
        anomalies.Add(anomaly);
        state.Failed = true;
        state.ReleaseMessage();
        return RecordKind.Invalid;
    }

    private static RecordKind End(ref TlsParserState state)
    {
        state.HandshakeOver = true;
        state.ReleaseMessage();
        return RecordKind.End;
    }

    /// <summary>Consumes one whole record (<paramref name="record"/> includes its header).</summary>
    private static void ReadRecord<TSink>(RecordKind kind, ReadOnlySpan<byte> record, ref TlsParserState state, ref TSink sink, ref AnomalySet anomalies)
        where TSink : struct, ITlsHandshakeSink
    {
        state.Records++;
        if (kind == RecordKind.SslV2)
        {
            // Counted and skipped: SSLv2 is long dead (RFC 6176) and its hello carries no extensions to fingerprint.
            state.SslV2ClientHellos++;
            return;
        }

        ReadOnlySpan<byte> fragment = record[RecordHeaderLength..];
        switch ((TlsContentType)record[0])
        {
            case TlsContentType.Handshake:
                state._afterChangeCipherSpec = false;
                if (fragment.IsEmpty)
                    anomalies.Add(Anomaly.TlsInvalidRecord); // RFC 8446 §5.1: no zero-length handshake fragments
                ReadHandshakeFragment(fragment, ref state, ref sink, ref anomalies);
                break;
            case TlsContentType.ChangeCipherSpec:
                state.ChangeCipherSpecs++;
                state._afterChangeCipherSpec = true;
                if (fragment.Length != 1 || fragment[0] != 1)
                    anomalies.Add(Anomaly.TlsInvalidRecord);
                break;
            case TlsContentType.Alert:
                state.Alerts++;
                break;
            case TlsContentType.Heartbeat:
                // Legitimate uses are rare and Heartbleed made them notorious: Suricata raises an event for every one.
                anomalies.Add(Anomaly.TlsHeartbeatMessage);
                break;
        }
    }
}
