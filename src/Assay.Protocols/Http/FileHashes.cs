namespace Assay.Protocols.Http;

/// <summary>
/// Digests of a file's decoded content: which ones are computed (<see cref="HttpOptions.FileHashes"/>, Suricata's
/// <c>force-hash</c>) and which ones a file has (<see cref="HttpFile.Hashes"/>).
/// </summary>
[Flags]
public enum FileHashes
{
    None = 0,
    Md5 = 1,
    Sha1 = 2,
    Sha256 = 4,
    All = Md5 | Sha1 | Sha256,
}
