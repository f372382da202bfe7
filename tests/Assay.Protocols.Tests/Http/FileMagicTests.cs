using System.Text;
using Assay.Protocols.Http;

namespace Assay.Protocols.Tests.Http;

public class FileMagicTests
{
    private static FileMagicType Detect(string latin1) => FileMagic.Detect(Encoding.Latin1.GetBytes(latin1));

    [Theory]
    [InlineData("\x7f" + "ELF\x02\x01\x01\0\0\0", FileMagicType.Elf64Lsb)]
    [InlineData("\x7f" + "ELF\x01\x01\x01\0\0\0", FileMagicType.Elf32Lsb)]
    [InlineData("\x7f" + "ELF\x02\x02\x01\0\0\0", FileMagicType.Elf64Msb)]
    [InlineData("#!/bin/sh\necho hi\n", FileMagicType.ShellScript)]
    [InlineData("#!/usr/bin/env bash\n", FileMagicType.ShellScript)]
    [InlineData("#!/usr/bin/python3\nprint(1)\n", FileMagicType.Script)]
    [InlineData("<?php echo 1; ?>", FileMagicType.Php)]
    [InlineData("\x1f\x8b\x08\0\0\0\0\0", FileMagicType.Gzip)]
    [InlineData("PK\x03\x04\x14\0\0\0", FileMagicType.Zip)]
    [InlineData("MZ\x90\0\x03\0\0\0", FileMagicType.MsDos)]
    [InlineData("%PDF-1.7\n", FileMagicType.Pdf)]
    [InlineData("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", FileMagicType.Png)]
    [InlineData("GIF89a\x04\0\x04\0", FileMagicType.Gif)]
    [InlineData("\xff\xd8\xff\xe0\0\x10JFIF", FileMagicType.Jpeg)]
    [InlineData("BZh91AY&SY", FileMagicType.Bzip2)]
    [InlineData("MSCF\0\0\0\0", FileMagicType.Cab)]
    [InlineData("  <!DOCTYPE html>\n<html>", FileMagicType.Html)]
    [InlineData("<HTML><BODY>", FileMagicType.Html)]
    [InlineData("<?xml version=\"1.0\"?><svg/>", FileMagicType.Xml)]
    [InlineData("{\n  \"origin\": \"10.0.0.1\"\n}", FileMagicType.Json)]
    [InlineData("[1, 2, 3]", FileMagicType.Json)]
    [InlineData("body { margin: 0 }\n", FileMagicType.AsciiText)]
    [InlineData("caf\xc3\xa9 au lait", FileMagicType.Utf8Text)]
    [InlineData("\0\x01\x02\x03 binary", FileMagicType.Data)]
    [InlineData("", FileMagicType.Empty)]
    public void DetectsByLeadingBytes(string head, FileMagicType expected) => Assert.Equal(expected, Detect(head));

    [Theory]
    [InlineData(0x10B, FileMagicType.Pe32)]
    [InlineData(0x20B, FileMagicType.Pe32Plus)]
    public void PortableExecutablesAreToldFromDos(int optionalMagic, FileMagicType expected)
    {
        var image = new byte[512];
        image[0] = (byte)'M';
        image[1] = (byte)'Z';
        image[0x3C] = 0x80;
        "PE\0\0"u8.CopyTo(image.AsSpan(0x80));
        image[0x80 + 24] = (byte)optionalMagic;
        image[0x80 + 25] = (byte)(optionalMagic >> 8);
        Assert.Equal(expected, FileMagic.Detect(image));
    }

    [Fact]
    public void APeOffsetOutsideTheSniffedBytesIsDos()
    {
        var image = new byte[128];
        image[0] = (byte)'M';
        image[1] = (byte)'Z';
        image[0x3C] = 0xFF;
        image[0x3D] = 0xFF;
        image[0x3E] = 0xFF;
        image[0x3F] = 0xFF;
        Assert.Equal(FileMagicType.MsDos, FileMagic.Detect(image));
    }

    [Fact]
    public void AUtf8SequenceCutByTheSniffWindowIsStillText()
    {
        byte[] text = Encoding.UTF8.GetBytes(new string('é', FileMagic.SniffLength));
        Assert.Equal(FileMagicType.Utf8Text, FileMagic.Detect(text.AsSpan(0, FileMagic.SniffLength - 1)));
    }

    [Fact]
    public void EveryTypeHasADescriptionAndAMimeType()
    {
        foreach (FileMagicType type in Enum.GetValues<FileMagicType>())
        {
            Assert.False(FileMagic.Description(type).IsEmpty);
            Assert.Contains((byte)'/', FileMagic.MimeType(type).ToArray());
        }
    }
}
