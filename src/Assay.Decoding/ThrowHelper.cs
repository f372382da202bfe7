using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Assay.Decoding;

/// <summary>Throws for programmer errors (API misuse) only — never for traffic. Kept out of line so callers stay small.</summary>
internal static class ThrowHelper
{
    [DoesNotReturn]
    public static void ThrowArgumentException(string message, string paramName) => throw CreateArgumentException(message, paramName);

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static ArgumentException CreateArgumentException(string message, string paramName) => new(message, paramName);
}
