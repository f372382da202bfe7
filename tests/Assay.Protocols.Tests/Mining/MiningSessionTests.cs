using System.Text;
using Assay.Decoding;
using Assay.Protocols.Mining;

namespace Assay.Protocols.Tests.Mining;

/// <summary>Dialects from small verbatim excerpts of real sessions, plus the shapes the captures do not carry.</summary>
public class MiningSessionTests
{
    private const long Second = 1_000_000_000;

    private static MiningSession Feed(params (string Json, bool FromClient, double Seconds)[] texts)
    {
        var session = new MiningSession();
        long packet = 0;
        foreach ((string json, bool fromClient, double seconds) in texts)
        {
            AnomalySet anomalies = default;
            session.OnMessage(Encoding.UTF8.GetBytes(json), fromClient, (long)(seconds * Second), ++packet, ref anomalies);
            Assert.Equal(0, anomalies.Count);
        }

        return session;
    }

    [Theory]
    [InlineData("1be8b401", 150)]
    [InlineData("c1166c01", 180)]
    [InlineData("99999901", 160)]
    [InlineData("dd240601", 250)]
    [InlineData("37894100", 1000)]
    [InlineData("ffffffff", 1)]
    public void CryptoNoteFourByteTargetsAreLittleEndian(string target, double difficulty)
    {
        Assert.True(MiningTarget.TryCryptoNoteDifficulty(Encoding.ASCII.GetBytes(target), out double d));
        Assert.Equal(difficulty, d);
    }

    [Fact]
    public void CryptoNoteEightByteTargetsAreSixtyFourBit()
    {
        // XMRig: target64 = 0xFFFFFFFFFFFFFFFF / difficulty, written little-endian.
        ulong target = ulong.MaxValue / 1_000_000;
        string hex = Convert.ToHexStringLower(BitConverterFree(target));
        Assert.True(MiningTarget.TryCryptoNoteDifficulty(Encoding.ASCII.GetBytes(hex), out double d));
        Assert.Equal(1_000_000, d);
        Assert.False(MiningTarget.TryCryptoNoteDifficulty("00000000"u8, out _));
        Assert.False(MiningTarget.TryCryptoNoteDifficulty("zz000000"u8, out _));

        static byte[] BitConverterFree(ulong value)
        {
            var bytes = new byte[8];
            System.Buffers.Binary.BinaryPrimitives.WriteUInt64LittleEndian(bytes, value);
            return bytes;
        }
    }

    [Fact]
    public void BitcoinStratumSessionFromZeek()
    {
        // zeek-cryptomining bitcoin-mining.pcap (bfgminer 5.2.0), with two shares added to have a rate.
        MiningSession s = Feed(
            ("{\"id\": 1, \"method\": \"mining.subscribe\", \"params\": [\"bfgminer/5.2.0\", \"1\"]}", true, 0),
            ("{\"result\":[[[\"mining.notify\",\"1\"],[\"mining.set_difficulty\",\"2\"]],\"00b61738\",4],\"error\":null,\"id\":1}", false, 0.1),
            ("{\"id\": \"auth\", \"method\": \"mining.authorize\", \"params\": [\"broatcast.rig7\", \"123\"]}", true, 0.2),
            ("{\"result\":true,\"error\":null,\"id\":\"auth\"}", false, 0.3),
            ("{\"method\":\"mining.set_difficulty\",\"params\":[4096],\"id\":1}", false, 0.4),
            ("{\"params\": [\"broatcast.rig7\", \"274a-1\", \"00000000\", \"5a6f8c38\", \"0a3b1c2d\"], \"id\": 7, \"method\": \"mining.submit\"}", true, 10),
            ("{\"result\":true,\"error\":null,\"id\":7}", false, 10.1),
            ("{\"params\": [\"broatcast.rig7\", \"274a-1\", \"00000001\", \"5a6f8c38\", \"1a3b1c2d\"], \"id\": 8, \"method\": \"mining.submit\"}", true, 20),
            ("{\"result\":null,\"error\":[23,\"Low difficulty share\",null],\"id\":8}", false, 20.1));
        Assert.True(s.IsMining);
        Assert.Equal(MiningDialect.Stratum, s.Dialect);
        Assert.Equal("bfgminer/5.2.0", s.Agent);
        Assert.Equal("broatcast", s.Login);
        Assert.Equal("rig7", s.Worker);
        Assert.Equal("123", s.Password);
        Assert.Equal(4096, s.Difficulty);
        Assert.Equal(2, s.SharesSubmitted);
        Assert.Equal(1, s.SharesAccepted);
        Assert.Equal(1, s.SharesRejected);
        Assert.Equal(9, s.MiningMessageCount);
        Assert.True(s.TryEstimateHashrate(out double rate, out string method));
        Assert.Equal(2 * 4096 * 4294967296.0 / 20, rate, 1e-6);   // from the subscribe at 0 s to the last share at 20 s
        Assert.Equal("2 shares × difficulty 4096 × 2^32 hashes over 20.0 s", method);
        Assert.Contains(s.Evidence, e => e.Kind == MiningEvidenceKind.ShareRejected && e.Sentence.Contains("Low difficulty share", StringComparison.Ordinal));
    }

