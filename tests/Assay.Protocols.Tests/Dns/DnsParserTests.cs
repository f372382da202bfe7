using Assay.Decoding;
using Assay.Protocols.Dns;
using static Assay.Protocols.Tests.Dns.DnsMessageBuilder;

namespace Assay.Protocols.Tests.Dns;

public class DnsParserTests
{
    [Fact]
    public void ParsesTheHeaderFieldsAndFlags()
    {
        // QR, opcode 5 (update), AA, TC, RD, RA, Z, AD, CD, rcode 3
        byte[] message = new DnsMessageBuilder(0xABCD, 0x8000 | (5 << 11) | 0x0400 | 0x0200 | 0x0100 | 0x0080 | 0x0040 | 0x0020 | 0x0010 | 3)
            .Question("example.com", DnsRecordType.SOA).Build();
        var reader = Dns.Parse(message, out AnomalySet anomalies);
        Assert.Equal(0xABCD, reader.Id);
        Assert.True(reader.IsResponse);
        Assert.Equal(5, reader.Opcode);
        Assert.Equal(3, reader.ResponseCode);
        Assert.Equal(DnsHeaderFlags.Response | DnsHeaderFlags.AuthoritativeAnswer | DnsHeaderFlags.Truncated | DnsHeaderFlags.RecursionDesired
            | DnsHeaderFlags.RecursionAvailable | DnsHeaderFlags.Z | DnsHeaderFlags.AuthenticData | DnsHeaderFlags.CheckingDisabled, reader.Flags);
        Assert.True(reader.IsComplete);
        Assert.Equal(message.Length, reader.Length);
        Assert.Equal([Anomaly.DnsZFlagSet], Dns.List(anomalies));
    }

    [Fact]
    public void ParsesAQuery()
    {
        byte[] message = DnsSamples.Query();
        var reader = Dns.Parse(message, out AnomalySet anomalies);
        Assert.False(reader.IsResponse);
        DnsRecord q = Assert.Single(reader.Questions.ToArray());
        Assert.Equal("www.example.com", Dns.Name(message, q.NameOffset));
        Assert.Equal(DnsRecordType.A, q.Type);
        Assert.Equal(1, q.Class);
        Assert.True(q.IsQuestion);
        Assert.Equal(0, anomalies.Count);
        Assert.True(reader.Answers.IsEmpty && reader.Authorities.IsEmpty && reader.Additionals.IsEmpty);
    }

