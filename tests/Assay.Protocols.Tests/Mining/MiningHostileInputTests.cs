using System.Text;
using Assay.Decoding;
using Assay.Protocols.Mining;
using Xunit.Abstractions;

namespace Assay.Protocols.Tests.Mining;

/// <summary>Hostile input: the session never throws and its state stays within its caps (seeded, reproducible).</summary>
public class MiningHostileInputTests(ITestOutputHelper output)
{
    private static readonly string[] s_real =
    [
        "{\"id\":1,\"jsonrpc\":\"2.0\",\"method\":\"login\",\"params\":{\"login\":\"4ANE6dnmoBgL8oseLra3hUgkcDDEWYuyWRcMm2xwuENJfAyadoLcZE3JicaKW1vc5Rdc1gLQQ5e7uSYqkDDnuXiGVGu59qQ\",\"pass\":\"lab-e\",\"agent\":\"XMRig/6.16.0 (Linux x86_64) libuv/1.42.0 gcc/5.4.0\",\"rigid\":\"lab-rig-e\",\"algo\":[\"rx/0\",\"cn/1\",\"cn/2\",\"cn/r\"]}}",
        "{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"id\":\"6a1dbea9-3f2e-4550-9861-f23cd7170b1d\",\"job\":{\"blob\":\"1010aedba3d806ead4983ca1c9d31573e73af1463553720b2e27c5ed1ce8d42b00ab56c0b440fa0000005ad05fafbbb1d139ce54fc68d384af7c656312ba378778718a83944377db2296f806\",\"job_id\":\"07fe1f6e0001\",\"target\":\"1be8b401\",\"algo\":\"rx/0\",\"height\":3327845,\"seed_hash\":\"83c546883b0e24139ea10b9728030379f68455b4acfda70c511b25053ffc40ea\",\"id\":\"6a1dbea9-3f2e-4550-9861-f23cd7170b1d\"},\"extensions\":[\"algo\",\"nicehash\",\"connect\",\"tls\",\"keepalive\"],\"status\":\"OK\"}}",
        "{\"id\":2,\"jsonrpc\":\"2.0\",\"method\":\"submit\",\"params\":{\"id\":\"6a1dbea9-3f2e-4550-9861-f23cd7170b1d\",\"job_id\":\"07fe1f6e0001\",\"nonce\":\"a100005a\",\"result\":\"d99e76bf34d3d116ae7147aa4cb80d8b7ee330b98bce778a83a883061d01a200\",\"algo\":\"rx/0\"}}",
        "{\"id\":2,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":\"OK\"}}",
        "{\"id\": 1, \"method\": \"mining.subscribe\", \"params\": [\"equihashminer\", null, \"zec-eu1.nanopool.org\", \"6666\"]}",
        "{\"id\":0,\"params\":[\"1484582181\",\"04000000\",\"225ff9589d1e119708ed631987823bfb84f758d92ab81a9545c0864700000000\",\"04b9b0f549e188b5477894a109d209c59c3880d665bea0deb7995f92f48a8140\",\"0000000000000000000000000000000000000000000000000000000000000000\",\"25ed7c58\",\"83837b1c\",true],\"method\":\"mining.notify\"}",
        "{\"worker\": \"eth1.0\", \"jsonrpc\": \"2.0\", \"params\": [\"0x9c99d212f7e5daa18ab50810e0fd255d1f04303b/kvetak.worker1/ivesely@mailinator\", \"x\"], \"id\": 2, \"method\": \"eth_submitLogin\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":0,\"result\":[\"0x415559c31768833f25b6dbfbb39be72e71375e14a3a711e589696850bc9431ec\",\"0x71a56feffb6f10ea9d76e1a9464eb0abd86e4349ae98fb794923a65b650282a3\",\"0x00000000dbe6fecebdedd5beb573440e5a884d1b2fbf06fcce912adcb8d8422e\"]}",
        "{\"result\":null,\"error\":[20,\"Unknown method 'mining.get_transactions'\",null],\"id\":\"txlist26eb-2\"}",
        "{\"type\":\"hash_accepted\",\"params\":{\"hashes\":10}}",
    ];