    [Fact]
    public void EthereumStratumNiceHash()
    {
        // NiceHash EthereumStratum/1.0.0 as ethminer speaks it.
        MiningSession s = Feed(
            ("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"ethminer/0.19.0\",\"EthereumStratum/1.0.0\"]}", true, 0),
            ("{\"id\":1,\"result\":[[\"mining.notify\",\"ae6812eb4cd7735a302a8a9dd95cf71f\",\"EthereumStratum/1.0.0\"],\"080c\"],\"error\":null}", false, 0.1),
            ("{\"id\":2,\"method\":\"mining.authorize\",\"params\":[\"0x9c99d212f7e5daa18ab50810e0fd255d1f04303b.rig1\",\"x\"]}", true, 0.2),
            ("{\"id\":2,\"result\":true,\"error\":null}", false, 0.3),
            ("{\"id\":null,\"method\":\"mining.set_difficulty\",\"params\":[0.5]}", false, 0.4),
            ("{\"id\":null,\"method\":\"mining.notify\",\"params\":[\"bf0488aa\",\"abad8f99f3918bf903c6a909d9bbc0fdfa5a2f4b9cb1196175ec825c6610126c\",\"645cf20198c2f3861e947d4f67e3ab63b7b2e24dcc9095bd9123e7b33371f6cc\",true]}", false, 0.5),
            ("{\"id\":4,\"method\":\"mining.submit\",\"params\":[\"0x9c99d212f7e5daa18ab50810e0fd255d1f04303b.rig1\",\"bf0488aa\",\"6a909d9bbc0f\"]}", true, 5),
            ("{\"id\":4,\"result\":true,\"error\":null}", false, 5.1));
        Assert.True(s.IsMining);
        Assert.Equal(MiningDialect.EthereumStratum, s.Dialect);
        Assert.Equal("ethminer/0.19.0", s.Agent);
        Assert.Equal("0x9c99d212f7e5daa18ab50810e0fd255d1f04303b", s.Login);
        Assert.Equal("rig1", s.Worker);
        Assert.Equal(0.5, s.Difficulty);
        Assert.Equal(1, s.Jobs);
        Assert.Equal(1, s.SharesAccepted);
    }

    [Fact]
    public void ZcashSubscribeWithHostAndPortAndSetTarget()
    {
        // nesfit zec-eu1.nanopool.org.pcapng, first lines verbatim.
        MiningSession s = Feed(
            ("{\"id\": 1, \"method\": \"mining.subscribe\", \"params\": [\"equihashminer\", null, \"zec-eu1.nanopool.org\", \"6666\"]}", true, 0),
            ("{\"id\":1,\"result\":[null,\"e66c000000000000bbb0a52bb340bc35\"],\"error\":null}", false, 0.1),
            ("{\"id\":0,\"params\":[\"0004189300000000000000000000000000000000000000000000000000000000\"],\"method\":\"mining.set_target\"}", false, 0.2));
        Assert.Equal(MiningDialect.ZcashStratum, s.Dialect);
        Assert.Equal(4294967296.0 / 0x41893, s.Difficulty!.Value, 1e-6);
    }

