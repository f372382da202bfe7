using System.CommandLine;
using Assay.Cli;

var root = new RootCommand("Assay: network sensor and analyst console — full packet capture, flows, protocols and coin-miner detection.");
root.Subcommands.Add(AnalyzeCommand.Create());
root.Subcommands.Add(DemoCommand.Create());
root.Subcommands.Add(FilesCommand.Create());
root.Subcommands.Add(PcapCommand.Create());
root.Subcommands.Add(FollowCommand.Create());
root.Subcommands.Add(StoryCommand.Create());
root.Subcommands.Add(SenseCommand.Create());
return root.Parse(args).Invoke();
