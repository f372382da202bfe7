using System.CommandLine;
using System.Globalization;
using Assay.Store;

namespace Assay.Cli;

/// <summary>The packet-store options shared by <c>analyze</c> and <c>sense</c>: every packet is recorded into DIR/packets unless <c>--no-record</c>.</summary>
internal sealed class RecordOptions
{
    private readonly Option<bool> _noRecord = new("--no-record") { Description = "Do not record packets into DIR/packets (events only)." };

    private readonly Option<string> _segmentSize = new("--segment-size")
    {
        Description = "Close a pcap segment at this size (e.g. 256M, 1G; default 1G).",
    };

    private readonly Option<string> _retentionSize = new("--retention-size")
    {
        Description = "Keep at most this many bytes of packets; the oldest segments go first (e.g. 500G).",
    };

    private readonly Option<string> _retentionAge = new("--retention-age")
    {
        Description = "Drop segments older than this (e.g. 7d, 12h).",
    };

    private readonly Option<string> _keepAlerts = new("--keep-alerts")
    {
        Description = "Segments holding flows with alerts or miner verdicts are kept up to this age, past the other limits (e.g. 90d).",
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_noRecord);
        command.Options.Add(_segmentSize);
        command.Options.Add(_retentionSize);
        command.Options.Add(_retentionAge);
        command.Options.Add(_keepAlerts);
    }

    /// <summary>The store's options, or null with <c>--no-record</c>; an error message for a bad value.</summary>
    public PacketStoreOptions? Parse(ParseResult parse, out string? error)
    {
        error = null;
        if (parse.GetValue(_noRecord))
            return null;
        var options = new PacketStoreOptions();
        if (parse.GetValue(_segmentSize) is { } segment)
        {
            if (!TryParseSize(segment, out long bytes) || bytes < PacketStore.MinSegmentBytes || bytes > PacketStore.MaxSegmentLimit)
            {
                error = $"--segment-size {segment}: expected a size between 64K and 4G such as 256M or 1G";
                return null;
            }

            options = options with { MaxSegmentBytes = bytes };
        }

        if (parse.GetValue(_retentionSize) is { } total)
        {
            if (!TryParseSize(total, out long bytes))
            {
                error = $"--retention-size {total}: expected a size such as 500G";
                return null;
            }

            options = options with { MaxTotalBytes = bytes };
        }

        if (parse.GetValue(_retentionAge) is { } age)
        {
            if (!TryParseAge(age, out TimeSpan span))
            {
                error = $"--retention-age {age}: expected an age such as 7d or 12h";
                return null;
            }

            options = options with { MaxAge = span };
        }

        if (parse.GetValue(_keepAlerts) is { } keep)
        {
            if (!TryParseAge(keep, out TimeSpan span))
            {
                error = $"--keep-alerts {keep}: expected an age such as 90d";
                return null;
            }

            options = options with { PinnedMaxAge = span };
        }

        return options;
    }

    /// <summary><c>123</c>, <c>64K</c>, <c>256M</c>, <c>1G</c>, <c>2T</c> (powers of 1024).</summary>
    public static bool TryParseSize(string text, out long bytes)
    {
        bytes = 0;
        text = text.Trim();
        if (text.Length == 0)
            return false;
        int shift = char.ToUpperInvariant(text[^1]) switch { 'K' => 10, 'M' => 20, 'G' => 30, 'T' => 40, _ => 0 };
        string digits = shift == 0 ? text : text[..^1];
        if (!long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out long value) || value <= 0 || value > long.MaxValue >> shift)
            return false;
        bytes = value << shift;
        return true;
    }

    /// <summary><c>30s</c>, <c>15m</c>, <c>12h</c>, <c>7d</c>.</summary>
    public static bool TryParseAge(string text, out TimeSpan age)
    {
        age = default;
        text = text.Trim();
        if (text.Length < 2 || !int.TryParse(text.AsSpan(0, text.Length - 1), NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value <= 0)
            return false;
        age = char.ToLowerInvariant(text[^1]) switch
        {
            's' => TimeSpan.FromSeconds(value),
            'm' => TimeSpan.FromMinutes(value),
            'h' => TimeSpan.FromHours(value),
            'd' => TimeSpan.FromDays(value),
            _ => default,
        };
        return age > TimeSpan.Zero;
    }
}