    [Fact]
    public void GetworkAndBitcoinGetBlockTemplateOverHttp()
    {
        // zeek-cryptomining bitcoin-mining.pcap request bodies.
        MiningSession getwork = Feed(
            ("{\"method\": \"getwork\", \"params\": [], \"id\":0}", true, 0),
            ("{\"result\":{\"data\":\"00000002ad38cde8\",\"target\":\"ffffffffffffffffffffffffffffffffffffffffffffffffffffffff00000000\"},\"error\":null,\"id\":0}", false, 0.1),
            ("{\"method\": \"getwork\", \"params\": [\"00000002ad38cde8ffff\"], \"id\":1}", true, 9),
            ("{\"result\":true,\"error\":null,\"id\":1}", false, 9.1));
        Assert.Equal(MiningDialect.Getwork, getwork.Dialect);
        Assert.Equal(1, getwork.Jobs);
        Assert.Equal(1, getwork.SharesSubmitted);
        Assert.Equal(1, getwork.SharesAccepted);

        MiningSession gbt = Feed(
            ("{\"id\": 0, \"method\": \"getblocktemplate\", \"params\": [{\"capabilities\": [\"coinbasetxn\", \"workid\", \"longpoll\"], \"maxversion\": 4}]}", true, 0),
            ("{\"id\":0,\"result\":null,\"error\":[20,\"Parse error\",null]}", false, 0.1));
        Assert.True(gbt.IsMining);
        Assert.Equal(MiningDialect.GetBlockTemplate, gbt.Dialect);
        Assert.Equal(2, gbt.MiningMessageCount);
    }

    [Fact]
    public void CoinHiveClientMessagesAndErrors()
    {
        // The browser side of the CoinHive protocol (masked on the wire in the lab capture).
        MiningSession s = Feed(
            ("{\"type\":\"auth\",\"params\":{\"site_key\":\"4ANE6dnmoBgL8ose\",\"type\":\"anonymous\",\"user\":null,\"goal\":0}}", true, 0),
            ("{\"type\":\"authed\",\"params\":{\"token\":\"\",\"hashes\":0}}", false, 0.1),
            ("{\"type\":\"job\",\"params\":{\"blob\":\"0a0aeddba3d806\",\"job_id\":\"a9fdc5f80001\",\"target\":\"37894100\"}}", false, 0.2),
            ("{\"type\":\"submit\",\"params\":{\"job_id\":\"a9fdc5f80001\",\"nonce\":\"618260e8\",\"result\":\"b6600cdc6b47e8d3\"}}", true, 4),
            ("{\"type\":\"hash_accepted\",\"params\":{\"hashes\":1}}", false, 4.1),
            ("{\"type\":\"error\",\"params\":{\"error\":\"invalid_job_id\"}}", false, 5));
        Assert.Equal(MiningDialect.CoinHive, s.Dialect);
        Assert.Equal("4ANE6dnmoBgL8ose", s.Login);
        Assert.Equal(1000, s.Difficulty);
        Assert.Equal(1, s.SharesSubmitted);
        Assert.Equal(1, s.SharesAccepted);
        Assert.Equal(6, s.MiningMessageCount);
    }

