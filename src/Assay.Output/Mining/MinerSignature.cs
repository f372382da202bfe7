namespace Assay.Output.Mining;

/// <summary>
/// Assay's mining alerts: one stable signature id per kind of evidence, in the range 9,100,000–9,100,099 (gid 1; the
/// 9,1xx,xxx block is outside the ranges Suricata's and the Emerging Threats rule sets use). Listed in docs/EVE.md; ids
/// never change meaning.
/// </summary>
public enum MinerSignature
{
    StratumSession = 9_100_001,
    CryptoNoteSession = 9_100_002,
    EthereumSession = 9_100_003,
    HttpJsonRpcMining = 9_100_004,
    WebMinerWebSocket = 9_100_005,
    ZcashSession = 9_100_006,
    PoolDnsLookup = 9_100_010,
    PoolTls = 9_100_011,
    PoolAddress = 9_100_012,
    MinerTlsFingerprint = 9_100_013,
    PoolHttpHost = 9_100_014,
    MiningThroughSocks = 9_100_015,
    MinerTrafficShape = 9_100_020,
}

/// <summary>Text, severity and category of each <see cref="MinerSignature"/>.</summary>
public static class MinerSignatures
{
    /// <summary>Suricata's classification for coin mining (<c>coin-mining</c> in classification.config, priority 2).</summary>
    public const string Category = "Crypto Currency Mining Activity Detected";

    public static string Message(MinerSignature signature) => signature switch
    {
        MinerSignature.StratumSession => "ASSAY MINER Stratum v1 mining session",
        MinerSignature.CryptoNoteSession => "ASSAY MINER CryptoNote/XMRig (Monero-family) mining session",
        MinerSignature.EthereumSession => "ASSAY MINER Ethereum mining session (EthProxy or EthereumStratum)",
        MinerSignature.HttpJsonRpcMining => "ASSAY MINER getwork/getblocktemplate mining over HTTP JSON-RPC",
        MinerSignature.WebMinerWebSocket => "ASSAY MINER CoinHive-style web miner over WebSocket",
        MinerSignature.ZcashSession => "ASSAY MINER ZCash stratum mining session",
        MinerSignature.PoolDnsLookup => "ASSAY MINER DNS lookup of a known mining pool",
        MinerSignature.PoolTls => "ASSAY MINER TLS session with a known mining pool",
        MinerSignature.PoolAddress => "ASSAY MINER connection to a known or learned mining pool address",
        MinerSignature.MinerTlsFingerprint => "ASSAY MINER miner TLS fingerprint with pool-like traffic",
        MinerSignature.PoolHttpHost => "ASSAY MINER HTTP request to a known mining pool or web-miner host",
        MinerSignature.MiningThroughSocks => "ASSAY MINER mining session through a SOCKS proxy",
        MinerSignature.MinerTrafficShape => "ASSAY MINER miner-like traffic shape (heuristic)",
        _ => "ASSAY MINER mining activity",
    };

    /// <summary>1 (high) to 3 (low), as Suricata: certain protocol evidence 1, pool destinations 2, heuristics 3.</summary>
    public static int Severity(MinerSignature signature) => signature switch
    {
        MinerSignature.PoolDnsLookup or MinerSignature.PoolHttpHost or MinerSignature.PoolTls or MinerSignature.PoolAddress
            or MinerSignature.MinerTlsFingerprint => 2,
        MinerSignature.MinerTrafficShape => 3,
        _ => 1,
    };
}