    [Fact]
    public void ParsesEveryRecordTypeItDecodes()
    {
        byte[] m = DnsSamples.EveryType();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal(0, anomalies.Count);
        Assert.True(reader.IsComplete);
        DnsRecord[] a = reader.Answers.ToArray();
        Assert.Equal(14, a.Length);
        Assert.All(a, r => Assert.True(r.IsDataValid));
        Assert.All(a, r => Assert.Equal(DnsSection.Answer, r.Section));

        Assert.True(DnsRData.TryReadAddress(m, a[0], out var v4));
        Assert.Equal(new byte[] { 192, 0, 2, 1 }, v4.ToArray());
        Assert.Equal(1u, a[0].Ttl);
        Assert.True(DnsRData.TryReadAddress(m, a[1], out var v6));
        Assert.Equal(16, v6.Length);

        Assert.Equal("www.example.com", Dns.Name(m, a[2].NameOffset));
        Assert.True(DnsRData.TryReadNameTarget(a[2], out int cname));
        Assert.Equal("example.com", Dns.Name(m, cname));
        Assert.True(DnsRData.TryReadNameTarget(a[3], out int ptr));
        Assert.Equal("host.example.com", Dns.Name(m, ptr));

        Assert.True(DnsRData.TryReadMx(m, a[4], out DnsMx mx));
        Assert.Equal(10, mx.Preference);
        Assert.Equal("mail.example.com", Dns.Name(m, mx.ExchangeOffset));
        Assert.True(DnsRData.TryReadNameTarget(a[5], out int ns));
        Assert.Equal("ns1.example.com", Dns.Name(m, ns));

        var texts = new List<string>();
        foreach (ReadOnlySpan<byte> t in DnsRData.EnumerateText(m, a[6]))
            texts.Add(System.Text.Encoding.UTF8.GetString(t));
        Assert.Equal(["v=spf1 -all", "second"], texts);

        Assert.True(DnsRData.TryReadSoa(m, a[7], out DnsSoa soa));
        Assert.Equal("ns1.example.com", Dns.Name(m, soa.MNameOffset));
        Assert.Equal("hostmaster.example.com", Dns.Name(m, soa.RNameOffset));
        Assert.Equal((2024010101u, 7200u, 900u, 1209600u, 86400u), (soa.Serial, soa.Refresh, soa.Retry, soa.Expire, soa.Minimum));

        Assert.True(DnsRData.TryReadSrv(m, a[8], out DnsSrv srv));
        Assert.Equal((10, 60, 5060), (srv.Priority, srv.Weight, srv.Port));
        Assert.Equal("sip.example.com", Dns.Name(m, srv.TargetOffset));

        Assert.True(DnsRData.TryReadSvcb(m, a[9], out DnsSvcb https));
        Assert.Equal(1, https.Priority);
        Assert.Equal("", Dns.Name(m, https.TargetOffset));
        var keys = new List<ushort>();
        foreach (DnsTlvEnumerator p in DnsRData.EnumerateParameters(m, https))
            keys.Add(p.Key);
        Assert.Equal([1, 3], keys);
        Assert.True(DnsRData.TryReadSvcb(m, a[10], out DnsSvcb svcb));
        Assert.Equal(2, svcb.Priority);
        Assert.Equal("dns.example.com", Dns.Name(m, svcb.TargetOffset));

        Assert.True(DnsRData.TryReadSshfp(m, a[11], out DnsSshfp sshfp));
        Assert.Equal((1, 1, 4), (sshfp.Algorithm, sshfp.FingerprintType, sshfp.FingerprintLength));
        Assert.Equal(DnsRecordType.NULL, a[12].Type);
        Assert.Equal(4, a[12].DataLength);

        // An unknown type is kept as type + raw length.
        Assert.Equal((DnsRecordType)65280, a[13].Type);
        Assert.Equal(5, a[13].DataLength);
        Assert.False(DnsRData.TryReadMx(m, a[13], out _));
    }

    [Fact]
    public void FollowsCompressionPointersAcrossSections()
    {
        byte[] m = DnsSamples.CompressedResponse();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal(0, anomalies.Count);
        Assert.True(reader.IsComplete);
        DnsRecord[] answers = reader.Answers.ToArray();
        Assert.Equal(3, answers.Length);
        Assert.Equal("www.example.com", Dns.Name(m, answers[0].NameOffset));
        Assert.Equal("edge.example.com", Dns.Name(m, answers[0].DataOffset));
        Assert.Equal("edge.example.com", Dns.Name(m, answers[1].NameOffset));
        Assert.Equal("example.com", Dns.Name(m, reader.Authorities[0].NameOffset));
        Assert.Equal("ns1.example.com", Dns.Name(m, reader.Authorities[0].DataOffset));
        Assert.Equal("ns1.example.com", Dns.Name(m, reader.Additionals[0].NameOffset));
        DnsRecord opt = reader.Additionals[1];
        Assert.Equal(DnsRecordType.OPT, opt.Type);
        Assert.Equal(1232, opt.Class);
        Assert.Equal("", Dns.Name(m, opt.NameOffset));
        int options = 0;
        foreach (DnsTlvEnumerator o in DnsRData.EnumerateOptions(m, opt))
        {
            Assert.Equal(10, o.Key);
            Assert.Equal(new byte[] { 0xAB, 0xCD }, o.Value.ToArray());
            options++;
        }

        Assert.Equal(1, options);
    }

    [Fact]
    public void APointerToItselfIsALoopAndTheNameStillEnds()
    {
        var b = new DnsMessageBuilder();
        b.QuestionRaw(NameWithPointer("www", 12 + 4), DnsRecordType.A); // the pointer at 16 points at 16
        b.Question("ok.example", DnsRecordType.A);
        byte[] m = b.Build();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal("www", Dns.Name(m, 12, out DnsNameFlags flags));
        Assert.True(flags.HasFlag(DnsNameFlags.PointerLoop));
        Assert.Contains(Anomaly.DnsPointerLoop, Dns.List(anomalies));
        // The wire end is known (after the pointer), so the next question is still read.
        Assert.Equal(2, reader.Questions.Length);
        Assert.Equal("ok.example", Dns.Name(m, reader.Questions[1].NameOffset));
    }

