using System.Buffers.Binary;
using System.Text;

namespace Assay.Detection.Tests;

public class ElfAnalyzerTests
{
    private const string Wallet = "43DFPvju1bP4t1AjSddNLsjPbxRugXL1oBFQnheXyc5YGakVeAGCrruCTwy9ovHCUq7TjGsX2GVwL4jjHdTK6qnbDgRGxic";

    /// <summary>
    /// A small ELF file: header, <paramref name="programTypes"/> as program headers, a section table with
    /// <paramref name="sectionTypes"/>, then <paramref name="strings"/> NUL-separated.
    /// </summary>
    internal static byte[] Build(bool is64, bool big, ushort machine, ushort type, uint[] programTypes, uint[] sectionTypes, params string[] strings)
    {
        int ehsize = is64 ? 64 : 52, phentsize = is64 ? 56 : 32, shentsize = is64 ? 64 : 40;
        int phoff = ehsize, shoff = phoff + (programTypes.Length * phentsize);
        int dataOff = shoff + (sectionTypes.Length * shentsize);
        byte[] data = Encoding.ASCII.GetBytes("\0" + string.Join('\0', strings) + "\0");
        var file = new byte[dataOff + data.Length];
        "\u007fELF"u8.CopyTo(file);
        file[4] = (byte)(is64 ? 2 : 1);
        file[5] = (byte)(big ? 2 : 1);
        file[6] = 1;
        void U16(int at, int v) { if (big) BinaryPrimitives.WriteUInt16BigEndian(file.AsSpan(at), (ushort)v); else BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(at), (ushort)v); }
        void U32(int at, uint v) { if (big) BinaryPrimitives.WriteUInt32BigEndian(file.AsSpan(at), v); else BinaryPrimitives.WriteUInt32LittleEndian(file.AsSpan(at), v); }
        void U64(int at, ulong v) { if (big) BinaryPrimitives.WriteUInt64BigEndian(file.AsSpan(at), v); else BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(at), v); }
        U16(16, type);
        U16(18, machine);
        U32(20, 1);
        int at = is64 ? 54 : 42;
        if (is64)
        {
            U64(32, (ulong)phoff);
            U64(40, (ulong)shoff);
        }
        else
        {
            U32(28, (uint)phoff);
            U32(32, (uint)shoff);
        }

        U16(at - 2, ehsize);
        U16(at, phentsize);
        U16(at + 2, programTypes.Length);
        U16(at + 4, shentsize);
        U16(at + 6, sectionTypes.Length);
        for (int i = 0; i < programTypes.Length; i++)
            U32(phoff + (i * phentsize), programTypes[i]);
        for (int i = 0; i < sectionTypes.Length; i++)
            U32(shoff + (i * shentsize) + 4, sectionTypes[i]);
        data.CopyTo(file, dataOff);
        return file;
    }

    [Fact]
    public void AStaticStrippedXmrigBuildIsRecognized()
    {
        // As the XMRig 6.16.0 release build: static, stripped x86-64 executable with its version, algorithms and donation pools.
        byte[] file = Build(true, false, 62, 2, [1, 1, 4], [0, 1, 3, 8],
            "XMRig 6.16.0", " built on Dec  5 2021 with GCC", "donate.v2.xmrig.com", "donate.ssl.xmrig.com", "rx/0", "cn/r", "RandomX",
            "cryptonight", "--donate-level=N", "stratum+tcp://", "stratum+ssl://pool.supportxmr.com:443", "XMRig/%s (Linux x86_64)");
        ElfInfo info = Assert.IsType<ElfInfo>(ElfAnalyzer.Analyze(file));
        Assert.Equal(("ELF64", "little", "x86-64", "executable", true, true), (info.Class, info.Endianness, info.Machine, info.Type, info.Stripped, info.StaticallyLinked));
        Assert.Equal(["xmrig", "randomx", "cryptonight", "stratum+tcp", "stratum+ssl", "donate.v2.xmrig.com", "donate.ssl.xmrig.com", "--donate-level", "cn/r", "rx/0"], info.MinerMarkers);
        Assert.Equal(["stratum+ssl://pool.supportxmr.com:443"], info.PoolUrls);
        Assert.Empty(info.Wallets);
        Assert.Equal("XMRig 6.16.0", info.MinerName);
    }

    [Fact]
    public void ADynamicNotStrippedBigEndianMipsBinaryWithAWallet()
    {
        byte[] file = Build(false, true, 8, 3, [6, 3, 1, 2], [0, 2, 3], "/lib/ld.so.1", "stratum+tcp://xmr.pool.example:3333", "-u", Wallet, "cpuminer-multi 1.3.7");
        ElfInfo info = Assert.IsType<ElfInfo>(ElfAnalyzer.Analyze(file));
        Assert.Equal(("ELF32", "big", "mips", "shared-object", false, false), (info.Class, info.Endianness, info.Machine, info.Type, info.Stripped, info.StaticallyLinked));
        Assert.Equal(["stratum+tcp://xmr.pool.example:3333"], info.PoolUrls);
        Assert.Equal([Wallet], info.Wallets);
        Assert.Equal("cpuminer-multi 1.3.7", info.MinerName);
        Assert.Equal(["stratum+tcp", "cpuminer"], info.MinerMarkers);
    }

    [Fact]
    public void AnOrdinaryBinaryHasNoMinerMarkers()
    {
        byte[] file = Build(true, false, 183, 3, [6, 3, 2], [0, 1, 11, 2], "/lib/ld-linux-aarch64.so.1", "libc.so.6", "GLIBC_2.17", "usage: ls [OPTION]... [FILE]...", "--color=auto");
        ElfInfo info = Assert.IsType<ElfInfo>(ElfAnalyzer.Analyze(file));
        Assert.Equal(("aarch64", false, false), (info.Machine, info.Stripped, info.StaticallyLinked));
        Assert.Empty(info.MinerMarkers);
        Assert.Empty(info.PoolUrls);
        Assert.Null(info.MinerName);
    }

    [Theory]
    [InlineData("")]
    [InlineData("#!/bin/sh\n")]
    [InlineData("MZ\x90\0")]
    [InlineData("\x7f" + "EL")]
    public void NotElfIsNull(string head) => Assert.Null(ElfAnalyzer.Analyze(Encoding.Latin1.GetBytes(head)));

    [Fact]
    public void HeadersPointingOutsideTheFileAreStrippedAndStatic()
    {
        byte[] file = Build(true, false, 62, 2, [3], [2], "xmrig");
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(32), ulong.MaxValue);   // e_phoff
        BinaryPrimitives.WriteUInt64LittleEndian(file.AsSpan(40), 0x7FFF_FFFF_FFFF); // e_shoff
        BinaryPrimitives.WriteUInt16LittleEndian(file.AsSpan(56), 0xFFFF);          // e_phnum
        ElfInfo info = Assert.IsType<ElfInfo>(ElfAnalyzer.Analyze(file));
        Assert.True(info.Stripped);
        Assert.True(info.StaticallyLinked);
        Assert.Equal(["xmrig"], info.MinerMarkers);
    }

    [Fact]
    public void EveryTruncationOfAValidFileIsAnalyzedWithoutThrowing()
    {
        byte[] file = Build(true, false, 62, 2, [1, 3], [0, 2], "XMRig 6.16.0", "stratum+tcp://a.b:1", Wallet);
        for (int length = 0; length <= file.Length; length++)
        {
            ElfInfo? info = ElfAnalyzer.Analyze(file.AsSpan(0, length));
            Assert.Equal(length >= 4, info is not null);
            if (length is >= 4 and < 64)
                Assert.Equal("truncated", info!.Machine);
        }
    }

    [Fact]
    public void CorpusHasNoElfFilesToCheck()
    {
        // `find /work/shared/corpus -type f -size +1k | xargs file | grep ELF` finds none: every ELF check uses the built files above.
        if (Assay.Tests.Corpus.Root is null)
            return;
        int elves = 0;
        var head = new byte[4];
        foreach (string path in Directory.EnumerateFiles(Assay.Tests.Corpus.Root, "*", SearchOption.AllDirectories))
        {
            using FileStream stream = File.OpenRead(path);
            if (stream.Read(head) == 4 && head.SequenceEqual("\u007fELF"u8))
                elves++;
        }

        Assert.Equal(0, elves);
    }
}