    [Fact]
    public void IdsOfAnyTypeWhitespaceFieldOrderAndEscapesDoNotMatter()
    {
        MiningSession s = Feed(
            ("  {\n  \"params\" : {\n    \"algo\" : [ \"rx\\/0\" ],\n    \"pass\":\"x\",\n    \"login\" : \"w\\u0061llet\"\n  },\n  \"\\u006dethod\" : \"login\",\n  \"id\" : \"a-1\"\n}\n", true, 0),
            ("{\"result\":{\"status\":\"OK\",\"job\":{\"target\":\"1be8b401\",\"extra\":[1,{\"x\":2}],\"job_id\":\"j1\",\"blob\":\"0101\"},\"id\":\"s\"},\"error\":null,\"id\":\"a-1\"}", false, 0.1),
            ("{\"params\":{\"result\":\"00ff\",\"nonce\":\"0a000000\",\"job_id\":\"j1\",\"id\":\"s\"},\"method\":\"submit\",\"id\":2.5}", true, 1),
            ("{\"id\":2.5,\"error\":null,\"result\":{\"status\":\"OK\"}}", false, 1.1),
            ("{\"id\":null,\"method\":\"submit\",\"params\":{\"id\":\"s\",\"job_id\":\"j1\",\"nonce\":\"0b000000\",\"result\":\"00ff\"}}", true, 2),
            ("{\"id\":null,\"jsonrpc\":\"2.0\",\"method\":\"mining.unknown_thing\",\"params\":[]}", false, 3));
        Assert.True(s.IsMining);
        Assert.Equal("wallet", s.Login);
        Assert.Equal(["rx/0"], s.Algorithms);
        Assert.Equal(2, s.SharesSubmitted);
        Assert.Equal(1, s.SharesAccepted);
        Assert.Equal(150, s.Difficulty);
        Assert.Equal(6, s.MiningMessageCount);
    }

    [Fact]
    public void RejectionsAsArraysObjectsAndFalse()
    {
        MiningSession s = Feed(
            ("{\"id\":1,\"method\":\"mining.submit\",\"params\":[\"w\",\"j\",\"00\",\"01\",\"02\"]}", true, 1),
            ("{\"id\":1,\"result\":null,\"error\":[21,\"Job not found\",null]}", false, 1.1),
            ("{\"id\":2,\"method\":\"mining.submit\",\"params\":[\"w\",\"j\",\"00\",\"01\",\"03\"]}", true, 2),
            ("{\"id\":2,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1,\"message\":\"Low difficulty share\"}}", false, 2.1),
            ("{\"id\":3,\"method\":\"mining.submit\",\"params\":[\"w\",\"j\",\"00\",\"01\",\"04\"]}", true, 3),
            ("{\"id\":3,\"result\":false,\"error\":null}", false, 3.1),
            ("{\"id\":4,\"method\":\"submit\",\"params\":{\"id\":\"s\",\"job_id\":\"j\",\"nonce\":\"0a000000\",\"result\":\"ff\"}}", true, 4),
            ("{\"id\":4,\"jsonrpc\":\"2.0\",\"error\":{\"code\":-1,\"message\":\"Duplicate share\"}}", false, 4.1));
        Assert.Equal(4, s.SharesSubmitted);
        Assert.Equal(0, s.SharesAccepted);
        Assert.Equal(4, s.SharesRejected);
    }

    [Fact]
    public void MidSessionCaptureRecognisesPushesWithoutALogin()
    {
        MiningSession s = Feed(
            ("{\"jsonrpc\":\"2.0\",\"method\":\"job\",\"params\":{\"blob\":\"0606e898\",\"job_id\":\"652010620664805\",\"target\":\"dc460300\"}}", false, 0),
            ("{\"id\":9,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"status\":\"OK\"}}", false, 1));
        Assert.True(s.IsMining);
        Assert.Equal(2, s.MiningMessageCount);
        Assert.Equal(0, s.SharesAccepted);   // an unmatched OK is not counted as a share
    }

    [Fact]
    public void BareLoginIsACandidateUntilTheJobArrives()
    {
        var s = new MiningSession();
        AnomalySet a = default;
        Assert.False(s.OnMessage("{\"id\":1,\"method\":\"login\",\"params\":{\"login\":\"bob\",\"pass\":\"x\"}}"u8, true, 1, 1, ref a));
        Assert.False(s.IsMining);
        Assert.Equal(0, s.MiningMessageCount);
        Assert.True(s.OnMessage("{\"id\":1,\"jsonrpc\":\"2.0\",\"error\":null,\"result\":{\"id\":\"x\",\"job\":{\"blob\":\"0a0a\",\"job_id\":\"1\",\"target\":\"37894100\"},\"status\":\"OK\"}}"u8, false, 2, 2, ref a));
        Assert.True(s.IsMining);
        Assert.Equal(2, s.MiningMessageCount);
        Assert.Equal(1, s.FirstSeen);
        Assert.Equal(MiningDialect.CryptoNote, s.Dialect);
    }

