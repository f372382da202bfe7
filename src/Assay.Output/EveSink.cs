using System.Buffers;

namespace Assay.Output;

/// <summary>
/// The EVE file writer: one thread that writes chunks of complete JSON lines, in the order they are submitted, with large
/// sequential writes. Workers format events themselves (in parallel) and submit whole chunks, so a line is never split.
/// </summary>
public sealed class EveSink : IDisposable
{
    /// <summary>Chunk size workers fill before submitting.</summary>
    public const int ChunkSize = 256 * 1024;

    /// <summary>Chunks queued before <see cref="Submit"/> waits: bounds memory at ≈ 16 MiB.</summary>
    public const int MaxQueuedChunks = 64;

    private readonly Stream _stream;
    private readonly bool _leaveOpen;
    private readonly BoundedQueue<(byte[] Chunk, int Length)> _queue = new(MaxQueuedChunks);
    private readonly Thread _thread;
    private Exception? _failure;
    private long _bytesWritten;

    /// <param name="leaveOpen">Keep <paramref name="stream"/> open after <see cref="Dispose"/>.</param>
    public EveSink(Stream stream, bool leaveOpen = false)
    {
        _stream = stream;
        _leaveOpen = leaveOpen;
        _thread = new Thread(Run) { Name = "assay-eve", IsBackground = true };
        _thread.Start();
    }

    public static EveSink Create(string path) =>
        new(new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.Read, 1, FileOptions.SequentialScan));

    public long BytesWritten => Interlocked.Read(ref _bytesWritten);

    /// <summary>Times a submitter found the queue full and waited (the disk is slower than the analysis).</summary>
    public long Waits => _queue.FullWaits;

    public static byte[] RentChunk(int minimumLength) => ArrayPool<byte>.Shared.Rent(Math.Max(minimumLength, ChunkSize));

    public static void ReturnChunk(byte[] chunk) => ArrayPool<byte>.Shared.Return(chunk);

    /// <summary>Queues a chunk of complete lines; ownership passes to the sink.</summary>
    public void Submit(byte[] chunk, int length)
    {
        if (_failure is not null)
            throw new IOException("writing EVE output failed: " + _failure.Message, _failure);
        _queue.Add((chunk, length));
    }

    /// <summary>Writes everything queued, flushes and closes the file.</summary>
    public void Complete()
    {
        _queue.Complete();
        _thread.Join();
        if (_failure is not null)
            throw new IOException("writing EVE output failed: " + _failure.Message, _failure);
    }

    private void Run()
    {
        try
        {
            while (_queue.TryTake(out (byte[] Chunk, int Length) item))
            {
                (byte[] chunk, int length) = item;
                if (_failure is null)
                {
                    try
                    {
                        _stream.Write(chunk, 0, length);
                        Interlocked.Add(ref _bytesWritten, length);
                    }
                    catch (IOException e)
                    {
                        _failure = e;
                    }
                }

                ArrayPool<byte>.Shared.Return(chunk);
            }

            _stream.Flush();
        }
        catch (IOException e)
        {
            _failure ??= e;
        }
    }

    public void Dispose()
    {
        try
        {
            Complete();
        }
        catch (IOException)
        {
            // Already reported by Complete() to whoever called it; Dispose must not throw.
        }

        if (!_leaveOpen)
            _stream.Dispose();
    }
}
