namespace Assay.Protocols.Mining;

/// <summary>The property names a mining message is read for; everything else is skipped.</summary>
internal enum MiningJsonKey : byte
{
    None,
    Method,
    Id,
    JsonRpc,
    Result,
    Error,
    Params,
    Type,
    Worker,
    Login,
    Pass,
    Agent,
    RigId,
    Algo,
    Blob,
    JobId,
    Target,
    Height,
    SeedHash,
    Nonce,
    Status,
    Job,
    SiteKey,
    User,
    Hashes,
    Token,
    WalletAddress,
    BlockTemplateBlob,
    BlockHashingBlob,
    Difficulty,
    PreviousBlockHash,
    CoinbaseValue,
    Data,
    Midstate,
    Code,
    Message,
    Count,
}

internal static class MiningJsonKeys
{
    /// <summary>Longest name in the table: longer names are not ours and need not be unescaped.</summary>
    public const int MaxNameLength = 18;

    /// <summary>The key for an (unescaped) property name; <see cref="MiningJsonKey.None"/> when it is not one we read.</summary>
    public static MiningJsonKey Of(ReadOnlySpan<byte> n) => n.Length switch
    {
        2 => n.SequenceEqual("id"u8) ? MiningJsonKey.Id : MiningJsonKey.None,
        3 => n.SequenceEqual("job"u8) ? MiningJsonKey.Job : MiningJsonKey.None,
        4 => n.SequenceEqual("type"u8) ? MiningJsonKey.Type
            : n.SequenceEqual("pass"u8) ? MiningJsonKey.Pass
            : n.SequenceEqual("algo"u8) ? MiningJsonKey.Algo
            : n.SequenceEqual("blob"u8) ? MiningJsonKey.Blob
            : n.SequenceEqual("user"u8) ? MiningJsonKey.User
            : n.SequenceEqual("data"u8) ? MiningJsonKey.Data
            : n.SequenceEqual("code"u8) ? MiningJsonKey.Code
            : MiningJsonKey.None,
        5 => n.SequenceEqual("error"u8) ? MiningJsonKey.Error
            : n.SequenceEqual("login"u8) ? MiningJsonKey.Login
            : n.SequenceEqual("agent"u8) ? MiningJsonKey.Agent
            : n.SequenceEqual("rigid"u8) ? MiningJsonKey.RigId
            : n.SequenceEqual("nonce"u8) ? MiningJsonKey.Nonce
            : n.SequenceEqual("token"u8) ? MiningJsonKey.Token
            : MiningJsonKey.None,
        6 => n.SequenceEqual("method"u8) ? MiningJsonKey.Method
            : n.SequenceEqual("result"u8) ? MiningJsonKey.Result
            : n.SequenceEqual("params"u8) ? MiningJsonKey.Params
            : n.SequenceEqual("worker"u8) ? MiningJsonKey.Worker
            : n.SequenceEqual("job_id"u8) ? MiningJsonKey.JobId
            : n.SequenceEqual("target"u8) ? MiningJsonKey.Target
            : n.SequenceEqual("height"u8) ? MiningJsonKey.Height
            : n.SequenceEqual("status"u8) ? MiningJsonKey.Status
            : n.SequenceEqual("hashes"u8) ? MiningJsonKey.Hashes
            : MiningJsonKey.None,
        7 => n.SequenceEqual("jsonrpc"u8) ? MiningJsonKey.JsonRpc
            : n.SequenceEqual("message"u8) ? MiningJsonKey.Message
            : MiningJsonKey.None,
        8 => n.SequenceEqual("site_key"u8) ? MiningJsonKey.SiteKey
            : n.SequenceEqual("midstate"u8) ? MiningJsonKey.Midstate
            : MiningJsonKey.None,
        9 => n.SequenceEqual("seed_hash"u8) ? MiningJsonKey.SeedHash : MiningJsonKey.None,
        10 => n.SequenceEqual("difficulty"u8) ? MiningJsonKey.Difficulty : MiningJsonKey.None,
        13 => n.SequenceEqual("coinbasevalue"u8) ? MiningJsonKey.CoinbaseValue : MiningJsonKey.None,
        14 => n.SequenceEqual("wallet_address"u8) ? MiningJsonKey.WalletAddress : MiningJsonKey.None,
        17 => n.SequenceEqual("blockhashing_blob"u8) ? MiningJsonKey.BlockHashingBlob
            : n.SequenceEqual("previousblockhash"u8) ? MiningJsonKey.PreviousBlockHash
            : MiningJsonKey.None,
        18 => n.SequenceEqual("blocktemplate_blob"u8) ? MiningJsonKey.BlockTemplateBlob : MiningJsonKey.None,
        _ => MiningJsonKey.None,
    };
}
