using Assay.Capture;
using Assay.Engine;
using Spectre.Console;

namespace Assay.Cli;

/// <summary>Runs an analysis, with a progress bar on an interactive terminal when it takes more than a moment.</summary>
internal static class ProgressDisplay
{
    /// <summary>Runs shorter than this show no bar at all.</summary>
    private static readonly TimeSpan s_quietPeriod = TimeSpan.FromMilliseconds(700);

    public static AnalysisResult Run(Analyzer analyzer, IPacketSource source, bool showProgress, CancellationToken cancellation)
    {
        bool interactive = showProgress && !Console.IsErrorRedirected && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        if (!interactive)
            return analyzer.Run(source, cancellation);

        var work = Task.Factory.StartNew(() => analyzer.Run(source, cancellation), cancellation,
            TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (work.Wait(s_quietPeriod, CancellationToken.None))
            return work.GetAwaiter().GetResult();

        AnsiConsole.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                AnalysisProgress progress = analyzer.Progress;
                long length = progress.Length;
                var task = context.AddTask("reading", maxValue: length > 0 ? length : 1);
                task.IsIndeterminate = length <= 0;
                while (!work.Wait(TimeSpan.FromMilliseconds(200), CancellationToken.None))
                {
                    if (length > 0)
                        task.Value = Math.Min(progress.Position, length);
                    task.Description = $"reading  {progress.Packets:N0} packets";
                }

                task.Value = task.MaxValue;
            });
        return work.GetAwaiter().GetResult();
    }
}
