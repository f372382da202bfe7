namespace Assay.Decoding.Tests.TestSupport;

/// <summary>
/// Classes with zero-allocation assertions run alone: the shared <see cref="System.Buffers.ArrayPool{T}"/> is per-core as well
/// as per-thread, so a test on another thread renting the arrays this one returned would make a steady state allocate.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "Allocation";
}
