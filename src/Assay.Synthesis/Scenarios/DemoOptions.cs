namespace Assay.Synthesis.Scenarios;

/// <summary>Knobs for <see cref="DemoScenario"/>. The defaults give about 30 000 packets over ten minutes.</summary>
public sealed record DemoOptions
{
    public long Seed { get; init; } = 20250304;

    /// <summary>Capture length. The intrusion is placed at fixed fractions of it, so short captures still contain every stage.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>Multiplies the amount of background (office) traffic; the planted flows are always present once.</summary>
    public double Scale { get; init; } = 1.0;

    public DateTimeOffset Start { get; init; } = new(2025, 3, 4, 9, 0, 0, TimeSpan.Zero);

    public bool NanosecondResolution { get; init; }
}
