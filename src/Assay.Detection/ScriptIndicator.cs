namespace Assay.Detection;

/// <summary>One thing a script does, as named by <see cref="ScriptAnalyzer"/>.</summary>
/// <param name="Name">The indicator (<c>kill-known-miners</c>, <c>chattr</c>, <c>crontab-install</c>, <c>wallet</c>, …).</param>
/// <param name="Category">
/// <c>competitor-kill</c>, <c>persistence-cron</c>, <c>persistence-systemd</c>, <c>persistence-rc</c>, <c>file-immutable</c>,
/// <c>firewall</c>, <c>security-removal</c>, <c>hugepages</c>, <c>ssh-spread</c>, <c>ssh-key-implant</c>, <c>download-exec</c>,
/// <c>miner-config</c>, <c>log-wiping</c>.
/// </param>
/// <param name="Line">1-based line number (of the first line of a block).</param>
/// <param name="Text">The line (or the lines of a block joined with <c>\n</c>), trimmed, at most 400 characters.</param>
public sealed record ScriptIndicator(string Name, string Category, int Line, string Text);
