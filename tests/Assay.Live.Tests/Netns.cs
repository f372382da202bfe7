using System.Diagnostics;
using System.Text;

namespace Assay.Tests.Live;

/// <summary>
/// Two network namespaces joined by a veth pair, with addresses from a private /24 made up for this run. Everything the
/// live tests send stays between these two namespaces. Deleted on dispose (the veth pair goes with them).
/// </summary>
internal sealed class Netns : IDisposable
{
    private static int s_counter;

    private Netns(string tag, int subnet)
    {
        Sensor = $"assay-{tag}-a";
        Peer = $"assay-{tag}-b";
        SensorInterface = $"as{tag}a";
        PeerInterface = $"as{tag}b";
        SensorAddress = $"10.200.{subnet}.1";
        PeerAddress = $"10.200.{subnet}.2";
    }

    public string Sensor { get; }
    public string Peer { get; }
    public string SensorInterface { get; }
    public string PeerInterface { get; }
    public string SensorAddress { get; }
    public string PeerAddress { get; }

    /// <summary>
    /// Makes the pair, or returns null with the reason when this machine cannot (not root, no <c>ip</c>). Under <c>CI=true</c>
    /// not being able to is a failure, so the live tests can never pass without running.
    /// </summary>
    public static Netns? TryCreate(out string? reason)
    {
        reason = null;
        if (!OperatingSystem.IsLinux())
            reason = "live tests need Linux network namespaces";
        else if (Environment.UserName != "root")
            reason = "live tests need root to create network namespaces";
        else if (!File.Exists("/usr/sbin/ip") && !File.Exists("/sbin/ip") && !File.Exists("/usr/bin/ip"))
            reason = "live tests need iproute2's ip";
        if (reason is null)
        {
            int n = Interlocked.Increment(ref s_counter);
            string tag = $"{Environment.ProcessId % 10000:D4}{n % 100:D2}";
            var pair = new Netns(tag, 1 + (Environment.ProcessId * 7 + n) % 250);
            try
            {
                pair.Setup();
                return pair;
            }
            catch (InvalidOperationException e)
            {
                pair.Dispose();
                reason = "cannot create network namespaces: " + e.Message;
            }
        }

        if (Environment.GetEnvironmentVariable("CI") == "true")
            throw new InvalidOperationException("CI=true but " + reason);
        return null;
    }

    private void Setup()
    {
        Run("ip", "netns", "add", Sensor);
        Run("ip", "netns", "add", Peer);
        Run("ip", "link", "add", SensorInterface, "netns", Sensor, "type", "veth", "peer", "name", PeerInterface, "netns", Peer);
        Run("ip", "-n", Sensor, "addr", "add", SensorAddress + "/24", "dev", SensorInterface);
        Run("ip", "-n", Peer, "addr", "add", PeerAddress + "/24", "dev", PeerInterface);
        foreach ((string ns, string dev) in (ReadOnlySpan<(string, string)>)[(Sensor, SensorInterface), (Peer, PeerInterface)])
        {
            Run("ip", "-n", ns, "link", "set", dev, "up");
            Run("ip", "-n", ns, "link", "set", "lo", "up");
        }
    }

    /// <summary>Runs a command to its end; throws with its stderr when it fails.</summary>
    public static string Run(params string[] command)
    {
        var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true };
        for (int i = 1; i < command.Length; i++)
            start.ArgumentList.Add(command[i]);
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException(string.Join(' ', command) + ": timed out");
        }

        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{string.Join(' ', command)}: exit {process.ExitCode}: {stderr.Trim()}");
        return stdout.GetAwaiter().GetResult();
    }

    /// <summary>Runs a command inside <paramref name="ns"/>.</summary>
    public static string RunIn(string ns, params string[] command) => Run([.. (string[])["ip", "netns", "exec", ns], .. command]);

    /// <summary>A background process inside <paramref name="ns"/>, its output collected.</summary>
    public static Background Start(string ns, params string[] command)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string arg in (string[])["netns", "exec", ns, .. command])
            start.ArgumentList.Add(arg);
        return new Background(Process.Start(start)!);
    }

    public void Dispose()
    {
        foreach (string ns in (string[])[Sensor, Peer])
        {
            try
            {
                Run("ip", "netns", "delete", ns);
            }
            catch (InvalidOperationException)
            {
                // Never created.
            }
        }
    }

    internal sealed class Background : IDisposable
    {
        private readonly StringBuilder _stdout = new();
        private readonly StringBuilder _stderr = new();

        public Background(Process process)
        {
            Process = process;
            process.OutputDataReceived += (_, e) => Append(_stdout, e.Data);
            process.ErrorDataReceived += (_, e) => Append(_stderr, e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public Process Process { get; }

        public string Stdout
        {
            get
            {
                lock (_stdout)
                    return _stdout.ToString();
            }
        }

        public string Stderr
        {
            get
            {
                lock (_stderr)
                    return _stderr.ToString();
            }
        }

        private static void Append(StringBuilder text, string? line)
        {
            if (line is null)
                return;
            lock (text)
                text.Append(line).Append('\n');
        }

        /// <summary>Waits until stdout or stderr contains <paramref name="marker"/>.</summary>
        public void WaitFor(string marker, TimeSpan timeout)
        {
            var clock = Stopwatch.StartNew();
            while (!Stdout.Contains(marker, StringComparison.Ordinal) && !Stderr.Contains(marker, StringComparison.Ordinal))
            {
                if (Process.HasExited || clock.Elapsed > timeout)
                    throw new InvalidOperationException($"'{marker}' never came (exited: {Process.HasExited}): {Stderr}");
                Thread.Sleep(20);
            }
        }

        public void Signal(string name) => Run("kill", "-" + name, Process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture));

        /// <summary>Waits for the exit; kills the process if it takes longer.</summary>
        public int WaitForExit(TimeSpan timeout)
        {
            if (!Process.WaitForExit(timeout))
            {
                Process.Kill(entireProcessTree: true);
                throw new TimeoutException("the process did not exit in time");
            }

            Process.WaitForExit();   // drains the output events
            return Process.ExitCode;
        }

        public void Dispose()
        {
            if (!Process.HasExited)
                Process.Kill(entireProcessTree: true);
            Process.Dispose();
        }
    }
}
