using System.CommandLine;
using Assay.Engine;

namespace Assay.Cli;

/// <summary>The options of the commands that run the pipeline (<c>analyze</c>, <c>sense</c>), declared and parsed once.</summary>
internal sealed class PipelineOptions
{
    public Option<DirectoryInfo> DataDirectory { get; } = CommonOptions.DataDirectory(required: true);

    public Option<bool> Json { get; } = CommonOptions.Json();

    private readonly Option<int> _workers = CommonOptions.Workers();
    private readonly Option<bool> _noAnomalies = CommonOptions.NoAnomalyEvents();
    private readonly Option<string[]> _timeouts = CommonOptions.Timeouts();
    private readonly Option<int> _maxFlows = CommonOptions.MaxFlows();
    private readonly Option<bool> _storeFiles = CommonOptions.StoreFiles();
    private readonly Option<string[]> _fileHashes = CommonOptions.FileHashes();
    private readonly Option<FileInfo[]> _poolLists = CommonOptions.PoolLists();
    private readonly RecordOptions _record = new();

    public void AddTo(Command command)
    {
        command.Options.Add(DataDirectory);
        command.Options.Add(_workers);
        command.Options.Add(Json);
        command.Options.Add(_noAnomalies);
        command.Options.Add(_timeouts);
        command.Options.Add(_maxFlows);
        command.Options.Add(_storeFiles);
        command.Options.Add(_fileHashes);
        command.Options.Add(_poolLists);
        _record.AddTo(command);
    }

    /// <summary>The analysis settings, or null with a one-line <paramref name="error"/> for the first bad value.</summary>
    public AnalysisOptions? Parse(ParseResult parse, out string? error)
    {
        var flowTimeouts = CommonOptions.ParseTimeouts(parse.GetValue(_timeouts), out error);
        if (error is not null)
            return null;
        Protocols.Http.FileHashes fileHashes = CommonOptions.ParseFileHashes(parse.GetValue(_fileHashes), out error);
        if (error is not null)
            return null;
        Store.PacketStoreOptions? recording = _record.Parse(parse, out error);
        if (error is not null)
            return null;
        if (parse.GetValue(_maxFlows) < 1)
        {
            error = $"--max-flows must be at least 1 (got {parse.GetValue(_maxFlows)})";
            return null;
        }

        string dataDir = parse.GetValue(DataDirectory)!.FullName;
        return new AnalysisOptions
        {
            Workers = parse.GetValue(_workers),
            AnomalyEvents = !parse.GetValue(_noAnomalies),
            Timeouts = flowTimeouts,
            MaxFlows = parse.GetValue(_maxFlows),
            // Carved files are kept whenever packets are recorded (the story reads them), or on request.
            FilesDirectory = parse.GetValue(_storeFiles) || recording is not null ? Path.Combine(dataDir, DataLayout.FilesDirectory) : null,
            FileHashes = fileHashes,
            PoolLists = [.. (parse.GetValue(_poolLists) ?? []).Select(f => f.FullName)],
            Record = recording,
        };
    }
}
