namespace Assay.Protocols.Mining;

/// <summary>The mining protocol a session speaks. Recognised from message shapes, never from ports.</summary>
public enum MiningDialect : byte
{
    None,

    /// <summary>Stratum v1, Bitcoin family: <c>mining.subscribe</c>, <c>mining.authorize</c>, <c>mining.notify</c> with a coinbase and merkle branch.</summary>
    Stratum,

    /// <summary>NiceHash's EthereumStratum/1.0.0: subscribe names it, notify carries seed hash and header hash.</summary>
    EthereumStratum,

    /// <summary>ZCash (Equihash) stratum: subscribe with host and port, <c>mining.set_target</c>, notify with version/prevhash/merkleroot.</summary>
    ZcashStratum,

    /// <summary>XMRig / CryptoNote (Monero family): <c>login</c>, <c>job</c>, <c>submit</c>, <c>keepalived</c>.</summary>
    CryptoNote,

    /// <summary>EthProxy: <c>eth_submitLogin</c>, <c>eth_getWork</c>, <c>eth_submitWork</c>, <c>eth_submitHashrate</c>.</summary>
    EthProxy,

    /// <summary>Bitcoin <c>getwork</c> over HTTP JSON-RPC.</summary>
    Getwork,

    /// <summary><c>getblocktemplate</c> / <c>submitblock</c> over HTTP JSON-RPC (Bitcoin BIP 22, Monero daemon).</summary>
    GetBlockTemplate,

    /// <summary>CoinHive-style browser miner protocol over WebSocket: <c>{"type":"auth"|"job"|"submit"|"hash_accepted",…}</c>.</summary>
    CoinHive,
}

/// <summary>The words EVE output uses for <see cref="MiningDialect"/>.</summary>
public static class MiningDialectNames
{
    /// <summary>The EVE word, e.g. <c>"ethereum-stratum"</c>; <c>"none"</c> for <see cref="MiningDialect.None"/>.</summary>
    public static string Get(MiningDialect d) => d switch
    {
        MiningDialect.Stratum => "stratum",
        MiningDialect.EthereumStratum => "ethereum-stratum",
        MiningDialect.ZcashStratum => "zcash-stratum",
        MiningDialect.CryptoNote => "cryptonote",
        MiningDialect.EthProxy => "ethproxy",
        MiningDialect.Getwork => "getwork",
        MiningDialect.GetBlockTemplate => "getblocktemplate",
        MiningDialect.CoinHive => "coinhive",
        _ => "none",
    };
}
