namespace Assay.Live;

/// <summary>
/// A live capture could not start or went wrong: no such interface, no permission, a filter that does not compile. The
/// message is one complete sentence naming the interface or filter, fit to print as it is (<c>assay: …</c>).
/// </summary>
public sealed class LiveCaptureException : Exception
{
    public LiveCaptureException()
    {
    }

    public LiveCaptureException(string message) : base(message)
    {
    }

    public LiveCaptureException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