    [Fact]
    public void TwoPointersAtEachOtherAreALoop()
    {
        var b = new DnsMessageBuilder();
        int first = b.Position;                 // 12: "a" -> pointer to 19
        b.QuestionRaw(NameWithPointer("a", 19), DnsRecordType.A);     // 12..15 name, 16..19 type/class
        b.QuestionRaw(NameWithPointer("b", first), DnsRecordType.A);  // 20..23 name: "b" then a pointer to 12
        byte[] m = b.Build();
        // Point the first name's pointer at the second name (offset 20) to close the loop a -> b -> a -> ...
        m[15] = 20;
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        string name = Dns.Name(m, first, out DnsNameFlags flags);
        Assert.True(flags.HasFlag(DnsNameFlags.PointerLoop), flags.ToString());
        Assert.StartsWith("a.b.a.b", name, StringComparison.Ordinal);
        Assert.Contains(Anomaly.DnsPointerLoop, Dns.List(anomalies));
        Assert.Equal(2, reader.Questions.Length);
        Assert.True(reader.IsComplete);
    }

    [Fact]
    public void AForwardPointerIsFollowedAndFlagged()
    {
        // As Suricata's dns-forward-pointer test: the first QNAME points at the second, later in the message.
        var b = new DnsMessageBuilder();
        b.QuestionRaw(Pointer(12 + 2 + 4), DnsRecordType.A);
        b.Question("codemonkey.net", DnsRecordType.A);
        byte[] m = b.Build();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal("codemonkey.net", Dns.Name(m, reader.Questions[0].NameOffset, out DnsNameFlags flags));
        Assert.Equal(DnsNameFlags.ForwardPointer, flags);
        Assert.Equal("codemonkey.net", Dns.Name(m, reader.Questions[1].NameOffset));
        Assert.Equal([Anomaly.DnsForwardPointer], Dns.List(anomalies));
    }

    [Fact]
    public void APointerPastTheMessageIsMalformed()
    {
        byte[] m = new DnsMessageBuilder().QuestionRaw(NameWithPointer("x", 0x3FFF), DnsRecordType.A).Build();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal("x", Dns.Name(m, 12, out DnsNameFlags flags));
        Assert.Equal(DnsNameFlags.Malformed, flags);
        Assert.Contains(Anomaly.DnsMalformed, Dns.List(anomalies));
        Assert.Single(reader.Questions.ToArray());
    }

    [Theory]
    [InlineData(0x40)]
    [InlineData(0x80)]
    [InlineData(0x7F)]
    public void ReservedLabelTypesAreMalformed(byte type)
    {
        byte[] m = new DnsMessageBuilder().Raw(type, 1, 2, 3, 0, 0, 1, 0, 1).Count(DnsSection.Question, 1).Build();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.True(reader.Questions.IsEmpty);
        Assert.False(reader.IsComplete);
        Assert.Equal([Anomaly.DnsMalformed], Dns.List(anomalies));
    }

    [Fact]
    public void ALabelOf63BytesIsTheLongestThereIs()
    {
        string label = new('x', DnsParser.MaxLabelLength);
        byte[] m = DnsSamples.Query(name: label + ".com");
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal(label + ".com", Dns.Name(m, reader.Questions[0].NameOffset));
        Assert.Equal(0, anomalies.Count);
    }

    /// <summary>Owner names that each add "label." in front of the previous record's name through a pointer.</summary>
    private static byte[] GrowingNames(int records, out List<int> offsets)
    {
        var b = new DnsMessageBuilder(1, 0x8180);
        offsets = [];
        string label = new('y', 63);
        offsets.Add(b.Position);
        b.RecordRaw(DnsSection.Answer, Name("a"), DnsRecordType.A, 1, [1, 2, 3, 4]);
        for (int i = 1; i < records; i++)
        {
            int previous = offsets[^1];
            offsets.Add(b.Position);
            b.RecordRaw(DnsSection.Answer, NameWithPointer(label, previous), DnsRecordType.A, 1, [1, 2, 3, 4]);
        }

        return b.Build();
    }