    private static void AssertWithinCaps(MiningSession s)
    {
        Assert.InRange(s.Evidence.Count, 0, MiningSession.MaxEvidence);
        Assert.InRange(s.PendingCount, 0, MiningSession.MaxPendingRequests);
        Assert.InRange(s.Algorithms.Count, 0, MiningSession.MaxAlgorithms);
        foreach (string? field in new[] { s.Login, s.Password, s.Worker, s.Agent, s.Algorithm })
            Assert.InRange(field is null ? 0 : Encoding.UTF8.GetByteCount(field), 0, MiningSession.MaxFieldLength);
    }

    private static int Feed(MiningSession s, ReadOnlySpan<byte> bytes, bool fromClient, long time)
    {
        AnomalySet anomalies = default;
        s.OnMessage(bytes, fromClient, time, time, ref anomalies);
        return anomalies.Count;
    }

    [Fact]
    public void RandomBytesTruncationsAndBitFlipsNeverThrow()
    {
        var random = new Random(20261127);
        var session = new MiningSession();
        long time = 1, anomalies = 0;

        for (int i = 0; i < 20_000; i++)
        {
            byte[] bytes = new byte[random.Next(0, 300)];
            random.NextBytes(bytes);
            if (bytes.Length > 0 && random.Next(2) == 0)
                bytes[0] = (byte)'{';
            anomalies += Feed(session, bytes, random.Next(2) == 0, time++);
        }

        AssertWithinCaps(session);
        foreach (string text in s_real)
        {
            byte[] bytes = Encoding.UTF8.GetBytes(text);
            for (int length = 0; length <= bytes.Length; length++)
                anomalies += Feed(session, bytes.AsSpan(0, length), true, time++);
            for (int flip = 0; flip < 2_000; flip++)
            {
                byte[] mutated = (byte[])bytes.Clone();
                int flips = random.Next(1, 4);
                for (int f = 0; f < flips; f++)
                    mutated[random.Next(mutated.Length)] ^= (byte)(1 << random.Next(8));
                anomalies += Feed(session, mutated, random.Next(2) == 0, time++);
            }

            AssertWithinCaps(session);
        }

        output.WriteLine($"{session.MessageCount} texts, {anomalies} anomalies, {session.MiningMessageCount} recognised, {session.Evidence.Count} evidence, {session.PendingCount} pending");
        Assert.True(session.MessageCount > 40_000);
    }

    [Fact]
    public void DeepNestingIsCutAtMaxDepth()
    {
        var s = new MiningSession();
        AnomalySet a = default;
        byte[] deep = Encoding.ASCII.GetBytes(new string('[', 100_000));
        Assert.False(s.OnMessage(deep, true, 1, 1, ref a));
        Assert.True(a.Contains(Anomaly.MiningJsonTooDeep));

        // MaxDepth levels are fine; one more is too deep.
        a = default;
        string ok = new string('[', MiningSession.MaxDepth) + new string(']', MiningSession.MaxDepth);
        Assert.False(s.OnMessage(Encoding.ASCII.GetBytes(ok), true, 2, 2, ref a));
        Assert.Equal(0, a.Count);
        string tooDeep = new string('[', MiningSession.MaxDepth + 1) + new string(']', MiningSession.MaxDepth + 1);
        Assert.False(s.OnMessage(Encoding.ASCII.GetBytes(tooDeep), true, 3, 3, ref a));
        Assert.True(a.Contains(Anomaly.MiningJsonTooDeep));

        // Deep nesting inside a real message: dropped, named.
        a = default;
        string nested = "{\"method\":\"mining.notify\",\"params\":" + new string('[', 40) + new string(']', 40) + "}";
        Assert.False(s.OnMessage(Encoding.ASCII.GetBytes(nested), false, 4, 4, ref a));
        Assert.True(a.Contains(Anomaly.MiningJsonTooDeep));
    }

