namespace Assay.Flows;

/// <summary>Receives flows as they end. Implemented by structs so the call is direct, not through an interface (STYLE §3.4).</summary>
public interface IFlowSink
{
    /// <summary>The flow has ended (<see cref="FlowRecord.EndReason"/> says why); its slot is reused after this returns.</summary>
    void OnFlowEnd(ref FlowRecord flow);
}