    [Fact]
    public void ANameOfExactlyTheMaximumLengthIsNotTruncated()
    {
        // "a" + 16 × ".yyy…(63)" = 1 + 16 × 64 = 1025 bytes.
        byte[] m = GrowingNames(17, out List<int> offsets);
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal(0, anomalies.Count);
        string name = Dns.Name(m, offsets[16], out DnsNameFlags flags);
        Assert.Equal(DnsParser.MaxDnsNameLength, name.Length);
        Assert.Equal(DnsNameFlags.None, flags);
        Assert.EndsWith(".a", name, StringComparison.Ordinal);
        Assert.Equal(17, reader.Answers.Length);
    }

    [Fact]
    public void ALongerNameIsCutAtTheMaximumAndReported()
    {
        byte[] m = GrowingNames(20, out List<int> offsets);
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        string name = Dns.Name(m, offsets[17], out DnsNameFlags flags);
        Assert.Equal(DnsParser.MaxDnsNameLength, name.Length);
        Assert.Equal(DnsNameFlags.Truncated, flags);
        Assert.True(reader.Answers[17].NameFlags.HasFlag(DnsNameFlags.Truncated));
        Assert.Equal([Anomaly.DnsNameTooLong], Dns.List(anomalies));
        Assert.Equal(20, reader.Answers.Length);
        Assert.True(reader.IsComplete);
    }

    [Fact]
    public void MoreThan255LabelsHitsTheLabelLimitButParsingGoesOn()
    {
        var labels = new List<byte>();
        for (int i = 0; i < 300; i++)
            labels.AddRange(new byte[] { 1, (byte)'z' });
        labels.Add(0);
        byte[] m = new DnsMessageBuilder().QuestionRaw([.. labels], DnsRecordType.A).Question("next.example", DnsRecordType.A).Build();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal(2, reader.Questions.Length);
        Assert.Equal("next.example", Dns.Name(m, reader.Questions[1].NameOffset));
        Assert.True(reader.Questions[0].NameFlags.HasFlag(DnsNameFlags.LabelLimit));
        Assert.Contains(Anomaly.DnsNameLabelLimit, Dns.List(anomalies));
    }

    [Fact]
    public void RecordsBeyondTheSectionCapAreWalkedButNotKept()
    {
        var b = new DnsMessageBuilder(7, 0x8180).Question("many.example", DnsRecordType.A);
        int total = DnsMessageReader.MaxRecordsPerSection + 44;
        for (int i = 0; i < total; i++)
            b.RecordRaw(DnsSection.Answer, Pointer(12), DnsRecordType.A, 5, [10, 0, (byte)(i >> 8), (byte)i]);
        b.Record(DnsSection.Additional, "after.example", DnsRecordType.A, 1, [1, 1, 1, 1]);
        byte[] m = b.Build();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal(DnsMessageReader.MaxRecordsPerSection, reader.Answers.Length);
        Assert.Equal(44, reader.SkippedRecords);
        Assert.Equal("after.example", Dns.Name(m, Assert.Single(reader.Additionals.ToArray()).NameOffset));
        Assert.True(reader.IsComplete);
        Assert.Equal([Anomaly.DnsTooManyRecords], Dns.List(anomalies));
    }

    [Fact]
    public void MalformedRDataKeepsTheRecordWithoutItsDataAndParsingGoesOn()
    {
        byte[] m = new DnsMessageBuilder(1, 0x8180)
            .Question("x.example", DnsRecordType.A)
            .Answer("x.example", DnsRecordType.A, 1, [1, 2, 3, 4, 5])          // A must be 4 bytes
            .Answer("x.example", DnsRecordType.TXT, 1, [9, (byte)'a'])          // string runs past RDATA
            .Answer("x.example", DnsRecordType.CNAME, 1, [3, (byte)'a', (byte)'b']) // name runs past RDATA
            .Answer("x.example", DnsRecordType.A, 1, [4, 3, 2, 1])
            .Build();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        DnsRecord[] a = reader.Answers.ToArray();
        Assert.Equal(4, a.Length);
        Assert.False(a[0].IsDataValid);
        Assert.False(a[1].IsDataValid);
        Assert.False(a[2].IsDataValid);
        Assert.True(a[3].IsDataValid);
        Assert.Equal(3, reader.MalformedRecords);
        Assert.False(DnsRData.TryReadAddress(m, a[0], out _));
        Assert.True(reader.IsComplete);
        Assert.Contains(Anomaly.DnsMalformed, Dns.List(anomalies));
    }

