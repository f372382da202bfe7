namespace Assay.Output;

/// <summary>
/// A fixed-capacity multi-producer, multi-consumer queue over a ring buffer with a monitor. Unlike channels and
/// <c>BlockingCollection</c>, steady-state use allocates nothing, which the packet path's zero-allocation budget needs.
/// Items are handed over in batches (thousands of packets each), so one lock per item is cheap.
/// </summary>
public sealed class BoundedQueue<T>
{
    private readonly T[] _items;
    private readonly object _gate = new();
    private int _head;
    private int _count;
    private bool _completed;

    public BoundedQueue(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _items = new T[capacity];
    }

    /// <summary>Times <see cref="Add"/> found the queue full and had to wait.</summary>
    public long FullWaits { get; private set; }

    public int Count
    {
        get
        {
            lock (_gate)
                return _count;
        }
    }

    /// <summary>Adds without waiting; <see langword="false"/> when full.</summary>
    public bool TryAdd(T item)
    {
        lock (_gate)
        {
            if (_count == _items.Length || _completed)
                return false;
            Enqueue(item);
            return true;
        }
    }

    /// <summary>Adds, waiting while the queue is full (back-pressure for file input). Counted in <see cref="FullWaits"/>.</summary>
    public void Add(T item)
    {
        lock (_gate)
        {
            if (_completed)
                throw new InvalidOperationException("The queue was completed.");
            if (_count == _items.Length)
            {
                FullWaits++;
                while (_count == _items.Length)
                    Monitor.Wait(_gate);
            }

            Enqueue(item);
        }
    }

    /// <summary>Takes the next item, waiting for one; <see langword="false"/> once completed and empty.</summary>
    public bool TryTake(out T item)
    {
        lock (_gate)
        {
            while (_count == 0)
            {
                if (_completed)
                {
                    item = default!;
                    return false;
                }

                Monitor.Wait(_gate);
            }

            item = _items[_head];
            _items[_head] = default!;
            _head = (_head + 1) % _items.Length;
            _count--;
            Monitor.PulseAll(_gate);
            return true;
        }
    }

    /// <summary>No more items will be added; takers drain what is left, then get <see langword="false"/>.</summary>
    public void Complete()
    {
        lock (_gate)
        {
            _completed = true;
            Monitor.PulseAll(_gate);
        }
    }

    private void Enqueue(T item)
    {
        _items[(_head + _count) % _items.Length] = item;
        _count++;
        Monitor.PulseAll(_gate);
    }
}
