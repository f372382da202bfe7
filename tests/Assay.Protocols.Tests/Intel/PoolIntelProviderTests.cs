using Assay.Protocols.Intel;
using static Assay.Protocols.Tests.Intel.IntelTestSupport;

namespace Assay.Protocols.Tests.Intel;

public sealed class PoolIntelProviderTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private static void Touch(string file, int secondsLater) =>
        File.SetLastWriteTimeUtc(file, File.GetLastWriteTimeUtc(file).AddSeconds(secondsLater));

    [Fact]
    public void AChangedFileIsReloadedAndSwapped()
    {
        string file = _dir.Write("pools.list", "first.example.com\n");
        var provider = new PoolIntelProvider([file], includeBundled: false);
        PoolIntel first = provider.Current;
        Assert.True(first.MatchDomain("first.example.com"));

        Assert.False(provider.ReloadIfChanged(out string? error));
        Assert.Null(error);
        Assert.Same(first, provider.Current);

        File.WriteAllText(file, "second.example.com\n");
        Touch(file, 2);
        Assert.True(provider.ReloadIfChanged(out error));
        Assert.Null(error);
        Assert.NotSame(first, provider.Current);
        Assert.True(provider.Current.MatchDomain("second.example.com"));
        Assert.False(provider.Current.MatchDomain("first.example.com"));
        Assert.True(first.MatchDomain("first.example.com"));     // the old snapshot is untouched for readers still holding it
    }

    [Fact]
    public void ASameSizeRewriteIsSeenThroughItsModificationTime()
    {
        string file = _dir.Write("pools.list", "aaaa.example.com\n");
        var provider = new PoolIntelProvider([file], includeBundled: false);
        File.WriteAllText(file, "bbbb.example.com\n");
        Touch(file, 5);
        Assert.True(provider.ReloadIfChanged(out _));
        Assert.True(provider.Current.MatchDomain("bbbb.example.com"));
    }

    [Fact]
    public void ABadEditKeepsTheOldSnapshotAndReportsOnce()
    {
        string good = _dir.Write("good.list", "kept.example.com\n");
        string edited = _dir.Write("edited.list", "10.0.0.0/8\n");
        var provider = new PoolIntelProvider([good, edited], includeBundled: false);
        PoolIntel before = provider.Current;

        File.WriteAllText(edited, "10.0.0.0/8\n10.0.0.0/40\n");
        Touch(edited, 2);
        Assert.False(provider.ReloadIfChanged(out string? error));
        Assert.Equal($"{edited}:2: prefix length '40' out of range 1-32", error);
        Assert.Same(before, provider.Current);

        Assert.False(provider.ReloadIfChanged(out error));            // unchanged since: not re-read, not re-reported
        Assert.Null(error);

        File.WriteAllText(edited, "10.0.0.0/8\n10.0.0.0/16\n");
        Touch(edited, 4);
        Assert.True(provider.ReloadIfChanged(out error));
        Assert.Null(error);
        Assert.True(provider.Current.MatchDomain("kept.example.com"));
    }

    [Fact]
    public void ADeletedFileIsReportedAndTheOldSnapshotKept()
    {
        string file = _dir.Write("pools.list", "gone.example.com\n");
        var provider = new PoolIntelProvider([file], includeBundled: false);
        File.Delete(file);
        Assert.False(provider.ReloadIfChanged(out string? error));
        Assert.Equal($"{file}: file not found", error);
        Assert.True(provider.Current.MatchDomain("gone.example.com"));
    }

    [Fact]
    public void TheFirstLoadThrows()
    {
        string file = _dir.Write("bad.list", "ok.example.com\nnot a domain\n");
        var e = Assert.Throws<IntelFormatException>(() => new PoolIntelProvider([file]));
        Assert.Equal(2, e.Line);
    }

    [Fact]
    public async Task ReadersSeeAWholeSnapshotWhileReloadsRun()
    {
        string file = _dir.Write("pools.list", "a.example.com\n10.0.255.0/24\n");
        var provider = new PoolIntelProvider([file], includeBundled: false);
        using var stop = new CancellationTokenSource();
        int torn = 0;
        var readers = new Task[2];
        for (int r = 0; r < readers.Length; r++)
        {
            readers[r] = Task.Run(() =>
            {
                while (!stop.IsCancellationRequested)
                {
                    PoolIntel snapshot = provider.Current;
                    // Every version of the file has exactly one of the two names and one address.
                    bool a = snapshot.MatchDomain("a.example.com"), b = snapshot.MatchDomain("b.example.com");
                    if (a == b || snapshot.AddressCount != 1)
                        Interlocked.Increment(ref torn);
                }
            });
        }

        for (int i = 0; i < 40; i++)
        {
            File.WriteAllText(file, (i % 2 == 0 ? "b" : "a") + $".example.com\n10.0.{i}.0/24\n");
            Touch(file, i + 1);
            Assert.True(provider.ReloadIfChanged(out string? error), error);
        }

        await stop.CancelAsync();
        await Task.WhenAll(readers);
        Assert.Equal(0, torn);
    }
}
