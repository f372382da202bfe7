namespace Assay.Detection;

/// <summary>
/// Tool downloads: a request made by a command-line or scripting HTTP client (curl, Wget, python-requests, Go's
/// net/http, …), or one fetching a script or binary (URL ending <c>.sh</c>/<c>.py</c>/<c>.pl</c>/<c>.elf</c>…, or a
/// response that is a shell script or an ELF file).
/// </summary>
public static class ToolDownload
{
    // (user-agent prefix, tool name): prefixes as the tools send them; compared ASCII case-insensitively.
    private static readonly (string Prefix, string Tool)[] s_tools =
    [
        ("curl/", "curl"), ("Wget/", "wget"), ("Wget", "wget"), ("python-requests/", "python-requests"), ("Python-urllib/", "python-urllib"),
        ("python-httpx/", "python-httpx"), ("aiohttp/", "python-aiohttp"), ("Go-http-client/", "go-http-client"), ("libwww-perl/", "libwww-perl"),
        ("lwp-request/", "lwp-request"), ("PowerShell/", "powershell"), ("WindowsPowerShell/", "powershell"), ("aria2/", "aria2"),
        ("HTTPie/", "httpie"), ("fetch libfetch", "fetch"), ("axios/", "axios"), ("node-fetch", "node-fetch"), ("Java/", "java"),
        ("Apache-HttpClient/", "apache-httpclient"), ("okhttp/", "okhttp"), ("Ruby", "ruby"), ("Faraday", "ruby-faraday"),
        ("Zgrab/", "zgrab"), ("masscan", "masscan"), ("Nmap", "nmap"), ("BusyBox", "busybox"), ("PycURL/", "pycurl"), ("Mozilla/5.0 zgrab", "zgrab"),
    ];

    private static readonly string[] s_scriptExtensions = [".sh", ".py", ".pl", ".elf", ".bin", ".x86", ".x86_64", ".arm", ".arm7", ".mips", ".so", ".ps1"];

    /// <summary>Whether <paramref name="userAgent"/> is a command-line or scripting HTTP client; <paramref name="tool"/> names it.</summary>
    public static bool IsToolUserAgent(ReadOnlySpan<byte> userAgent, out string tool)
    {
        userAgent = userAgent.TrimStart((byte)' ');
        foreach ((string prefix, string name) in s_tools)
        {
            if (StartsWithAsciiIgnoreCase(userAgent, prefix))
            {
                tool = name;
                return true;
            }
        }

        tool = "";
        return false;
    }

    /// <summary>Whether the URL path ends in a script or binary extension (<c>.sh .py .pl .elf .bin .x86 .arm .mips .so .ps1</c>…).</summary>
    public static bool IsScriptOrBinaryPath(ReadOnlySpan<byte> uri, out string extension)
    {
        int end = uri.IndexOfAny((byte)'?', (byte)'#');
        ReadOnlySpan<byte> path = end < 0 ? uri : uri[..end];
        foreach (string candidate in s_scriptExtensions)
        {
            if (EndsWithAsciiIgnoreCase(path, candidate))
            {
                extension = candidate;
                return true;
            }
        }

        extension = "";
        return false;
    }

    /// <summary>What the response body starts as: <c>"shell-script"</c> (<c>#!</c> with sh/bash), <c>"script"</c> (other <c>#!</c>), <c>"elf"</c>, or null.</summary>
    public static string? ResponseType(ReadOnlySpan<byte> responseHead)
    {
        if (responseHead.StartsWith("\u007fELF"u8))
            return "elf";
        if (!responseHead.StartsWith("#!"u8))
            return null;
        int newline = responseHead.IndexOf((byte)'\n');
        ReadOnlySpan<byte> shebang = newline < 0 ? responseHead : responseHead[..newline];
        return shebang.IndexOf("sh"u8) >= 0 ? "shell-script" : "script";
    }

    /// <summary>
    /// A tool download, with the reason (<c>"user-agent wget; path .sh; response shell-script"</c>): the request came
    /// from a tool, asked for a script or binary path, or got a script or ELF back. Allocates only the reason.
    /// </summary>
    public static bool IsToolDownload(ReadOnlySpan<byte> uri, ReadOnlySpan<byte> userAgent, ReadOnlySpan<byte> responseHead, out string reason)
    {
        bool byTool = IsToolUserAgent(userAgent, out string tool);
        bool byPath = IsScriptOrBinaryPath(uri, out string extension);
        string? type = ResponseType(responseHead);
        if (!byTool && !byPath && type is null)
        {
            reason = "";
            return false;
        }

        var parts = new List<string>(3);
        if (byTool)
            parts.Add("user-agent " + tool);
        if (byPath)
            parts.Add("path " + extension);
        if (type is not null)
            parts.Add("response " + type);
        reason = string.Join("; ", parts);
        return true;
    }

    private static bool StartsWithAsciiIgnoreCase(ReadOnlySpan<byte> text, string prefix)
    {
        if (text.Length < prefix.Length)
            return false;
        for (int i = 0; i < prefix.Length; i++)
        {
            if (char.ToLowerInvariant((char)text[i]) != char.ToLowerInvariant(prefix[i]))
                return false;
        }

        return true;
    }

    private static bool EndsWithAsciiIgnoreCase(ReadOnlySpan<byte> text, string suffix) =>
        text.Length >= suffix.Length && StartsWithAsciiIgnoreCase(text[^suffix.Length..], suffix);
}