    [Fact]
    public void CountsPromisingMoreThanThereIsGiveAPartialResult()
    {
        byte[] m = new DnsMessageBuilder(1, 0x8180).Question("x.example", DnsRecordType.A)
            .Answer("x.example", DnsRecordType.A, 1, [1, 2, 3, 4]).Count(DnsSection.Answer, 3).Build();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.False(reader.IsComplete);
        Assert.Single(reader.Answers.ToArray());
        Assert.Equal([Anomaly.DnsMessageTruncated], Dns.List(anomalies));
    }

    [Fact]
    public void AnUnassignedOpcodeIsReported()
    {
        byte[] m = new DnsMessageBuilder(1, 9 << 11).Question("suricata.io", DnsRecordType.A).Build();
        var reader = Dns.Parse(m, out AnomalySet anomalies);
        Assert.Equal(9, reader.Opcode);
        Assert.Equal([Anomaly.DnsInvalidOpcode], Dns.List(anomalies));
    }

    [Fact]
    public void FewerBytesThanAHeaderIsNotAMessage()
    {
        var reader = new DnsMessageReader();
        AnomalySet anomalies = default;
        Assert.False(DnsParser.TryParse(new byte[11], ref reader, ref anomalies));
        Assert.Equal([Anomaly.DnsMessageTruncated], Dns.List(anomalies));
    }

    public static TheoryData<string> Samples => new() { "query", "compressed", "every-type" };

    private static byte[] Sample(string name) => name switch
    {
        "query" => DnsSamples.Query(),
        "compressed" => DnsSamples.CompressedResponse(),
        _ => DnsSamples.EveryType(),
    };

    [Theory]
    [MemberData(nameof(Samples))]
    public void EveryPrefixParsesWithoutThrowingAndIsIncomplete(string sample)
    {
        byte[] full = Sample(sample);
        var reader = new DnsMessageReader();
        var name = new byte[DnsParser.MaxDnsNameLength];
        for (int length = 0; length < full.Length; length++)
        {
            byte[] prefix = full[..length];
            AnomalySet anomalies = default;
            bool parsed = DnsParser.TryParse(prefix, ref reader, ref anomalies);
            Assert.Equal(length >= DnsParser.HeaderLength, parsed);
            Assert.False(reader.IsComplete, $"prefix {length} claims completeness");
            Assert.True(anomalies.Count > 0, $"prefix {length} raised nothing");
            // Everything kept must be readable.
            foreach (DnsRecord r in reader.Records)
                DnsParser.ReadName(prefix, r.NameOffset, name, out _);
        }
    }

    [Fact]
    public void RandomDamageNeverThrows()
    {
        var random = new Random(1035);
        byte[][] samples = [DnsSamples.Query(), DnsSamples.CompressedResponse(), DnsSamples.EveryType()];
        var reader = new DnsMessageReader();
        var name = new byte[DnsParser.MaxDnsNameLength];
        for (int i = 0; i < 20_000; i++)
        {
            byte[] m = (byte[])samples[i % samples.Length].Clone();
            int flips = 1 + random.Next(8);
            for (int f = 0; f < flips; f++)
                m[random.Next(m.Length)] = (byte)random.Next(256);
            AnomalySet anomalies = default;
            _ = DnsParser.TryParse(m, ref reader, ref anomalies);
            foreach (DnsRecord r in reader.Records)
            {
                DnsParser.ReadName(m, r.NameOffset, name, out _);
                DnsRData.TryReadSoa(m, r, out _);
                DnsRData.TryReadSvcb(m, r, out _);
                foreach (ReadOnlySpan<byte> t in DnsRData.EnumerateText(m, r))
                    _ = t.Length;
            }
        }
    }
}
