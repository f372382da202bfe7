namespace Assay.Protocols.Mining;

/// <summary>What a recognised mining message showed.</summary>
public enum MiningEvidenceKind : byte
{
    /// <summary><c>mining.subscribe</c>.</summary>
    Subscribe,

    /// <summary><c>mining.authorize</c>.</summary>
    Authorize,

    /// <summary>A login: CryptoNote <c>login</c>, <c>eth_submitLogin</c>, a Monero <c>getblocktemplate</c> wallet.</summary>
    Login,

    /// <summary>Work from the pool: <c>mining.notify</c>, a CryptoNote job, a getwork/getblocktemplate/eth_getWork result.</summary>
    JobPush,

    /// <summary>A share difficulty or target set by the pool.</summary>
    SetDifficulty,

    /// <summary>A share or block submitted by the miner.</summary>
    Submit,

    /// <summary>The pool accepted a share.</summary>
    ShareAccepted,

    /// <summary>The pool rejected a share.</summary>
    ShareRejected,

    /// <summary><c>getwork</c> / <c>eth_getWork</c> request.</summary>
    GetWork,

    /// <summary><c>getblocktemplate</c> request.</summary>
    GetBlockTemplate,

    /// <summary>CoinHive-style <c>auth</c> / <c>authed</c>.</summary>
    WebMinerAuth,

    /// <summary>CryptoNote <c>keepalived</c>.</summary>
    Keepalive,

    /// <summary>The miner reported its own hashrate (<c>eth_submitHashrate</c>).</summary>
    HashrateReport,

    /// <summary>Other protocol-specific calls: <c>mining.configure</c>, <c>mining.extranonce.subscribe</c>, <c>client.reconnect</c>, …</summary>
    Extension,
}

/// <summary>One piece of evidence: the first message of its <paramref name="Kind"/> in the session, as a readable sentence.</summary>
public readonly record struct MiningEvidence(MiningEvidenceKind Kind, string Sentence, long Timestamp, long PacketNumber);
