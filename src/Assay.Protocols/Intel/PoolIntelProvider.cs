namespace Assay.Protocols.Intel;

/// <summary>
/// Holds the current <see cref="PoolIntel"/> for user lists that may change while Assay runs. The engine calls
/// <see cref="ReloadIfChanged"/> now and then (every few seconds); when any file's size or modification time differs
/// from the last look, the lists are re-read and the snapshot is swapped atomically. Workers read <see cref="Current"/>
/// and keep using whichever snapshot they got for the packet at hand.
/// </summary>
public sealed class PoolIntelProvider
{
    private readonly string[] _files;
    private readonly bool _includeBundled;
    private readonly FileStamp[] _stamps;
    private readonly Lock _reloadGate = new();
    private volatile PoolIntel _current;

    /// <exception cref="IntelFormatException">A user list is missing, unreadable or has a bad line.</exception>
    public PoolIntelProvider(IReadOnlyList<string> userFiles, bool includeBundled = true)
    {
        ArgumentNullException.ThrowIfNull(userFiles);
        _files = [.. userFiles];
        _includeBundled = includeBundled;
        _stamps = new FileStamp[_files.Length];
        for (int i = 0; i < _files.Length; i++)
            _stamps[i] = FileStamp.Of(_files[i]);
        _current = PoolIntel.Load(_files, includeBundled);
    }

    /// <summary>The latest snapshot that loaded without errors.</summary>
    public PoolIntel Current => _current;

    /// <summary>
    /// Re-reads the lists when a file's size or modification time changed. Returns true when a new snapshot was
    /// installed. A list that fails to load leaves the previous snapshot in place and reports why in
    /// <paramref name="error"/> (once per change: the same broken file is not re-read until it changes again).
    /// </summary>
    public bool ReloadIfChanged(out string? error)
    {
        error = null;
        lock (_reloadGate)
        {
            bool changed = false;
            for (int i = 0; i < _files.Length; i++)
            {
                var stamp = FileStamp.Of(_files[i]);
                if (stamp != _stamps[i])
                {
                    _stamps[i] = stamp;
                    changed = true;
                }
            }

            if (!changed)
                return false;

            try
            {
                _current = PoolIntel.Load(_files, _includeBundled);
                return true;
            }
            catch (IntelFormatException e)
            {
                error = e.Message;
                return false;
            }
        }
    }

    /// <summary>What identifies a version of a file without reading it.</summary>
    private readonly record struct FileStamp(bool Exists, long Length, DateTime LastWriteUtc)
    {
        public static FileStamp Of(string path)
        {
            var info = new FileInfo(path);
            return info.Exists ? new FileStamp(true, info.Length, info.LastWriteTimeUtc) : default;
        }
    }
}
