using Assay.Protocols.Tests.TestSupport;
using Assay.Protocols.Tls;
using Assay.Tests;
using static Assay.Protocols.Tests.TestSupport.TlsMessages;

namespace Assay.Protocols.Tests.Tls;

/// <summary>
/// Differential smoke fuzzing (runtime's Utf8JsonReaderFuzzer idea): damaged handshakes never throw, and the span path
/// and the segmented path agree on every outcome, anomaly and delivered message.
/// </summary>
public class TlsHandshakeParserFuzzTests
{
    private static byte[] Seed() => Concat(
        Record(TlsContentType.Handshake, Handshake(TlsHandshakeType.ClientHello, FoxIoClientHelloBody())[..150]),
        Record(TlsContentType.Handshake, Handshake(TlsHandshakeType.ClientHello, FoxIoClientHelloBody())[150..]),
        HandshakeRecord(TlsHandshakeType.ServerHello, ServerHelloBody(TlsVersion.Tls12, 0x1301, [Extension(0x002b, UInt16(TlsVersion.Tls13)), Alpn("h2")])),
        HandshakeRecord(TlsHandshakeType.Certificate, Vector24(Concat(Vector24(new byte[40]), Vector24(new byte[3])))),
        Record(TlsContentType.ChangeCipherSpec, [1]),
        HandshakeRecord(TlsHandshakeType.ClientHello, ClientHelloBody(TlsVersion.Tls12, [47], [ServerName("b.example")])),
        Record(TlsContentType.ApplicationData, new byte[20]));

    [Fact]
    public void MutatedHandshakesNeverThrowAndBothPathsAgree()
    {
        byte[] seed = Seed();
        var random = new Random(20261127);
        for (int round = 0; round < 3000; round++)
        {
            byte[] input = (byte[])seed.Clone();
            int edits = random.Next(1, 6);
            for (int e = 0; e < edits; e++)
            {
                int at = random.Next(input.Length);
                switch (random.Next(4))
                {
                    case 0:
                        input[at] = (byte)random.Next(256);
                        break;
                    case 1:
                        input[at] ^= (byte)(1 << random.Next(8));
                        break;
                    case 2:
                        input = input[..at];
                        break;
                    default:
                        input[at] = (byte)(random.Next(2) == 0 ? 0 : 0xFF);
                        break;
                }

                if (input.Length == 0)
                    break;
            }

            TlsRun.Outcome expected = TlsRun.Span(input);
            Assert.Equal(expected, TlsRun.Sequence(SegmentedInput.Chunks(input, 1 + random.Next(64))));
            Assert.Equal(expected, TlsRun.Sequence(new System.Buffers.ReadOnlySequence<byte>(SegmentedInput.Embedded(input))));
        }
    }
}
