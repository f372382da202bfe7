using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using System.Text.Unicode;

namespace Assay.Protocols.Http;

/// <summary>What a file's first bytes say it is (libmagic's idea, a small fixed table).</summary>
public enum FileMagicType : byte
{
    /// <summary>Nothing recognised: libmagic's <c>data</c>.</summary>
    Data,
    Empty,
    Elf32Lsb,
    Elf32Msb,
    Elf64Lsb,
    Elf64Msb,
    ShellScript,
    Script,
    Php,
    Gzip,
    Bzip2,
    Xz,
    Zip,
    SevenZip,
    Rar,
    Cab,
    Pe32,
    Pe32Plus,
    MsDos,
    Ole2,
    Pdf,
    Png,
    Gif,
    Jpeg,
    Html,
    Xml,
    Json,
    AsciiText,
    Utf8Text,
    JavaClass,
    MachO,
}

/// <summary>
/// Names a file from its first <see cref="SniffLength"/> bytes, as libmagic does for Suricata's <c>fileinfo.magic</c> and
/// Zeek's <c>mime_type</c>: binary signatures first (ELF, PE, archives, images), then text kinds (script, PHP, HTML, XML,
/// JSON, plain text). Strings are constants: nothing is allocated.
/// </summary>
public static class FileMagic
{
    /// <summary>Bytes of decoded content looked at, 1 KiB: enough for the PE header offset of ordinary executables and for
    /// telling text from binary.</summary>
    public const int SniffLength = 1024;

    private static readonly SearchValues<byte> s_textBytes = SearchValues.Create(TextBytes());

    private static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static ReadOnlySpan<byte> ElfMagic => [0x7F, (byte)'E', (byte)'L', (byte)'F'];

    private static ReadOnlySpan<byte> GzipMagic => [0x1F, 0x8B];

    private static ReadOnlySpan<byte> XzMagic => [0xFD, (byte)'7', (byte)'z', (byte)'X', (byte)'Z', 0x00];

    private static ReadOnlySpan<byte> SevenZipMagic => [(byte)'7', (byte)'z', 0xBC, 0xAF, 0x27, 0x1C];

    private static ReadOnlySpan<byte> Ole2Magic => [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];

