using System.Runtime.CompilerServices;

// Audit (RESPite's rule): every stackalloc and pooled buffer in this assembly is written before it is read, so the
// zero-init the runtime would do is pure cost on the packet path.
[module: SkipLocalsInit]
