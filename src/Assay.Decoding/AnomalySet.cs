using System.Runtime.CompilerServices;

namespace Assay.Decoding;

/// <summary>The anomalies one packet raised: up to <see cref="Capacity"/> kept, the rest counted in <see cref="Overflow"/>.</summary>
public struct AnomalySet
{
    public const int Capacity = 8;

    private AnomalyBuffer _items;
    private int _count;

    public readonly int Count => _count;

    /// <summary>Anomalies that did not fit.</summary>
    public int Overflow { readonly get; private set; }

    public readonly Anomaly this[int index] => (uint)index < (uint)_count ? _items[index] : Anomaly.None;

    public void Add(Anomaly anomaly)
    {
        if (_count < Capacity)
            _items[_count++] = anomaly;
        else
            Overflow++;
    }

    public readonly bool Contains(Anomaly anomaly)
    {
        for (int i = 0; i < _count; i++)
        {
            if (_items[i] == anomaly)
                return true;
        }

        return false;
    }

    public void Clear()
    {
        _count = 0;
        Overflow = 0;
    }

    [InlineArray(Capacity)]
    private struct AnomalyBuffer
    {
        private Anomaly _element0;
    }
}
