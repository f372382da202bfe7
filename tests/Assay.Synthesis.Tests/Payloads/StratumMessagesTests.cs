using System.Text;
using System.Text.Json;
using Assay.Synthesis.Payloads;
using Assay.Synthesis.Sessions;

namespace Assay.Synthesis.Tests.Payloads;

public class StratumMessagesTests
{
    private static JsonElement Line(byte[] bytes)
    {
        Assert.Equal((byte)'\n', bytes[^1]);
        Assert.Equal(-1, Array.IndexOf(bytes, (byte)'\n', 0, bytes.Length - 1));
        return JsonDocument.Parse(bytes.AsMemory(0, bytes.Length - 1)).RootElement;
    }

    [Fact]
    public void StratumV1MessagesAreNewlineDelimitedJsonRpc()
    {
        Assert.Equal("{\"id\":1,\"method\":\"mining.subscribe\",\"params\":[\"cgminer/4.10.0\"]}\n",
            Encoding.ASCII.GetString(StratumMessages.Subscribe(1, "cgminer/4.10.0")));
        Assert.Equal("mining.authorize", Line(StratumMessages.Authorize(2, "w.1", "x")).GetProperty("method").GetString());
        JsonElement notify = Line(StratumMessages.Notify("j1", "00", "01", "02", ["aa", "bb"], "20000000", "1703a30c", "65a1b2c3", true));
        Assert.Equal(9, notify.GetProperty("params").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, notify.GetProperty("id").ValueKind);
        Assert.Equal(5, Line(StratumMessages.Submit(4, "w.1", "j1", "00000001", "65a1b2c3", "deadbeef")).GetProperty("params").GetArrayLength());
        Assert.True(Line(StratumMessages.Result(4, true)).GetProperty("result").GetBoolean());
        JsonElement subscribed = Line(StratumMessages.SubscribeResult(1, "sub", "08000002", 4));
        Assert.Equal("08000002", subscribed.GetProperty("result")[1].GetString());
    }

    [Fact]
    public void XmrigMessagesCarryWalletAgentAndAlgorithms()
    {
        string wallet = AttackPayloads.MoneroWallet(new SeededRandom(5));
        Assert.Equal(95, wallet.Length);
        Assert.Equal('4', wallet[0]);

        JsonElement login = Line(XmrigMessages.Login(1, wallet, "x", "XMRig/6.21.0 (Linux x86_64) libuv/1.44.2 gcc/11.2.0", ["rx/0", "cn/r"]));
        Assert.Equal("login", login.GetProperty("method").GetString());
        Assert.Equal(wallet, login.GetProperty("params").GetProperty("login").GetString());
        Assert.Equal(2, login.GetProperty("params").GetProperty("algo").GetArrayLength());

        var job = new XmrigJob("j1", new string('0', 152), "b88d0600", "rx/0", 3_100_000, new string('a', 64));
        JsonElement result = Line(XmrigMessages.LoginResult(1, "m1", job));
        Assert.Equal("b88d0600", result.GetProperty("result").GetProperty("job").GetProperty("target").GetString());
        Assert.Equal("job", Line(XmrigMessages.Job(job, "m1")).GetProperty("method").GetString());
        Assert.Equal("submit", Line(XmrigMessages.Submit(2, "m1", "j1", "0a0b0c0d", new string('f', 64))).GetProperty("method").GetString());
        Assert.Equal("keepalived", Line(XmrigMessages.Keepalived(3, "m1")).GetProperty("method").GetString());
        Assert.Equal("OK", Line(XmrigMessages.Status(2)).GetProperty("result").GetProperty("status").GetString());
    }

    [Fact]
    public void MinerElfHasTheMagicAndTheTellTaleStrings()
    {
        byte[] elf = AttackPayloads.MinerElf(new SeededRandom(1), 64 * 1024, "xmr.pool.example:3333", "4abc");
        Assert.Equal("\u007fELF"u8.ToArray(), elf[..4]);
        foreach (string s in (string[])["xmrig", "randomx", "stratum+tcp://", "stratum+tcp://xmr.pool.example:3333"])
            Assert.True(elf.AsSpan().IndexOf(Encoding.ASCII.GetBytes(s)) > 0, s);

        string script = Encoding.ASCII.GetString(AttackPayloads.DropperScript("http://198.51.100.77", "kworkerd", "xmr.pool.example:3333", "4abc"));
        foreach (string s in (string[])["pkill", "crontab", "chattr +i", "curl -s", "xmr.pool.example:3333"])
            Assert.Contains(s, script, StringComparison.Ordinal);
    }
}
