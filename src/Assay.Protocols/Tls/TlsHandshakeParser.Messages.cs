using System.Buffers;
using Assay.Decoding;

namespace Assay.Protocols.Tls;

public static partial class TlsHandshakeParser
{
    /// <summary>Splits a handshake record's fragment into messages, reassembling those that span records.</summary>
    private static void ReadHandshakeFragment<TSink>(ReadOnlySpan<byte> fragment, ref TlsParserState state, ref TSink sink, ref AnomalySet anomalies)
        where TSink : struct, ITlsHandshakeSink
    {
        while (!fragment.IsEmpty)
        {
            if (state._skipRemaining > 0)
            {
                int skip = Math.Min(state._skipRemaining, fragment.Length);
                state._skipRemaining -= skip;
                fragment = fragment[skip..];
                continue;
            }

            if (state._headerFilled == 0 && fragment.Length >= HandshakeHeaderLength)
            {
                // Common case: the whole message is inside this record, so it is read in place without a copy.
                int length = TlsSpanReader.ReadUInt24(fragment[1..]);
                if (length <= fragment.Length - HandshakeHeaderLength)
                {
                    Deliver((TlsHandshakeType)fragment[0], fragment.Slice(HandshakeHeaderLength, length), ref state, ref sink, ref anomalies);
                    fragment = fragment[(HandshakeHeaderLength + length)..];
                    continue;
                }
            }

            fragment = Buffer(fragment, ref state, ref anomalies, out bool complete);
            if (complete)
            {
                var type = (TlsHandshakeType)(state._header >> 24);
                try
                {
                    Deliver(type, state._message.AsSpan(0, state._messageLength), ref state, ref sink, ref anomalies);
                }
                finally
                {
                    state.ReleaseMessage();
                }
            }
        }
    }

    /// <summary>
    /// Takes as much of a spanning message as <paramref name="fragment"/> holds into the state and returns the rest;
    /// <paramref name="complete"/> when the message is whole in <see cref="TlsParserState._message"/>.
    /// </summary>
    private static ReadOnlySpan<byte> Buffer(ReadOnlySpan<byte> fragment, scoped ref TlsParserState state, scoped ref AnomalySet anomalies, out bool complete)
    {
        complete = false;
        if (state._headerFilled < HandshakeHeaderLength)
        {
            while (state._headerFilled < HandshakeHeaderLength && !fragment.IsEmpty)
            {
                state._header = (state._header << 8) | fragment[0];
                state._headerFilled++;
                fragment = fragment[1..];
            }

            if (state._headerFilled < HandshakeHeaderLength)
                return fragment;

            int length = (int)(state._header & 0xFF_FFFF);
            if (length > MaxHandshakeMessageLength)
            {
                anomalies.Add(Anomaly.TlsHandshakeMessageTooLong);
                state.ReleaseMessage();
                state._skipRemaining = length;
                return fragment;
            }

            state._messageLength = length;
            state._messageFilled = 0;
            if (length > 0)
                state._message = ArrayPool<byte>.Shared.Rent(length);
        }

        int take = Math.Min(state._messageLength - state._messageFilled, fragment.Length);
        fragment[..take].CopyTo(state._message.AsSpan(state._messageFilled));
        state._messageFilled += take;
        complete = state._messageFilled == state._messageLength;
        return fragment[take..];
    }

    private static void Deliver<TSink>(TlsHandshakeType type, ReadOnlySpan<byte> body, ref TlsParserState state, ref TSink sink, ref AnomalySet anomalies)
        where TSink : struct, ITlsHandshakeSink
    {
        state.HandshakeMessages++;
        sink.OnHandshakeMessage(type, body);
        switch (type)
        {
            case TlsHandshakeType.ClientHello:
                if (TlsClientHello.TryParse(body, ref anomalies, out TlsClientHello clientHello))
                    sink.OnClientHello(in clientHello, ref anomalies);
                break;
            case TlsHandshakeType.ServerHello:
                if (TlsServerHello.TryParse(body, ref anomalies, out TlsServerHello serverHello))
                    sink.OnServerHello(in serverHello, ref anomalies);
                break;
            case TlsHandshakeType.Certificate:
                if (TlsCertificateList.TryParse(body, ref anomalies, out TlsCertificateList certificates))
                    sink.OnCertificates(in certificates, ref anomalies);
                break;
            default:
                if (!IsKnown(type))
                    anomalies.Add(Anomaly.TlsInvalidHandshakeMessage);
                break;
        }
    }

    private static bool IsKnown(TlsHandshakeType type) => type switch
    {
        TlsHandshakeType.HelloRequest or TlsHandshakeType.HelloVerifyRequest or TlsHandshakeType.NewSessionTicket
            or TlsHandshakeType.EndOfEarlyData or TlsHandshakeType.EncryptedExtensions or TlsHandshakeType.ServerKeyExchange
            or TlsHandshakeType.CertificateRequest or TlsHandshakeType.ServerHelloDone or TlsHandshakeType.CertificateVerify
            or TlsHandshakeType.ClientKeyExchange or TlsHandshakeType.Finished or TlsHandshakeType.CertificateUrl
            or TlsHandshakeType.CertificateStatus or TlsHandshakeType.SupplementalData or TlsHandshakeType.KeyUpdate
            or TlsHandshakeType.CompressedCertificate or TlsHandshakeType.MessageHash => true,
        _ => false,
    };
}
