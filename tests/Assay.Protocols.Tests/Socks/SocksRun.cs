using System.Text;
using Assay.Decoding;
using Assay.Protocols.Socks;

namespace Assay.Protocols.Tests.Socks;

/// <summary>
/// Drives a <see cref="SocksHandshake"/> the way the integrator will: per direction, unconsumed bytes are kept and offered
/// again with the next segment; once that direction's handshake part is complete, its remaining bytes are tunnel payload.
/// </summary>
internal sealed class SocksRun
{
    private readonly List<byte>[] _pending = [[], []];

    public SocksHandshake Handshake { get; } = new();

    public List<byte> ClientTunnel { get; } = [];

    public List<byte> ServerTunnel { get; } = [];

    public List<Anomaly> Anomalies { get; } = [];

    /// <summary>Handshake bytes consumed per direction (client, server): where each tunnel starts.</summary>
    public long[] Consumed { get; } = new long[2];

    public void Segment(bool fromClient, ReadOnlySpan<byte> data)
    {
        int side = fromClient ? 0 : 1;
        List<byte> pending = _pending[side];
        pending.AddRange(data.ToArray());
        Pump(fromClient);
    }

    private void Pump(bool fromClient)
    {
        int side = fromClient ? 0 : 1;
        List<byte> pending = _pending[side];
        bool complete = fromClient ? Handshake.ClientComplete : Handshake.ServerComplete;
        if (!complete && Handshake.State == SocksState.Handshake && pending.Count > 0)
        {
            AnomalySet anomalies = default;
            byte[] bytes = [.. pending];
            int n = Handshake.Feed(fromClient, bytes, ref anomalies);
            Assert.InRange(n, 0, bytes.Length);
            Consumed[side] += n;
            pending.RemoveRange(0, n);
            for (int i = 0; i < anomalies.Count; i++)
                Anomalies.Add(anomalies[i]);
            complete = fromClient ? Handshake.ClientComplete : Handshake.ServerComplete;
        }

        // A direction whose handshake part is over (or a failed handshake) passes everything on as payload.
        if (complete || Handshake.State != SocksState.Handshake)
        {
            (fromClient ? ClientTunnel : ServerTunnel).AddRange(pending);
            pending.Clear();
        }
    }

    /// <summary>Runs a script of segments in order.</summary>
    public static SocksRun Script(IEnumerable<(bool FromClient, byte[] Data)> segments)
    {
        var run = new SocksRun();
        foreach ((bool fromClient, byte[] data) in segments)
        {
            run.Segment(fromClient, data);

            // The other side may have been waiting for this one (server bytes before the client's first byte).
            run.Pump(!fromClient);
        }

        return run;
    }

    /// <summary>Two whole direction streams (no timing): alternate until neither side makes progress.</summary>
    public static SocksRun Streams(byte[] client, byte[] server)
    {
        var run = new SocksRun();
        run._pending[0].AddRange(client);
        run._pending[1].AddRange(server);
        long before;
        do
        {
            before = run.Consumed[0] + run.Consumed[1];
            run.Pump(fromClient: true);
            run.Pump(fromClient: false);
        }
        while (run.Consumed[0] + run.Consumed[1] != before);
        run.Pump(fromClient: true);
        run.Pump(fromClient: false);
        return run;
    }

    public string Describe()
    {
        SocksHandshake h = Handshake;
        return new StringBuilder()
            .Append($"state={h.State} v={h.Version} cmd={h.Command} host={h.TargetHost} addr={h.TargetAddress:x} port={h.TargetPort} ")
            .Append($"reply={h.ReplyCode} method={h.Method} auth={h.UsedAuthentication} authFailed={h.AuthenticationFailed} user={h.UserName} ")
            .Append($"bound={h.BoundAddress:x}:{h.BoundPort} consumed={Consumed[0]}/{Consumed[1]} ")
            .Append($"client-tunnel={Convert.ToHexString([.. ClientTunnel])} server-tunnel={Convert.ToHexString([.. ServerTunnel])} ")
            .Append($"anomalies={string.Join(",", Anomalies)}")
            .ToString();
    }
}