    /// <summary>Generic names with other shapes, as the lab MANIFEST describes the benign services, and a few more.</summary>
    [Theory]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"agent.register\",\"params\":{\"hostname\":\"web-3\",\"agent\":\"fleetd-agent/2.4.1\"}}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":1,\"error\":null,\"result\":{\"id\":\"6ad33eed-64d8-48be-9ec4-16fe6fa0859b\",\"status\":\"OK\",\"interval\":5}}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":2,\"error\":null,\"result\":{\"status\":\"OK\"}}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"heartbeat\",\"params\":{\"seq\":1}}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"config.changed\",\"params\":{\"revision\":42}}")]
    [InlineData("{\"type\":\"hello\",\"nick\":\"alice\",\"client\":\"tinychat/0.4\"}")]
    [InlineData("{\"type\":\"auth\",\"params\":{\"user\":\"alice\",\"password\":\"x\"}}")]
    [InlineData("{\"type\":\"job\",\"params\":{\"id\":7,\"name\":\"backup\"}}")]
    [InlineData("{\"type\":\"submit\",\"params\":{\"form\":\"contact\"}}")]
    [InlineData("{\"method\":\"job\",\"params\":{\"job_id\":\"nightly\",\"target\":\"prod\"}}")]
    [InlineData("{\"method\":\"submit\",\"params\":{\"job_id\":\"1\",\"nonce\":\"abc-123\",\"result\":\"ok\"}}")]
    [InlineData("{\"method\":\"login\",\"params\":{\"login\":\"alice\",\"pass\":\"secret\",\"agent\":\"chat/1.0\"}}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":3,\"method\":\"eth_blockNumber\",\"params\":[]}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"id\":3,\"result\":[\"0x1\",\"0x2\",\"0x3\"]}")]
    [InlineData("{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/didOpen\",\"params\":{\"textDocument\":{\"uri\":\"file:///a.py\",\"text\":\"mining.notify\"}}}")]
    [InlineData("[{\"method\":\"mining.subscribe\",\"params\":[]}]")]
    public void BenignShapesAreNotMining(string json)
    {
        var s = new MiningSession();
        AnomalySet a = default;
        Assert.False(s.OnMessage(Encoding.UTF8.GetBytes(json), true, 1, 1, ref a));
        Assert.False(s.OnMessage(Encoding.UTF8.GetBytes(json), false, 2, 2, ref a));
        Assert.False(s.IsMining);
        Assert.Equal(0, s.MiningMessageCount);
        Assert.Equal(0, a.Count);
    }

    [Fact]
    public void ResetEmptiesEverything()
    {
        MiningSession s = Feed(
            ("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"cgminer/3.7.2\"]}", true, 1),
            ("{\"method\":\"mining.set_difficulty\",\"params\":[8],\"id\":null}", false, 2));
        s.Reset();
        Assert.False(s.IsMining);
        Assert.Null(s.Agent);
        Assert.Null(s.Difficulty);
        Assert.Empty(s.Evidence);
        Assert.Empty(s.Algorithms);
        Assert.Equal(0, s.MessageCount);
        Assert.Equal(0, s.Changes);
        Assert.Equal(MiningDialect.None, s.Dialect);
    }

    [Fact]
    public void DialectNamesAreTheEveWords()
    {
        Assert.Equal("stratum", MiningDialectNames.Get(MiningDialect.Stratum));
        Assert.Equal("ethereum-stratum", MiningDialectNames.Get(MiningDialect.EthereumStratum));
        Assert.Equal("zcash-stratum", MiningDialectNames.Get(MiningDialect.ZcashStratum));
        Assert.Equal("cryptonote", MiningDialectNames.Get(MiningDialect.CryptoNote));
        Assert.Equal("ethproxy", MiningDialectNames.Get(MiningDialect.EthProxy));
        Assert.Equal("getwork", MiningDialectNames.Get(MiningDialect.Getwork));
        Assert.Equal("getblocktemplate", MiningDialectNames.Get(MiningDialect.GetBlockTemplate));
        Assert.Equal("coinhive", MiningDialectNames.Get(MiningDialect.CoinHive));
    }
}
