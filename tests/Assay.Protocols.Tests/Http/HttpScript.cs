using System.Text;
using Assay.Protocols.Http;

namespace Assay.Protocols.Tests.Http;

/// <summary>
/// A conversation as the engine would deliver it: pieces of bytes in order, each to the server or to the client. Runs it
/// through one <see cref="HttpParser"/> whole, cut at any global position, or in pieces of a fixed size.
/// </summary>
internal sealed class HttpScript
{
    private readonly List<(bool ToServer, byte[] Data)> _pieces = [];

    public IReadOnlyList<(bool ToServer, byte[] Data)> Pieces => _pieces;

    public int Length { get; private set; }

    public HttpScript Request(string text) => Add(toServer: true, Encoding.Latin1.GetBytes(text));

    public HttpScript Response(string text) => Add(toServer: false, Encoding.Latin1.GetBytes(text));

    public HttpScript Add(bool toServer, byte[] data)
    {
        _pieces.Add((toServer, data));
        Length += data.Length;
        return this;
    }

    /// <summary>Every piece whole, then the flow closes.</summary>
    public HttpRecorder Run(HttpOptions? options = null, bool close = true) => RunChunked(int.MaxValue, options, close);

    /// <summary>Every piece in chunks of at most <paramref name="chunk"/> bytes.</summary>
    public HttpRecorder RunChunked(int chunk, HttpOptions? options = null, bool close = true)
    {
        using var context = new HttpParserContext(options);
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        foreach ((bool toServer, byte[] data) in _pieces)
        {
            for (int i = 0; i < data.Length; i += chunk)
                parser.OnData(toServer, data.AsSpan(i, (int)Math.Min(chunk, (long)data.Length - i)), ref recorder);
        }

        if (close)
            parser.Close(ref recorder);
        return recorder;
    }

    /// <summary>The piece holding global position <paramref name="at"/> is delivered in two parts, cut there.</summary>
    public HttpRecorder RunSplitAt(int at, HttpOptions? options = null)
    {
        using var context = new HttpParserContext(options);
        using var parser = new HttpParser(context);
        var recorder = new HttpRecorder();
        int position = 0;
        foreach ((bool toServer, byte[] data) in _pieces)
        {
            int cut = at - position;
            if (cut > 0 && cut < data.Length)
            {
                parser.OnData(toServer, data.AsSpan(0, cut), ref recorder);
                parser.OnData(toServer, data.AsSpan(cut), ref recorder);
            }
            else
            {
                parser.OnData(toServer, data, ref recorder);
            }

            position += data.Length;
        }

        parser.Close(ref recorder);
        return recorder;
    }
}
