using System.Buffers.Binary;
using System.IO.Compression;

namespace Assay.Capture;

/// <summary>Opens a capture file of whatever format its first bytes say: pcap, pcapng, or either of them gzip-compressed.</summary>
public static class CaptureFile
{
    private const int SniffLength = 4;
    private const uint PcapngMagic = 0x0A0D0D0A;
    private const int GzipBufferSize = 1 << 16;

    /// <summary>Opens <paramref name="path"/> for sequential reading.</summary>
    /// <exception cref="CaptureFormatException">The file is empty, not a capture, or its file header is bad.</exception>
    public static IPacketSource Open(string path)
    {
        // No FileStream buffer: CaptureInput reads 1 MiB at a time into its own buffer, so a second copy would only cost.
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
        return Open(file, path);
    }

    /// <summary>Reads a capture from <paramref name="stream"/>, which the returned source owns (and disposes).</summary>
    /// <param name="name">What to call the source in messages (usually the path).</param>
    /// <exception cref="CaptureFormatException">The input is empty, not a capture, or its file header is bad.</exception>
    public static IPacketSource Open(Stream stream, string name)
    {
        try
        {
            return OpenCore(stream, name, compressed: null, stream.CanSeek ? stream.Length : -1);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    private static IPacketSource OpenCore(Stream stream, string name, PrefixedStream? compressed, long length)
    {
        Span<byte> prefix = stackalloc byte[SniffLength];
        int read = ReadPrefix(stream, prefix, compressed is not null);
        prefix = prefix[..read];
        if (read == 0)
            throw new CaptureFormatException(compressed is null ? "file is empty" : "file is gzip-compressed but decompresses to nothing");

        if (read >= 2 && prefix[0] == 0x1F && prefix[1] == 0x8B)
        {
            if (compressed is not null)
                throw new CaptureFormatException("file is gzip-compressed twice, which is not read");

            // The decompressor pulls 64 KiB at a time from the file (unbuffered above) and gets the sniffed bytes first.
            var counting = new PrefixedStream(prefix, new BufferedStream(stream, GzipBufferSize));
            var gzip = new GZipStream(counting, CompressionMode.Decompress);
            try
            {
                return OpenCore(gzip, name, counting, length);
            }
            catch
            {
                gzip.Dispose();
                throw;
            }
        }

        if (read == SniffLength)
        {
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
            if (magic == PcapngMagic)
                return new PcapngReader(new CaptureInput(stream, prefix, compressed, length), name);
            if (magic is PcapWriter.MagicMicroseconds or PcapWriter.MagicNanoseconds or 0xD4C3B2A1 or 0x4D3CB2A1)
                return new PcapReader(new CaptureInput(stream, prefix, compressed, length), name);
        }

        string where = compressed is null ? "" : " inside the gzip data";
        if (read < SniffLength)
            throw new CaptureFormatException($"not a pcap or pcapng file{where} (only {read} bytes: 0x{Convert.ToHexStringLower(prefix)})");
        throw new CaptureFormatException($"not a pcap or pcapng file{where} (starts with 0x{Convert.ToHexStringLower(prefix)})");
    }

    private static int ReadPrefix(Stream stream, Span<byte> prefix, bool gzip)
    {
        if (!gzip)
            return stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        try
        {
            return stream.ReadAtLeast(prefix, prefix.Length, throwOnEndOfStream: false);
        }
        catch (InvalidDataException e)
        {
            throw new CaptureFormatException("file is gzip-compressed but the compressed data is corrupt", e);
        }
    }
}
