using System.Text;
using Assay.Protocols.Intel;

namespace Assay.Protocols.Tests.Intel;

/// <summary>Helpers shared by the intelligence tests.</summary>
internal static class IntelTestSupport
{
    /// <summary>IPv4 text to the mapped <see cref="UInt128"/> form (through the BCL, as an oracle independent of IntelText).</summary>
    public static UInt128 V4(string text)
    {
        byte[] bytes = System.Net.IPAddress.Parse(text).GetAddressBytes();
        Assert.Equal(4, bytes.Length);
        return new UInt128(0, 0xFFFF_0000_0000UL | ((ulong)bytes[0] << 24) | ((ulong)bytes[1] << 16) | ((ulong)bytes[2] << 8) | bytes[3]);
    }

    /// <summary>IPv6 text to <see cref="UInt128"/> through the BCL.</summary>
    public static UInt128 V6(string text)
    {
        byte[] bytes = System.Net.IPAddress.Parse(text).GetAddressBytes();
        Assert.Equal(16, bytes.Length);
        return System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    public static bool MatchDomain(this PoolIntel intel, string name, out IntelMatch match) =>
        intel.TryMatchDomain(Encoding.Latin1.GetBytes(name), out match);

    public static bool MatchDomain(this PoolIntel intel, string name) => intel.MatchDomain(name, out _);

    /// <summary>A temporary directory removed on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir()
        {
            Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "assay-intel-" + Guid.NewGuid().ToString("N"));
            Directory.CreateDirectory(Path);
        }

        public string Path { get; }

        public string Write(string name, string text)
        {
            string file = System.IO.Path.Combine(Path, name);
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
