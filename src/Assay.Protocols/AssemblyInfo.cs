using System.Runtime.CompilerServices;

// Audit (RESPite's rule): every stackalloc and pooled buffer in this assembly is written before it is read.
[module: SkipLocalsInit]
