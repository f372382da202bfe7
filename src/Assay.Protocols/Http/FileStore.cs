using System.Globalization;

namespace Assay.Protocols.Http;

/// <summary>
/// Carved files, stored once by content: <c>DIR/files/&lt;sha256[0..2]&gt;/&lt;sha256&gt;</c> (lower-case hex). A body is
/// written to a hidden temporary name (<c>.carve-&lt;pid&gt;-&lt;n&gt;</c>) in the files directory while it arrives and renamed
/// into place when it closes, so a reader never sees a partial file (Stenographer's write-hidden-then-rename). A file
/// already present is not written again. Shared by all workers: every method is thread-safe.
/// </summary>
/// <remarks>
/// The carve limit (<see cref="MaxFileSize"/>) is independent of any parsing depth: a body longer than it is hashed and
/// typed as usual but not stored. Only complete bodies (<see cref="HttpFileState.Closed"/>, no gaps) are stored. Disk errors
/// never reach the packet path: they are counted in <see cref="Errors"/> and the file is reported as not stored.
/// </remarks>
public sealed class FileStore
{
    /// <summary>Largest file carved, 64 MiB (the reassembler's default carve limit).</summary>
    public const long DefaultMaxFileSize = 64L * 1024 * 1024;

    private long _sequence;
    private long _stored;
    private long _duplicates;
    private long _errors;
    private long _tooLarge;

    /// <param name="directory">The files directory itself (<c>DIR/files</c>); created when the first file is stored.</param>
    public FileStore(string directory, long maxFileSize = DefaultMaxFileSize)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentOutOfRangeException.ThrowIfNegative(maxFileSize);
        Directory = Path.GetFullPath(directory);
        MaxFileSize = maxFileSize;
    }

    public string Directory { get; }

    /// <inheritdoc cref="DefaultMaxFileSize"/>
    public long MaxFileSize { get; }

    /// <summary>Files written and renamed into place.</summary>
    public long Stored => Interlocked.Read(ref _stored);

    /// <summary>Complete bodies whose content was already stored.</summary>
    public long Duplicates => Interlocked.Read(ref _duplicates);

    /// <summary>I/O failures (disk full, permissions); the file is reported as not stored.</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>Bodies larger than <see cref="MaxFileSize"/> (not stored).</summary>
    public long TooLarge => Interlocked.Read(ref _tooLarge);

    /// <summary>Where content with this SHA-256 is (or would be) stored.</summary>
    public string PathFor(ReadOnlySpan<byte> sha256)
    {
        string hex = Convert.ToHexStringLower(sha256);
        return Path.Combine(Directory, hex[..2], hex);
    }

    /// <summary>Opens a hidden temporary file for a body that is starting; <see langword="null"/> when that fails.</summary>
    /// <summary>Write buffer of a carve file, 16 KiB: a handful of writes per typical body instead of one per segment.</summary>
    public const int WriteBufferSize = 16 * 1024;

    private readonly bool[] _bucketCreated = new bool[256];
    private volatile bool _rootCreated;

    internal FileStream? Begin(out string path)
    {
        // Per carved file, not per packet: the string formatting here is off the hot path.
        path = Path.Combine(Directory, string.Create(CultureInfo.InvariantCulture,
            $".carve-{Environment.ProcessId}-{Interlocked.Increment(ref _sequence)}"));
        try
        {
            if (!_rootCreated)
            {
                System.IO.Directory.CreateDirectory(Directory);
                _rootCreated = true;
            }

            // Buffered: bodies arrive a TCP segment at a time, and one write per segment was most of carving's cost.
            return new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, WriteBufferSize);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _errors);
            return null;
        }
    }

    /// <summary>Writes the next decoded bytes; <see langword="false"/> (and the temporary file is removed) on an I/O error.</summary>
    internal bool Write(FileStream stream, string path, ReadOnlySpan<byte> data)
    {
        try
        {
            stream.Write(data);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _errors);
            Abort(stream, path);
            return false;
        }
    }

    /// <summary>Closes the temporary file and renames it to its content name; <see langword="true"/> when the content is
    /// now stored (by this call or earlier).</summary>
    internal bool Commit(FileStream stream, string path, ReadOnlySpan<byte> sha256)
    {
        string final = PathFor(sha256);
        try
        {
            stream.Dispose();
            if (File.Exists(final))
            {
                File.Delete(path);
                Interlocked.Increment(ref _duplicates);
                return true;
            }

            int bucket = sha256[0];
            if (!_bucketCreated[bucket])
            {
                System.IO.Directory.CreateDirectory(Path.GetDirectoryName(final)!);
                _bucketCreated[bucket] = true;   // a benign race: creating a directory twice is harmless
            }

            File.Move(path, final, overwrite: false);
            Interlocked.Increment(ref _stored);
            return true;
        }
        catch (IOException) when (File.Exists(final))
        {
            // Another worker stored the same content between our check and the rename.
            TryDelete(path);
            Interlocked.Increment(ref _duplicates);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            Interlocked.Increment(ref _errors);
            TryDelete(path);
            return false;
        }
    }

    /// <summary>Drops a temporary file (body truncated, too large, or flow discarded).</summary>
    internal static void Abort(FileStream stream, string path)
    {
        try
        {
            stream.Dispose();
        }
        catch (IOException)
        {
            // Nothing to keep; the delete below is what matters.
        }

        TryDelete(path);
    }

    internal void CountTooLarge() => Interlocked.Increment(ref _tooLarge);

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover hidden temporary file is harmless; it is never mistaken for content.
        }
    }
}