    [Theory]
    [InlineData("{\"method\":\"mining.set_difficulty\",\"params\":[1e999999]}")]
    [InlineData("{\"method\":\"mining.set_difficulty\",\"params\":[-1]}")]
    [InlineData("{\"method\":\"mining.set_difficulty\",\"params\":[123456789012345678901234567890123456789012345678901234567890]}")]
    [InlineData("{\"method\":\"mining.set_difficulty\",\"params\":[\"4096\"]}")]
    [InlineData("{\"method\":\"mining.set_target\",\"params\":[\"0000000000000000000000000000000000000000000000000000000000000000\"]}")]
    [InlineData("{\"method\":\"mining.set_target\",\"params\":[\"zz\"]}")]
    [InlineData("{\"method\":\"job\",\"params\":{\"blob\":\"00\",\"job_id\":\"1\",\"target\":\"00000000\"}}")]
    [InlineData("{\"method\":\"eth_submitHashrate\",\"params\":[\"0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\",\"0x1\"]}")]
    public void OddNumbersAndTargetsAreRecognisedButNeverBreakTheState(string json)
    {
        var s = new MiningSession();
        AnomalySet a = default;
        Assert.True(s.OnMessage(Encoding.UTF8.GetBytes(json), false, 1, 1, ref a));
        Assert.True(s.Difficulty is null || (double.IsFinite(s.Difficulty.Value) && s.Difficulty > 0));
    }

    [Fact]
    public void InvalidJsonAndNotJsonAreNamed()
    {
        var s = new MiningSession();
        AnomalySet a = default;
        Assert.False(s.OnMessage("GET / HTTP/1.1"u8, true, 1, 1, ref a));
        Assert.True(a.Contains(Anomaly.MiningNotJson));
        a = default;
        Assert.False(s.OnMessage("   "u8, true, 1, 1, ref a));
        Assert.True(a.Contains(Anomaly.MiningNotJson));
        a = default;
        Assert.False(s.OnMessage("{\"method\":\"mining.subscribe\",}"u8, true, 1, 1, ref a));
        Assert.True(a.Contains(Anomaly.MiningInvalidJson));
        a = default;
        Assert.False(s.OnMessage("{\"id\":1} {\"id\":2}"u8, true, 1, 1, ref a));
        Assert.True(a.Contains(Anomaly.MiningInvalidJson));
        a = default;
        byte[] badUtf8 = [.. "{\"method\":\"login\",\"params\":{\"login\":\""u8, 0xFF, 0xFE, 0xC3, .. "\",\"pass\":\"x\"}}"u8];
        s.OnMessage(badUtf8, true, 1, 1, ref a);
        Assert.Equal(5, s.MessageCount);
        Assert.False(s.IsMining);
    }

    [Fact]
    public void LongFieldsAreCutOnACharacterBoundary()
    {
        var s = new MiningSession();
        AnomalySet a = default;
        string login = new string('é', 1000);                       // two bytes each: a cut at 256 must not split one
        string agent = string.Concat(Enumerable.Repeat("\\u00e9", 500)); // escaped: unescaped through the scratch
        string algorithms = string.Join(",", Enumerable.Range(0, 200).Select(i => $"\"rx/{i}\""));
        string json = $"{{\"id\":1,\"method\":\"login\",\"params\":{{\"login\":\"{login}\",\"pass\":\"x\",\"agent\":\"{agent}\",\"algo\":[{algorithms}]}}}}";
        Assert.True(s.OnMessage(Encoding.UTF8.GetBytes(json), true, 1, 1, ref a));
        Assert.Equal(MiningSession.MaxFieldLength / 2, s.Login!.Length);
        Assert.Equal(new string('é', MiningSession.MaxFieldLength / 2), s.Login);
        Assert.Equal(new string('é', MiningSession.MaxFieldLength / 2), s.Agent);
        Assert.InRange(s.Algorithms.Count, 1, MiningSession.MaxAlgorithms);
        Assert.Equal("rx/0", s.Algorithms[0]);
        AssertWithinCaps(s);
    }

