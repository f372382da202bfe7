using Assay.Protocols.Dns;

namespace Assay.Engine.App;

/// <summary>
/// Application-layer state of one flow, owned by the flow's worker. Created on a flow's first payload and recycled
/// through <see cref="AppLayer"/>'s pool when the flow ends, so steady state allocates nothing.
/// </summary>
internal sealed class FlowApp
{
    /// <summary>DNS queries waiting for responses (UDP or TCP DNS flows).</summary>
    public DnsTransactionTable Dns;

    public void Reset() => Dns.Reset();
}
