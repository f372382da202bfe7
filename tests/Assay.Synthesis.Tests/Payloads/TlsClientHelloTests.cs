using System.Buffers.Binary;
using System.Text;
using Assay.Synthesis.Payloads;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Tests.Payloads;

public class TlsClientHelloTests
{
    private sealed record Hello(ushort Version, List<ushort> Ciphers, List<(ushort Type, byte[] Data)> Extensions);

    /// <summary>Walks record → handshake → ClientHello, asserting every length field agrees with the bytes.</summary>
    private static Hello Parse(byte[] record)
    {
        Assert.Equal(22, record[0]);
        int recordLength = BinaryPrimitives.ReadUInt16BigEndian(record.AsSpan(3));
        Assert.Equal(record.Length, 5 + recordLength);
        ReadOnlySpan<byte> hs = record.AsSpan(5);
        Assert.Equal(1, hs[0]);
        Assert.Equal(recordLength - 4, (hs[1] << 16) | BinaryPrimitives.ReadUInt16BigEndian(hs[2..]));
        ReadOnlySpan<byte> body = hs[4..];
        ushort version = BinaryPrimitives.ReadUInt16BigEndian(body);
        int offset = 34;
        offset += 1 + body[offset];
        int cipherLength = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
        var ciphers = new List<ushort>();
        for (int i = 0; i < cipherLength; i += 2)
            ciphers.Add(BinaryPrimitives.ReadUInt16BigEndian(body[(offset + 2 + i)..]));
        offset += 2 + cipherLength;
        offset += 1 + body[offset];
        int extensionsLength = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
        offset += 2;
        Assert.Equal(body.Length, offset + extensionsLength);
        var extensions = new List<(ushort, byte[])>();
        while (offset < body.Length)
        {
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(body[offset..]);
            int length = BinaryPrimitives.ReadUInt16BigEndian(body[(offset + 2)..]);
            extensions.Add((type, body.Slice(offset + 4, length).ToArray()));
            offset += 4 + length;
        }

        Assert.Equal(body.Length, offset);
        return new Hello(version, ciphers, extensions);
    }

    private static string Ja3(Hello hello)
    {
        static bool Keep(ushort v) => !TlsClientHello.IsGrease(v);
        var ext = hello.Extensions.Where(e => Keep(e.Type)).ToList();
        byte[] groups = ext.First(e => e.Type == 10).Data;
        byte[] formats = ext.First(e => e.Type == 11).Data;
        var groupList = new List<ushort>();
        for (int i = 2; i < groups.Length; i += 2)
            groupList.Add(BinaryPrimitives.ReadUInt16BigEndian(groups.AsSpan(i)));
        return string.Join(',',
            hello.Version.ToString(System.Globalization.CultureInfo.InvariantCulture),
            string.Join('-', hello.Ciphers.Where(Keep)),
            string.Join('-', ext.Select(e => e.Type)),
            string.Join('-', groupList.Where(Keep)),
            string.Join('-', formats.Skip(1)));
    }

    [Fact]
    public void OpenSslHelloHasSniAlpnAndVersionsInOrder()
    {
        byte[] record = TlsClientHello.OpenSsl("pool.example", new SeededRandom(1), "http/1.1").Build();
        Hello hello = Parse(record);
        Assert.Equal(0x0303, hello.Version);
        Assert.Equal([0, 11, 10, 16, 35, 22, 23, 13, 43, 45, 51], hello.Extensions.Select(e => e.Type));
        byte[] sni = hello.Extensions[0].Data;
        Assert.Equal("pool.example", Encoding.ASCII.GetString(sni, 5, sni.Length - 5));
        Assert.Equal([0, 9, 8, (byte)'h', (byte)'t', (byte)'t', (byte)'p', (byte)'/', (byte)'1', (byte)'.', (byte)'1'], hello.Extensions[3].Data);
        Assert.Equal([8, 3, 4, 3, 3, 3, 2, 3, 1], hello.Extensions.First(e => e.Type == 43).Data);
        Assert.Equal(
            "771,4866-4867-4865-49196-49200-159-52393-52392-52394-49195-49199-158-49188-49192-107-49187-49191-103-49162-49172-57-49161-49171-51-157-156-61-60-53-47-255,0-11-10-16-35-22-23-13-43-45-51,29-23-30-25-24,0-1-2",
            Ja3(hello));
    }

    [Fact]
    public void OpenSslHelloWithoutServerNameHasNoSniExtension()
    {
        Hello hello = Parse(TlsClientHello.OpenSsl(null, new SeededRandom(1)).Build());
        Assert.DoesNotContain(hello.Extensions, e => e.Type == 0);
        Assert.DoesNotContain(hello.Extensions, e => e.Type == 16);
    }

    [Fact]
    public void ChromeHelloHasGreaseAndIsPaddedTo512()
    {
        byte[] record = TlsClientHello.Chrome("www.example.com", new SeededRandom(2)).Build();
        Hello hello = Parse(record);
        Assert.True(record.Length - 5 >= 512);
        Assert.True(TlsClientHello.IsGrease(hello.Ciphers[0]));
        Assert.True(TlsClientHello.IsGrease(hello.Extensions[0].Type));
        Assert.Equal(21, hello.Extensions[^1].Type);
        Assert.Contains(hello.Extensions, e => e.Type == 17513);
    }

    [Fact]
    public void ServerHelloSelectsTls13()
    {
        var random = new SeededRandom(3);
        TlsClientHello client = TlsClientHello.Firefox("a.example", random);
        byte[] flight = TlsRecords.ServerFlight13(TlsServerHello.Tls13(client, random), 3000, random);
        Assert.Equal(22, flight[0]);
        int helloLength = BinaryPrimitives.ReadUInt16BigEndian(flight.AsSpan(3));
        ReadOnlySpan<byte> hello = flight.AsSpan(5, helloLength);
        Assert.Equal(2, hello[0]);
        Assert.Equal(client.SessionId, hello.Slice(4 + 35, 32).ToArray());
        Assert.True(hello.IndexOf((ReadOnlySpan<byte>)[0, 43, 0, 2, 3, 4]) > 0);
        Assert.Equal([20, 3, 3, 0, 1, 1], flight.AsSpan(5 + helloLength, 6).ToArray());
        Assert.Equal(23, flight[5 + helloLength + 6]);
    }

    [Fact]
    public void GreaseValuesAreTheRfc8701Set()
    {
        Assert.Equal(0x0A0A, TlsVersion.Grease(0));
        Assert.Equal(0xFAFA, TlsVersion.Grease(15));
        Assert.All(Enumerable.Range(0, 16), i => Assert.True(TlsClientHello.IsGrease(TlsVersion.Grease(i))));
        Assert.False(TlsClientHello.IsGrease(0x0A1A));
    }
}
