using Assay.Decoding;

namespace Assay.Protocols.Mining;

/// <summary>What a client request asked, remembered by id until its result arrives.</summary>
internal enum MiningRequest : byte
{
    None,
    Subscribe,
    Authorize,
    Login,
    Submit,
    GetWork,
    EthGetWork,
    GetBlockTemplate,
    Other,
}

public sealed partial class MiningSession
{
    /// <summary>Remembers a client request by the hash of its id; requests without an id (or a null one) are not answered.</summary>
    private void AddPending(ref MiningMessage message, MiningRequest kind, in Context context, ref AnomalySet anomalies)
    {
        if (!context.FromClient || !TryHashId(ref message, out ulong id))
            return;
        _pendingIds ??= new ulong[MaxPendingRequests];
        _pendingKinds ??= new MiningRequest[MaxPendingRequests];

        // An id reused before its answer replaces the older request.
        int existing = FindPending(id);
        if (existing >= 0)
            RemovePendingAt(existing);
        if (_pendingCount == MaxPendingRequests)
        {
            RemovePendingAt(0);
            anomalies.Add(Anomaly.MiningTooManyPending);
        }

        _pendingIds[_pendingCount] = id;
        _pendingKinds[_pendingCount] = kind;
        _pendingCount++;
    }

    /// <summary>The request a response answers (and forgets it); <see cref="MiningRequest.None"/> when unknown.</summary>
    private MiningRequest TakePending(ref MiningMessage message)
    {
        if (_pendingCount == 0 || !TryHashId(ref message, out ulong id))
            return MiningRequest.None;
        int index = FindPending(id);
        if (index < 0)
            return MiningRequest.None;
        MiningRequest kind = _pendingKinds![index];
        RemovePendingAt(index);
        return kind;
    }

    /// <summary>Forgets the oldest request of a kind: a pool that answers getWork with id 0 (nanopool) never echoes the request id.</summary>
    private void ForgetOldestPending(MiningRequest kind)
    {
        for (int i = 0; i < _pendingCount; i++)
        {
            if (_pendingKinds![i] == kind)
            {
                RemovePendingAt(i);
                return;
            }
        }
    }

    private int FindPending(ulong id)
    {
        for (int i = _pendingCount - 1; i >= 0; i--)
        {
            if (_pendingIds![i] == id)
                return i;
        }

        return -1;
    }

    private void RemovePendingAt(int index)
    {
        int after = _pendingCount - index - 1;
        if (after > 0)
        {
            Array.Copy(_pendingIds!, index + 1, _pendingIds!, index, after);
            Array.Copy(_pendingKinds!, index + 1, _pendingKinds!, index, after);
        }

        _pendingCount--;
    }

    /// <summary>FNV-1a over the id's kind and bytes: 1, "1" and 1.0 are different ids, as JSON-RPC says.</summary>
    private static bool TryHashId(ref MiningMessage message, out ulong hash)
    {
        JsonValue id = message.TopValue(MiningJsonKey.Id);
        hash = 14695981039346656037UL;
        if (id.Kind is not (JsonKind.String or JsonKind.Number))
            return false;
        hash = (hash ^ (byte)id.Kind) * 1099511628211UL;
        foreach (byte b in message.Span(id))
            hash = (hash ^ b) * 1099511628211UL;
        return true;
    }
}
