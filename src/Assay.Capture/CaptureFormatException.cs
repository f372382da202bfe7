namespace Assay.Capture;

/// <summary>The file is not a capture this reader understands (bad magic, version, or header). Thrown only when opening.</summary>
public sealed class CaptureFormatException : Exception
{
    public CaptureFormatException(string message) : base(message) { }

    public CaptureFormatException(string message, Exception inner) : base(message, inner) { }

    public CaptureFormatException() { }
}
