namespace Assay.Synthesis.Sessions;

/// <summary>One frame and the time the sensor saw it (nanoseconds since the Unix epoch, as <c>PcapWriter</c> takes).</summary>
public readonly record struct SyntheticPacket(long TimestampNanos, byte[] Data);

/// <summary>Time helpers: everything in the synthesizer is Unix-epoch nanoseconds.</summary>
public static class SynthTime
{
    public const long Microsecond = 1_000;
    public const long Millisecond = 1_000_000;
    public const long Second = 1_000_000_000;

    public static long ToUnixNanos(DateTimeOffset time) => (time.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;

    public static long ToNanos(TimeSpan span) => span.Ticks * 100;

    public static DateTimeOffset FromUnixNanos(long nanos) => DateTimeOffset.UnixEpoch.AddTicks(nanos / 100);
}
