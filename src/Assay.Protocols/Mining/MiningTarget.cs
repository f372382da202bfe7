namespace Assay.Protocols.Mining;

/// <summary>
/// Share targets and difficulties of the mining dialects, and the number of hashes a share is expected to take.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><b>CryptoNote / CoinHive</b> (XMRig <c>Job::setTarget</c>): the job's <c>target</c> is little-endian hex. Four
/// bytes <c>t</c>: difficulty = ⌊(2^32−1) / t⌋ (<c>1be8b401</c> → 150, <c>37894100</c> → 1000). Eight bytes:
/// difficulty = ⌊(2^64−1) / t⌋. A hash meets the share when its top 64 bits are below (2^64−1)/difficulty, so a share
/// takes <b>difficulty</b> hashes on average.</item>
/// <item><b>Stratum v1 (Bitcoin)</b>: <c>mining.set_difficulty d</c> is relative to the difficulty-1 target
/// 0x00000000FFFF0000…; a share takes 2^256 / (target_1 / d) = d × 2^48/0xFFFF ≈ <b>d × 2^32</b> hashes.</item>
/// <item><b>EthereumStratum/1.0.0</b> (NiceHash): the same difficulty-1 target 0x00000000FFFF0000… (ethminer
/// <c>getTargetFromDiff</c>), so again <b>d × 2^32</b> hashes per share.</item>
/// <item><b>EthProxy</b>: <c>eth_getWork</c>'s third element is the share boundary B = 2^256 / difficulty (the
/// Ethereum getWork definition); a share takes <b>2^256 / B</b> hashes, which is also reported as the difficulty.</item>
/// <item><b>ZCash stratum</b>: <c>mining.set_target T</c> is a big-endian 256-bit target; every Equihash solution's
/// double-SHA256 is a uniform draw, so a share takes <b>2^256 / T</b> solutions (the rate is then in Sol/s, the unit
/// Equihash miners report). That figure is reported as the difficulty (nanopool's <c>0004189374bc…</c> is 16000).</item>
/// </list>
/// </remarks>
internal static class MiningTarget
{
    private const double TwoPow32 = 4294967296.0;

    /// <summary>2^256 as a double.</summary>
    private static readonly double s_twoPow256 = Math.Pow(2, 256);

    /// <summary>Expected hashes per share for Stratum v1 and EthereumStratum difficulty <paramref name="difficulty"/>.</summary>
    public static double StratumHashesPerShare(double difficulty) => difficulty * TwoPow32;

    /// <summary>CryptoNote difficulty of a little-endian hex target of 4 or 8 bytes; false for anything else or zero.</summary>
    public static bool TryCryptoNoteDifficulty(ReadOnlySpan<byte> hex, out double difficulty)
    {
        difficulty = 0;
        if (hex.Length == 8 && TryReadLittleEndianHex(hex, out ulong t32) && t32 != 0)
        {
            difficulty = uint.MaxValue / t32;
            return true;
        }

        if (hex.Length == 16 && TryReadLittleEndianHex(hex, out ulong t64) && t64 != 0)
        {
            difficulty = ulong.MaxValue / t64;
            return true;
        }

        return false;
    }

    /// <summary>2^256 / T for a big-endian hex 256-bit target (optional <c>0x</c>, at most 64 digits); false when zero or not hex.</summary>
    public static bool TryDifficultyFromTarget256(ReadOnlySpan<byte> hex, out double difficulty)
    {
        difficulty = 0;
        if (hex.Length >= 2 && hex[0] == (byte)'0' && (hex[1] | 0x20) == (byte)'x')
            hex = hex[2..];
        if (hex.IsEmpty || hex.Length > 64)
            return false;
        double target = 0;
        foreach (byte c in hex)
        {
            int digit = HexDigit(c);
            if (digit < 0)
                return false;
            target = (target * 16) + digit;
        }

        // Fewer than 64 digits are the low end of the number, as in "0x1d08a61".
        if (target <= 0)
            return false;
        difficulty = s_twoPow256 / target;
        return double.IsFinite(difficulty);
    }

    /// <summary>A <c>0x</c> hex quantity (EthProxy <c>eth_submitHashrate</c>) as a double; false when not hex.</summary>
    public static bool TryReadHexQuantity(ReadOnlySpan<byte> hex, out double value)
    {
        value = 0;
        if (hex.Length >= 2 && hex[0] == (byte)'0' && (hex[1] | 0x20) == (byte)'x')
            hex = hex[2..];
        if (hex.IsEmpty || hex.Length > 64)
            return false;
        foreach (byte c in hex)
        {
            int digit = HexDigit(c);
            if (digit < 0)
                return false;
            value = (value * 16) + digit;
        }

        return true;
    }

    /// <summary>True when every byte is a hex digit and there are <paramref name="length"/> of them (after an optional <c>0x</c>).</summary>
    public static bool IsHex(ReadOnlySpan<byte> value, int length)
    {
        if (value.Length >= 2 && value[0] == (byte)'0' && (value[1] | 0x20) == (byte)'x')
            value = value[2..];
        if (value.Length != length)
            return false;
        foreach (byte c in value)
        {
            if (HexDigit(c) < 0)
                return false;
        }

        return true;
    }

    private static bool TryReadLittleEndianHex(ReadOnlySpan<byte> hex, out ulong value)
    {
        value = 0;
        for (int i = 0; i < hex.Length; i += 2)
        {
            int high = HexDigit(hex[i]), low = HexDigit(hex[i + 1]);
            if ((high | low) < 0)
                return false;
            value |= (ulong)((high << 4) | low) << (4 * i);
        }

        return true;
    }

    private static int HexDigit(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };
}