    [Fact]
    public void UnansweredRequestsAreCappedAndNamed()
    {
        var s = new MiningSession();
        int tooMany = 0;
        for (int i = 0; i < 1000; i++)
        {
            AnomalySet a = default;
            s.OnMessage(Encoding.UTF8.GetBytes($"{{\"id\":{i},\"method\":\"mining.submit\",\"params\":[\"w\",\"j\",\"00\",\"01\",\"02\"]}}"), true, i + 1, i + 1, ref a);
            tooMany += a.Contains(Anomaly.MiningTooManyPending) ? 1 : 0;
        }

        Assert.Equal(MiningSession.MaxPendingRequests, s.PendingCount);
        Assert.Equal(1000 - MiningSession.MaxPendingRequests, tooMany);

        // The newest are kept: the last request's answer still counts.
        AnomalySet b = default;
        s.OnMessage("{\"id\":999,\"result\":true,\"error\":null}"u8, false, 2000, 2000, ref b);
        Assert.Equal(1, s.SharesAccepted);
        s.OnMessage("{\"id\":0,\"result\":true,\"error\":null}"u8, false, 2001, 2001, ref b);
        Assert.Equal(1, s.SharesAccepted);
    }

    [Fact]
    public void NoAllocationForTextsThatAreNotMiningNorForASteadyMiningSession()
    {
        byte[][] benign =
        [
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"textDocument/hover\",\"params\":{\"textDocument\":{\"uri\":\"file:///home/dev/project/app/settings.py\"},\"position\":{\"line\":22,\"character\":6}}}"u8.ToArray(),
            "{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":null,\"result\":{\"status\":\"OK\"}}"u8.ToArray(),
            "{\"type\":\"msg\",\"room\":\"#ops\",\"from\":\"bob\",\"text\":\"cache node 2 restarted\",\"ts\":1795748998.249}"u8.ToArray(),
            "{\"jsonrpc\":\"2.0\",\"method\":\"agent.register\",\"params\":{\"hostname\":\"web-\\u0033\",\"agent\":\"fleetd\"}}"u8.ToArray(),
        ];
        var quiet = new MiningSession();
        AnomalySet a = default;
        int w = 0;
        global::Assay.Tests.Allocations.WarmUp(() => quiet.OnMessage(benign[w++ % benign.Length], (w & 1) == 0, w, w, ref a));   // JIT and first-use costs outside the measurement
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
            quiet.OnMessage(benign[i % benign.Length], (i & 1) == 0, i, i, ref a);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);

        var miner = new MiningSession();
        foreach (string text in s_real[..4])
            miner.OnMessage(Encoding.UTF8.GetBytes(text), text.Contains("\"method\"", StringComparison.Ordinal), 1, 1, ref a);
        byte[] submit = Encoding.UTF8.GetBytes(s_real[2]);
        byte[] accepted = Encoding.UTF8.GetBytes(s_real[3]);
        byte[] job = Encoding.UTF8.GetBytes("{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":{\"blob\":\"1010aedba3d806\",\"job_id\":\"07fe1f6e0002\",\"target\":\"1be8b401\",\"algo\":\"rx/0\",\"height\":3327846}}");
        _ = miner.Login;
        _ = miner.Algorithm;
        var twin = new MiningSession();   // warmed up instead of the measured session, whose counts are checked below
        foreach (string text in s_real[..4])
            twin.OnMessage(Encoding.UTF8.GetBytes(text), text.Contains("\"method\"", StringComparison.Ordinal), 1, 1, ref a);
        _ = twin.Login;
        _ = twin.Algorithm;
        global::Assay.Tests.Allocations.WarmUp(() =>
        {
            twin.OnMessage(submit, true, 1, 1, ref a);
            twin.OnMessage(accepted, false, 1, 1, ref a);
            twin.OnMessage(job, false, 1, 1, ref a);
        });
        before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 10_000; i++)
        {
            miner.OnMessage(submit, true, i, i, ref a);
            miner.OnMessage(accepted, false, i, i, ref a);
            if (i % 100 == 0)
                miner.OnMessage(job, false, i, i, ref a);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
        Assert.Equal(10_001, miner.SharesAccepted);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        for (int i = 0; i < 100_000; i++)
        {
            miner.OnMessage(submit, true, i, i, ref a);
            miner.OnMessage(accepted, false, i, i, ref a);
        }

        output.WriteLine($"steady state: {200_000 / clock.Elapsed.TotalSeconds:0} texts/s ({1e9 * clock.Elapsed.TotalSeconds / 200_000:0} ns per text, submit {submit.Length} B / result {accepted.Length} B), 0 bytes allocated");
    }
}