    private static ReadOnlySpan<byte> PngMagic => [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    private static ReadOnlySpan<byte> JpegMagic => [0xFF, 0xD8, 0xFF];

    public static FileMagicType Detect(ReadOnlySpan<byte> head)
    {
        if (head.IsEmpty)
            return FileMagicType.Empty;
        if (head.Length >= 6 && head.StartsWith(ElfMagic))
        {
            bool is64 = head[4] == 2;
            bool msb = head[5] == 2;
            return (is64, msb) switch
            {
                (false, false) => FileMagicType.Elf32Lsb,
                (false, true) => FileMagicType.Elf32Msb,
                (true, false) => FileMagicType.Elf64Lsb,
                _ => FileMagicType.Elf64Msb,
            };
        }

        if (head.StartsWith("MZ"u8))
            return DetectPe(head);
        if (head.StartsWith(GzipMagic))
            return FileMagicType.Gzip;
        if (head.StartsWith("PK\x03\x04"u8) || head.StartsWith("PK\x05\x06"u8))
            return FileMagicType.Zip;
        if (head.StartsWith("BZh"u8))
            return FileMagicType.Bzip2;
        if (head.StartsWith(XzMagic))
            return FileMagicType.Xz;
        if (head.StartsWith(SevenZipMagic))
            return FileMagicType.SevenZip;
        if (head.StartsWith("Rar!\x1A\x07"u8))
            return FileMagicType.Rar;
        if (head.StartsWith("MSCF\0\0\0\0"u8))
            return FileMagicType.Cab;
        if (head.StartsWith(Ole2Magic))
            return FileMagicType.Ole2;
        if (head.StartsWith("%PDF-"u8))
            return FileMagicType.Pdf;
        if (head.StartsWith(PngMagic))
            return FileMagicType.Png;
        if (head.StartsWith("GIF87a"u8) || head.StartsWith("GIF89a"u8))
            return FileMagicType.Gif;
        if (head.StartsWith(JpegMagic))
            return FileMagicType.Jpeg;
        if (head.Length >= 8 && BinaryPrimitives.ReadUInt32BigEndian(head) == 0xCAFEBABE)
        {
            // Java class files and Mach-O fat binaries share the magic; a class file's major version is ≥ 45, a fat
            // binary's architecture count is small.
            return BinaryPrimitives.ReadUInt16BigEndian(head[6..]) >= 45 ? FileMagicType.JavaClass : FileMagicType.MachO;
        }

        if (head.Length >= 4)
        {
            uint magic = BinaryPrimitives.ReadUInt32LittleEndian(head);
            if (magic is 0xFEEDFACE or 0xFEEDFACF or 0xCEFAEDFE or 0xCFFAEDFE)
                return FileMagicType.MachO;
        }

        if (head.StartsWith("#!"u8))
            return IsShell(head[2..]) ? FileMagicType.ShellScript : FileMagicType.Script;
        if (head.StartsWith("<?php"u8) || head.StartsWith("<?PHP"u8))
            return FileMagicType.Php;
        return DetectText(head);
    }

    /// <summary>libmagic-style description, as Suricata writes <c>fileinfo.magic</c>.</summary>
    public static ReadOnlySpan<byte> Description(FileMagicType type) => type switch
    {
        FileMagicType.Empty => "empty"u8,
        FileMagicType.Elf32Lsb => "ELF 32-bit LSB"u8,
        FileMagicType.Elf32Msb => "ELF 32-bit MSB"u8,
        FileMagicType.Elf64Lsb => "ELF 64-bit LSB"u8,
        FileMagicType.Elf64Msb => "ELF 64-bit MSB"u8,
        FileMagicType.ShellScript => "POSIX shell script text executable"u8,
        FileMagicType.Script => "script text executable"u8,
        FileMagicType.Php => "PHP script text"u8,
        FileMagicType.Gzip => "gzip compressed data"u8,
        FileMagicType.Bzip2 => "bzip2 compressed data"u8,
        FileMagicType.Xz => "XZ compressed data"u8,
        FileMagicType.Zip => "Zip archive data"u8,
        FileMagicType.SevenZip => "7-zip archive data"u8,
        FileMagicType.Rar => "RAR archive data"u8,
        FileMagicType.Cab => "Microsoft Cabinet archive data"u8,
        FileMagicType.Pe32 => "PE32 executable (MS Windows)"u8,
        FileMagicType.Pe32Plus => "PE32+ executable (MS Windows)"u8,
        FileMagicType.MsDos => "MS-DOS executable"u8,
        FileMagicType.Ole2 => "Composite Document File V2 Document"u8,
        FileMagicType.Pdf => "PDF document"u8,
        FileMagicType.Png => "PNG image data"u8,
        FileMagicType.Gif => "GIF image data"u8,
        FileMagicType.Jpeg => "JPEG image data"u8,
        FileMagicType.Html => "HTML document text"u8,
        FileMagicType.Xml => "XML document text"u8,
        FileMagicType.Json => "JSON data"u8,
        FileMagicType.AsciiText => "ASCII text"u8,
        FileMagicType.Utf8Text => "UTF-8 Unicode text"u8,
        FileMagicType.JavaClass => "compiled Java class data"u8,
        FileMagicType.MachO => "Mach-O executable"u8,
        _ => "data"u8,
    };

    /// <summary>The media type libmagic/Zeek would give (<c>application/octet-stream</c> when unknown).</summary>
    public static ReadOnlySpan<byte> MimeType(FileMagicType type) => type switch
    {
        FileMagicType.Empty => "application/x-empty"u8,
        FileMagicType.Elf32Lsb or FileMagicType.Elf32Msb or FileMagicType.Elf64Lsb or FileMagicType.Elf64Msb => "application/x-executable"u8,
        FileMagicType.ShellScript => "text/x-shellscript"u8,
        FileMagicType.Script => "text/x-script"u8,
        FileMagicType.Php => "text/x-php"u8,
        FileMagicType.Gzip => "application/gzip"u8,
        FileMagicType.Bzip2 => "application/x-bzip2"u8,
        FileMagicType.Xz => "application/x-xz"u8,
        FileMagicType.Zip => "application/zip"u8,
        FileMagicType.SevenZip => "application/x-7z-compressed"u8,
        FileMagicType.Rar => "application/x-rar"u8,
        FileMagicType.Cab => "application/vnd.ms-cab-compressed"u8,
        FileMagicType.Pe32 or FileMagicType.Pe32Plus or FileMagicType.MsDos => "application/x-dosexec"u8,
        FileMagicType.Ole2 => "application/x-ole-storage"u8,
        FileMagicType.Pdf => "application/pdf"u8,
        FileMagicType.Png => "image/png"u8,
        FileMagicType.Gif => "image/gif"u8,
        FileMagicType.Jpeg => "image/jpeg"u8,
        FileMagicType.Html => "text/html"u8,
        FileMagicType.Xml => "text/xml"u8,
        FileMagicType.Json => "application/json"u8,
        FileMagicType.AsciiText or FileMagicType.Utf8Text => "text/plain"u8,
        FileMagicType.JavaClass => "application/x-java-applet"u8,
        FileMagicType.MachO => "application/x-mach-binary"u8,
        _ => "application/octet-stream"u8,
    };

    /// <summary>MZ header; e_lfanew (offset 0x3C) points at "PE\0\0", then the COFF header (20 bytes) and the optional
    /// header whose magic is 0x10B (PE32) or 0x20B (PE32+).</summary>
    private static FileMagicType DetectPe(ReadOnlySpan<byte> head)
    {
        const int LfanewOffset = 0x3C;
        const int CoffHeaderLength = 20;
        if (head.Length < LfanewOffset + 4)
            return FileMagicType.MsDos;
        uint peOffset = BinaryPrimitives.ReadUInt32LittleEndian(head[LfanewOffset..]);
        // One unsigned compare: the signature, COFF header and optional-header magic must lie inside what we sniffed.
        if (peOffset > (uint)(head.Length - (4 + CoffHeaderLength + 2)) || !head[(int)peOffset..].StartsWith("PE\0\0"u8))
            return FileMagicType.MsDos;
        ushort optionalMagic = BinaryPrimitives.ReadUInt16LittleEndian(head[((int)peOffset + 4 + CoffHeaderLength)..]);
        return optionalMagic == 0x20B ? FileMagicType.Pe32Plus : FileMagicType.Pe32;
    }

    private static bool IsShell(ReadOnlySpan<byte> interpreter)
    {
        interpreter = interpreter.TrimStart((byte)' ');
        if (interpreter.StartsWith("/usr/bin/env"u8))
            interpreter = interpreter[12..].TrimStart((byte)' ');
        else
        {
            int slash = interpreter.IndexOfAny((byte)' ', (byte)'\n');
            ReadOnlySpan<byte> path = slash < 0 ? interpreter : interpreter[..slash];
            int last = path.LastIndexOf((byte)'/');
            interpreter = last < 0 ? interpreter : interpreter[(last + 1)..];
        }

        return interpreter.StartsWith("sh"u8) || interpreter.StartsWith("bash"u8) || interpreter.StartsWith("dash"u8)
            || interpreter.StartsWith("ksh"u8) || interpreter.StartsWith("zsh"u8) || interpreter.StartsWith("ash"u8);
    }

    private static FileMagicType DetectText(ReadOnlySpan<byte> head)
    {
        ReadOnlySpan<byte> text = head.StartsWith(Utf8Bom) ? head[3..] : head;
        bool ascii = text.IndexOfAnyExcept(s_textBytes) < 0;
        bool utf8 = ascii || IsUtf8Text(text);
        if (!utf8)
            return FileMagicType.Data;

        ReadOnlySpan<byte> body = text.TrimStart(" \t\r\n\f"u8);
        if (body.StartsWith("<?xml"u8))
            return FileMagicType.Xml;
        if (IsHtml(body))
            return FileMagicType.Html;
        if (IsJson(body))
            return FileMagicType.Json;
        return ascii ? FileMagicType.AsciiText : FileMagicType.Utf8Text;
    }

    /// <summary>Valid UTF-8 without control bytes; a sequence cut by the end of the sniffed bytes is allowed.</summary>
    private static bool IsUtf8Text(ReadOnlySpan<byte> text)
    {
        if (Utf8.IsValid(text))
            return NoControls(text);
        // Trim up to three bytes of a multi-byte sequence cut at the end of the sniff window.
        for (int cut = 1; cut <= 3 && cut < text.Length; cut++)
        {
            if (Utf8.IsValid(text[..^cut]) && text[^cut] >= 0xC0)
                return NoControls(text[..^cut]);
        }

        return false;
    }

    private static bool NoControls(ReadOnlySpan<byte> text)
    {
        foreach (byte b in text)
        {
            if (b < 0x80 && !s_textBytes.Contains(b))
                return false;
        }

        return true;
    }

    private static bool IsHtml(ReadOnlySpan<byte> body)
    {
        if (body.IsEmpty || body[0] != (byte)'<')
            return false;
        return StartsWithIgnoreCase(body, "<!doctype html"u8) || StartsWithIgnoreCase(body, "<html"u8)
            || StartsWithIgnoreCase(body, "<head"u8) || StartsWithIgnoreCase(body, "<body"u8)
            || StartsWithIgnoreCase(body, "<title"u8) || StartsWithIgnoreCase(body, "<script"u8)
            || StartsWithIgnoreCase(body, "<iframe"u8) || StartsWithIgnoreCase(body, "<meta"u8)
            || StartsWithIgnoreCase(body, "<table"u8) || StartsWithIgnoreCase(body, "<h1"u8)
            || StartsWithIgnoreCase(body, "<!--"u8);
    }

    /// <summary>An object or array opening: <c>{</c> then a string or <c>}</c>; <c>[</c> then a value or <c>]</c>.</summary>
    private static bool IsJson(ReadOnlySpan<byte> body)
    {
        if (body.Length < 2 || (body[0] != (byte)'{' && body[0] != (byte)'['))
            return false;
        ReadOnlySpan<byte> rest = body[1..].TrimStart(" \t\r\n"u8);
        if (rest.IsEmpty)
            return false;
        byte next = rest[0];
        if (body[0] == (byte)'{')
            return next is (byte)'"' or (byte)'}';
        return next is (byte)'{' or (byte)'[' or (byte)'"' or (byte)']' or (byte)'-' or (byte)'t' or (byte)'f' or (byte)'n'
            || (uint)(next - '0') <= 9;
    }

    private static bool StartsWithIgnoreCase(ReadOnlySpan<byte> text, ReadOnlySpan<byte> lowerPrefix) =>
        text.Length >= lowerPrefix.Length && Ascii.EqualsIgnoreCase(text[..lowerPrefix.Length], lowerPrefix);

    /// <summary>Printable ASCII plus the whitespace and control bytes libmagic counts as text (BEL, BS, TAB, LF, VT, FF, CR, ESC).</summary>
    private static byte[] TextBytes()
    {
        var bytes = new byte[95 + 8];
        int n = 0;
        for (int b = 0x20; b < 0x7F; b++)
            bytes[n++] = (byte)b;
        foreach (byte b in "\a\b\t\n\v\f\r\e"u8)
            bytes[n++] = b;
        return bytes;
    }
}
