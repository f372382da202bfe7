using System.Buffers.Binary;
using System.Net;
using System.Text;
using Assay.Synthesis.Payloads;

namespace Assay.Synthesis.Tests.Payloads;

public class DnsMessageBuilderTests
{
    /// <summary>Reads a (possibly compressed) name; returns it and the offset just past it in the original position.</summary>
    private static (string Name, int Next, int Pointers) ReadName(byte[] message, int offset)
    {
        var labels = new List<string>();
        int next = -1;
        int pointers = 0;
        while (true)
        {
            byte length = message[offset];
            if (length == 0)
            {
                if (next < 0)
                    next = offset + 1;
                break;
            }

            if ((length & 0xC0) == 0xC0)
            {
                if (next < 0)
                    next = offset + 2;
                int target = BinaryPrimitives.ReadUInt16BigEndian(message.AsSpan(offset)) & 0x3FFF;
                Assert.True(target < offset, "pointers point backwards");
                offset = target;
                pointers++;
                continue;
            }

            labels.Add(Encoding.ASCII.GetString(message, offset + 1, length));
            offset += 1 + length;
        }

        return (string.Join('.', labels), next, pointers);
    }

    [Fact]
    public void QueryHasTheRfc1035Layout()
    {
        byte[] query = DnsMessageBuilder.Query(0xABCD, "www.example.com");
        byte[] expected =
        [
            0xAB, 0xCD, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0,
            3, (byte)'w', (byte)'w', (byte)'w', 7, (byte)'e', (byte)'x', (byte)'a', (byte)'m', (byte)'p', (byte)'l', (byte)'e',
            3, (byte)'c', (byte)'o', (byte)'m', 0, 0, 1, 0, 1,
        ];
        Assert.Equal(expected, query);
    }

    [Fact]
    public void ResponseNamesCompressToEarlierOccurrences()
    {
        byte[] response = DnsMessageBuilder.Response(7, "www.example.com", DnsType.A,
        [
            DnsRecord.CName("www.example.com", "edge.cdn.example.com", 60),
            DnsRecord.A("edge.cdn.example.com", IPAddress.Parse("203.0.113.10")),
            DnsRecord.A("edge.cdn.example.com", IPAddress.Parse("203.0.113.11")),
        ]);

        Assert.Equal(0x8180, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(2)));
        Assert.Equal(3, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(6)));
        (string question, int offset, _) = ReadName(response, 12);
        Assert.Equal("www.example.com", question);
        offset += 4;

        var names = new List<(string, int)>();
        for (int i = 0; i < 3; i++)
        {
            (string owner, int next, int pointers) = ReadName(response, offset);
            names.Add((owner, pointers));
            ushort type = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(next));
            ushort rdLength = BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(next + 8));
            int rdata = next + 10;
            if (type == (ushort)DnsType.CName)
            {
                (string target, int end, int targetPointers) = ReadName(response, rdata);
                Assert.Equal("edge.cdn.example.com", target);
                Assert.Equal(1, targetPointers); // "example.com" points into the question
                Assert.Equal(rdata + rdLength, end);
            }
            else
            {
                Assert.Equal(4, rdLength);
            }

            offset = rdata + rdLength;
        }

        Assert.Equal(response.Length, offset);
        // The A owners point at the CNAME target, which itself points into the question: two hops.
        Assert.Equal([("www.example.com", 1), ("edge.cdn.example.com", 2), ("edge.cdn.example.com", 2)], names);
        Assert.Equal(0xC00C, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(33))); // first answer owner → offset 12

        var uncompressed = new DnsMessageBuilder { Id = 7, IsResponse = true, Compress = false }.Question("www.example.com")
            .Answer(DnsRecord.CName("www.example.com", "edge.cdn.example.com")).Build();
        Assert.DoesNotContain(uncompressed.Where((_, i) => i + 1 < uncompressed.Length && (uncompressed[i] & 0xC0) == 0xC0 && uncompressed[i] != 0xFF), _ => true);
        Assert.True(uncompressed.Length > response.Length - 32);
    }

    [Fact]
    public void AaaaAndEdnsAreWritten()
    {
        byte[] response = new DnsMessageBuilder { Id = 1, IsResponse = true, EdnsUdpPayloadSize = 1232 }
            .Question("v6.example", DnsType.Aaaa)
            .Answer(DnsRecord.Aaaa("v6.example", IPAddress.Parse("2001:db8::10")))
            .Build();
        Assert.Equal(1, BinaryPrimitives.ReadUInt16BigEndian(response.AsSpan(10)));
        Assert.Equal(IPAddress.Parse("2001:db8::10").GetAddressBytes(), response.AsSpan(response.Length - 11 - 16, 16).ToArray());
        Assert.Equal([0, 0, 41, 0x04, 0xD0, 0, 0, 0, 0, 0, 0], response[^11..]);
    }
}
