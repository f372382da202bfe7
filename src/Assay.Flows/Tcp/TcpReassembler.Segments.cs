using Assay.Decoding;

namespace Assay.Flows.Tcp;

// Delivery, buffering and the two node lists of a direction: pending (out-of-order, undelivered, sorted, ≥ next offset)
// and retained (delivered bytes kept for overlap checks, ascending, < next offset).
public sealed partial class TcpReassembler
{
    private void ProcessData<TSink>(ref TcpStreamState state, long offset, ReadOnlySpan<byte> data, long timestamp, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        DataSegments++;
        var check = new SegmentCheck(offset, data.Length, timestamp);

        if (offset < 0)
        {
            // Sent before stream offset 0: before the SYN's sequence number, or before the point a mid-stream pickup anchored.
            int before = (int)Math.Min(-offset, data.Length);
            BytesBeforeStart += before;
            data = data[before..];
            offset += before;
            if (data.IsEmpty)
                return;
        }

        long end = offset + data.Length;
        if (state.SawFin && end > state._finOffset)
        {
            int after = (int)Math.Min(end - state._finOffset, data.Length);
            BytesAfterFin += after;
            Report(ref state, TcpStreamState.ReportedAnomalies.DataAfterFin, Anomaly.StreamDataAfterFin, state._finOffset, ref sink);
            data = data[..^after];
            end -= after;
            if (data.IsEmpty)
                return;
        }

        if (end > state._highestOffset)
            state._highestOffset = end;

        if (offset < state._nextOffset)
        {
            // Bytes already delivered or skipped: they never change what was delivered (first wins), but are compared.
            int old = (int)Math.Min(state._nextOffset - offset, data.Length);
            CompareRetained(ref state, offset, data[..old], ref check);
            data = data[old..];
            offset += old;
        }

        if (!data.IsEmpty && offset == state._nextOffset)
            InOrderSegments++;

        while (!data.IsEmpty && !state.HasEnded)
        {
            if (offset == state._nextOffset)
            {
                DeliverInOrder(ref state, data, ref check, ref sink);
                break;
            }

            // Out of order. Bytes beyond the furthest limit a consumer could ask for are never delivered: don't hold them.
            long furthest = Math.Max(state._limit, _carveLimit);
            if (offset >= furthest)
            {
                BytesBeyondDepth += data.Length;
                break;
            }

            if (end > furthest)
            {
                int beyond = (int)(end - furthest);
                BytesBeyondDepth += beyond;
                data = data[..^beyond];
                end = furthest;
            }

            if (TryBuffer(ref state, offset, data, ref check, ref sink))
                break;

            // A cap would be passed: skip the first hole (it has lasted a window's worth of data) and deliver what follows.
            ForceProgress(ref state, offset, ref sink);
            if (offset < state._nextOffset && !state.HasEnded)
            {
                int old = (int)Math.Min(state._nextOffset - offset, data.Length);
                CompareRetained(ref state, offset, data[..old], ref check);
                data = data[old..];
                offset += old;
            }
        }

        Conclude(ref check, ref sink);
    }

    /// <summary>Delivers a segment that starts at the next expected byte: holes straight from the payload, held runs from their blocks.</summary>
    private void DeliverInOrder<TSink>(ref TcpStreamState state, ReadOnlySpan<byte> data, ref SegmentCheck check, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        while (true)
        {
            int head = state._pendingHead;
            if (head != 0 && _pool[head].Offset <= state._nextOffset)
            {
                // A held run starts here: it arrived first, so it wins; the payload's copy of it is only compared.
                ref SegmentPool.Node node = ref _pool[head];
                long skip = state._nextOffset - node.Offset;
                if (!data.IsEmpty && skip < node.Length)
                {
                    int n = (int)Math.Min(data.Length, node.Length - skip);
                    Compare(ref check, state._nextOffset, data[..n], node.Data.Slice((int)skip, n));
                    data = data[n..];
                }

                if (!DeliverPendingHead(ref state, ref sink))
                    return;
                continue;
            }

            if (data.IsEmpty)
                return;

            // The common case ends here in one step: nothing held, the whole payload goes to the sink from the packet.
            long holeEnd = head == 0 ? long.MaxValue : _pool[head].Offset;
            int take = (int)Math.Min(data.Length, holeEnd - state._nextOffset);
            long start = state._nextOffset;
            ReadOnlySpan<byte> chunk = data[..take];
            check.Added += take;
            if (!DeliverSpan(ref state, chunk, fromPacket: true, ref sink))
                return;
            Retain(ref state, start, chunk);
            data = data[take..];
        }
    }

    /// <summary>Hands <paramref name="data"/> (the bytes at the next offset) to the sink, up to the delivery limit.</summary>
    /// <returns><see langword="false"/> when the limit ended the stream.</returns>
    private bool DeliverSpan<TSink>(ref TcpStreamState state, ReadOnlySpan<byte> data, bool fromPacket, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        while (!data.IsEmpty)
        {
            long room = state._limit - state._nextOffset;
            if (room <= 0)
            {
                ReachDepth(ref state, data.Length, ref sink);
                return false;
            }

            int n = room < data.Length ? (int)room : data.Length;
            long offset = state._nextOffset;
            state._nextOffset = offset + n;
            BytesDelivered += n;
            if (fromPacket)
                BytesDeliveredZeroCopy += n;
            long wanted = sink.OnData(data[..n], offset);
            if (wanted > state._limit)
                RaiseLimit(ref state, wanted);
            data = data[n..];
        }

        return true;
    }

    private void ReachDepth<TSink>(ref TcpStreamState state, long droppedBytes, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        BytesBeyondDepth += droppedBytes;
        DepthReached++;
        Report(ref state, TcpStreamState.ReportedAnomalies.DepthReached, Anomaly.StreamDepthReached, state._nextOffset, ref sink);
        End(ref state, TcpStreamEnd.DepthReached, ref sink);
    }

    private void EmitGap<TSink>(ref TcpStreamState state, long length, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        if (length <= 0)
            return;
        if (state._nextOffset >= state._limit)
        {
            // Nothing past the limit would be delivered anyway.
            ReachDepth(ref state, 0, ref sink);
            return;
        }

        long offset = state._nextOffset;
        Gaps++;
        GapBytes += length;
        state._missedBytes += length;
        state._nextOffset = offset + length;
        Report(ref state, TcpStreamState.ReportedAnomalies.Gap, Anomaly.StreamGap, offset, ref sink);
        sink.OnGap(offset, length);
    }

    /// <summary>Delivers held runs that start at the next offset.</summary>
    private void DeliverPending<TSink>(ref TcpStreamState state, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        while (state._pendingHead != 0 && _pool[state._pendingHead].Offset <= state._nextOffset)
        {
            if (!DeliverPendingHead(ref state, ref sink))
                return;
        }
    }

    /// <summary>Delivers the first held run (which starts at or before the next offset), then retains or frees it.</summary>
    /// <returns><see langword="false"/> when the limit ended the stream.</returns>
    private bool DeliverPendingHead<TSink>(ref TcpStreamState state, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        int head = state._pendingHead;
        ref SegmentPool.Node node = ref _pool[head];
        state._pendingHead = node.Next;
        if (state._pendingTail == head)
            state._pendingTail = 0;
        state._pendingBytes -= node.Length;
        node.Next = 0;

        // NOTE: pending runs never start before the next offset (holes are only skipped up to a run's start); stay safe anyway.
        long skip = state._nextOffset - node.Offset;
        if (skip >= node.Length)
        {
            FreeNode(ref state, head);
            return true;
        }

        if (skip > 0)
        {
            node.Start += (int)skip;
            node.Offset += skip;
            node.Length -= (int)skip;
        }

        // The node is in neither list while the sink reads its block.
        if (!DeliverSpan(ref state, node.Data, fromPacket: false, ref sink))
        {
            FreeNode(ref state, head);
            return false;
        }

        MoveToRetained(ref state, head);
        return true;
    }

    /// <summary>Skips the first hole (up to the first held run, or to <paramref name="offset"/> if that is sooner) and delivers what follows.</summary>
    private void ForceProgress<TSink>(ref TcpStreamState state, long offset, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        int head = state._pendingHead;
        long target = head == 0 ? offset : Math.Min(offset, _pool[head].Offset);
        EmitGap(ref state, target - state._nextOffset, ref sink);
        if (!state.HasEnded)
            DeliverPending(ref state, ref sink);
    }

    /// <summary>Delivers held runs and skips holes until the next offset reaches <paramref name="target"/>, then delivers what is contiguous.</summary>
    private void AdvanceTo<TSink>(ref TcpStreamState state, long target, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        while (!state.HasEnded && state._nextOffset < target)
        {
            int head = state._pendingHead;
            if (head != 0 && _pool[head].Offset <= state._nextOffset)
            {
                if (!DeliverPendingHead(ref state, ref sink))
                    return;
                continue;
            }

            long holeEnd = head == 0 ? target : Math.Min(target, _pool[head].Offset);
            EmitGap(ref state, holeEnd - state._nextOffset, ref sink);
        }

        if (!state.HasEnded)
            DeliverPending(ref state, ref sink);
    }

    /// <summary>
    /// Holds an out-of-order segment: the bytes that fill holes between held runs are copied into pooled blocks; bytes that
    /// overlap held runs are compared (first wins).
    /// </summary>
    /// <returns><see langword="false"/> when holding it would pass a per-direction cap (nothing was held or compared); the
    /// caller forces a gap and tries again.</returns>
    private bool TryBuffer<TSink>(ref TcpStreamState state, long offset, ReadOnlySpan<byte> data, ref SegmentCheck check, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        Measure(ref state, offset, offset + data.Length, out long newBytes, out int nodesNeeded, out long blockBytes);
        if (newBytes > 0)
        {
            if (state._pendingBytes + newBytes > _options.MaxBufferedBytesPerDirection)
            {
                BufferLimitHits++;
                Report(ref state, TcpStreamState.ReportedAnomalies.BufferLimit, Anomaly.StreamBufferLimit, state._nextOffset, ref sink);
                return false;
            }

            if (state._nodes + nodesNeeded > _maxSegments)
            {
                ReleaseRetained(ref state);
                if (state._nodes + nodesNeeded > _maxSegments)
                {
                    SegmentLimitHits++;
                    Report(ref state, TcpStreamState.ReportedAnomalies.SegmentLimit, Anomaly.StreamSegmentLimit, state._nextOffset, ref sink);
                    return false;
                }
            }

            if (!_pool.CanAllocate(blockBytes))
            {
                // The worker's budget is spent: give back what this direction can spare, else drop the segment (a later
                // retransmission may still bring it; otherwise it becomes a gap).
                ReleaseRetained(ref state);
                if (!_pool.CanAllocate(blockBytes))
                {
                    MemcapHits++;
                    MemcapDroppedBytes += newBytes;
                    Report(ref state, TcpStreamState.ReportedAnomalies.Memcap, Anomaly.StreamMemcap, offset, ref sink);
                    Merge(ref state, offset, data, ref check, insert: false, ref sink);
                    return true;
                }
            }
        }

        Merge(ref state, offset, data, ref check, insert: newBytes > 0, ref sink);
        if (newBytes > 0)
            OutOfOrderSegments++;
        return true;
    }

    /// <summary>Counts the bytes of [<paramref name="offset"/>, <paramref name="end"/>) no held run covers, and the nodes and block bytes they need.</summary>
    private void Measure(ref TcpStreamState state, long offset, long end, out long newBytes, out int nodesNeeded, out long blockBytes)
    {
        newBytes = 0;
        nodesNeeded = 0;
        blockBytes = 0;
        FindPendingPosition(ref state, offset, out _, out int cur);
        long pos = offset;
        while (pos < end)
        {
            long holeEnd;
            if (cur == 0 || _pool[cur].Offset >= end)
            {
                holeEnd = end;
            }
            else if (_pool[cur].Offset > pos)
            {
                holeEnd = _pool[cur].Offset;
            }
            else
            {
                pos = Math.Min(end, _pool[cur].End);
                cur = _pool[cur].Next;
                continue;
            }

            long length = holeEnd - pos;
            newBytes += length;
            if (length <= SegmentPool.LargeBlock)
            {
                nodesNeeded++;
                blockBytes += SegmentPool.BlockSizeFor((int)length);
            }
            else
            {
                long blocks = (length + SegmentPool.LargeBlock - 1) / SegmentPool.LargeBlock;
                nodesNeeded += (int)Math.Min(blocks, int.MaxValue / 2);
                blockBytes += blocks * SegmentPool.LargeBlock;
            }

            pos = holeEnd;
        }
    }

    /// <summary>Walks the held runs overlapping the segment: compares overlaps and, when <paramref name="insert"/>, copies the holes in.</summary>
    private void Merge<TSink>(ref TcpStreamState state, long offset, ReadOnlySpan<byte> data, ref SegmentCheck check, bool insert, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        long end = offset + data.Length;
        FindPendingPosition(ref state, offset, out int prev, out int cur);
        long pos = offset;
        while (pos < end)
        {
            long holeEnd;
            if (cur == 0 || _pool[cur].Offset >= end)
            {
                holeEnd = end;
            }
            else if (_pool[cur].Offset > pos)
            {
                holeEnd = _pool[cur].Offset;
            }
            else
            {
                ref SegmentPool.Node node = ref _pool[cur];
                long overlapEnd = Math.Min(end, node.End);
                int n = (int)(overlapEnd - pos);
                Compare(ref check, pos, data.Slice((int)(pos - offset), n), node.Data.Slice((int)(pos - node.Offset), n));
                pos = overlapEnd;
                prev = cur;
                cur = node.Next;
                continue;
            }

            if (insert && !Insert(ref state, ref prev, cur, pos, data.Slice((int)(pos - offset), (int)(holeEnd - pos)), ref check, ref sink))
                insert = false;   // budget spent mid-segment: the rest is only compared
            pos = holeEnd;
        }
    }

    /// <summary>The held run before <paramref name="offset"/> (<paramref name="prev"/>, 0 if none) and the first that ends after it.</summary>
    private void FindPendingPosition(ref TcpStreamState state, long offset, out int prev, out int cur)
    {
        int tail = state._pendingTail;
        if (tail != 0 && _pool[tail].End <= offset)
        {
            // Typical after a loss: the segments that follow the hole arrive in order, each after the last held run.
            prev = tail;
            cur = 0;
            return;
        }

        prev = 0;
        cur = state._pendingHead;
        while (cur != 0 && _pool[cur].End <= offset)
        {
            prev = cur;
            cur = _pool[cur].Next;
        }
    }

    /// <summary>Copies a hole's bytes in after <paramref name="prev"/> (packing into it when contiguous), before <paramref name="next"/>.</summary>
    /// <returns><see langword="false"/> when the budget ran out part-way (the rest is dropped and counted).</returns>
    private bool Insert<TSink>(ref TcpStreamState state, ref int prev, int next, long offset, ReadOnlySpan<byte> bytes, ref SegmentCheck check, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        check.Added += bytes.Length;
        bool contiguous = prev != 0 && _pool[prev].End == offset;
        if (contiguous && _pool[prev].Room > 0)
        {
            int packed = _pool.Append(prev, bytes);
            state._pendingBytes += packed;
            bytes = bytes[packed..];
            offset += packed;
        }

        while (!bytes.IsEmpty)
        {
            // A run that continues the one before it is likely a stream of segments after a hole: give it a large block.
            int fit = SegmentPool.BlockSizeFor(bytes.Length);
            int node = _pool.Allocate(offset, contiguous ? SegmentPool.LargeBlock : fit);
            if (node == 0 && contiguous && fit < SegmentPool.LargeBlock)
                node = _pool.Allocate(offset, fit);   // near the budget: the exact fit may still pass
            if (node == 0)
            {
                MemcapHits++;
                MemcapDroppedBytes += bytes.Length;
                check.Added -= bytes.Length;
                Report(ref state, TcpStreamState.ReportedAnomalies.Memcap, Anomaly.StreamMemcap, offset, ref sink);
                return false;
            }

            int n = _pool.Append(node, bytes);
            _pool[node].Next = next;
            if (prev != 0)
                _pool[prev].Next = node;
            else
                state._pendingHead = node;
            if (next == 0)
                state._pendingTail = node;
            state._nodes++;
            state._pendingBytes += n;
            prev = node;
            contiguous = true;
            bytes = bytes[n..];
            offset += n;
        }

        return true;
    }

    /// <summary>Drops held bytes at or after <paramref name="from"/> (past the FIN).</summary>
    private void TrimPendingFrom<TSink>(ref TcpStreamState state, long from, ref TSink sink)
        where TSink : struct, ITcpStreamSink
    {
        FindPendingPosition(ref state, from, out int prev, out int cur);
        if (cur == 0)
            return;

        long dropped = 0;
        ref SegmentPool.Node first = ref _pool[cur];
        if (first.Offset < from)
        {
            int keep = (int)(from - first.Offset);
            dropped += first.Length - keep;
            first.Length = keep;
            prev = cur;
            cur = first.Next;
            first.Next = 0;
        }
        else if (prev != 0)
        {
            _pool[prev].Next = 0;
        }
        else
        {
            state._pendingHead = 0;
        }

        state._pendingTail = prev;
        while (cur != 0)
        {
            int next = _pool[cur].Next;
            dropped += _pool[cur].Length;
            FreeNode(ref state, cur);
            cur = next;
        }

        state._pendingBytes -= (int)dropped;
        if (dropped > 0)
        {
            BytesAfterFin += dropped;
            Report(ref state, TcpStreamState.ReportedAnomalies.DataAfterFin, Anomaly.StreamDataAfterFin, from, ref sink);
        }
    }

    // ---- retained (delivered) bytes ----

    /// <summary>Keeps a copy of bytes just delivered from a packet, packed onto the retained tail.</summary>
    private void Retain(ref TcpStreamState state, long offset, ReadOnlySpan<byte> data)
    {
        if (_options.RetainBytes == 0)
            return;
        if (data.Length > _options.RetainBytes)
        {
            // Only the last RetainBytes can be kept anyway.
            int skip = data.Length - _options.RetainBytes;
            data = data[skip..];
            offset += skip;
        }

        int tail = state._retainedTail;
        bool contiguous = tail != 0 && _pool[tail].End == offset;
        if (contiguous)
        {
            int packed = _pool.Append(tail, data);
            state._retainedBytes += packed;
            data = data[packed..];
            offset += packed;
        }

        while (!data.IsEmpty)
        {
            if (state._nodes >= _maxSegments && !DropRetainedHead(ref state))
            {
                RetainSkippedBytes += data.Length;
                break;
            }

            int size = contiguous ? SegmentPool.LargeBlock : SegmentPool.BlockSizeFor(data.Length);
            int node = RetainedBlockBytes + size <= _retainBudget ? _pool.Allocate(offset, size) : 0;
            if (node == 0)
            {
                RetainSkippedBytes += data.Length;
                break;
            }

            int n = _pool.Append(node, data);
            LinkRetained(ref state, node);
            state._nodes++;
            state._retainedBytes += n;
            contiguous = true;
            data = data[n..];
            offset += n;
        }

        TrimRetainedToSize(ref state);
    }

    /// <summary>Moves a delivered pending node onto the retained list (or frees it), packing small runs into the retained tail.</summary>
    private void MoveToRetained(ref TcpStreamState state, int index)
    {
        if (_options.RetainBytes == 0)
        {
            FreeNode(ref state, index);
            return;
        }

        ref SegmentPool.Node node = ref _pool[index];
        int tail = state._retainedTail;
        if (tail != 0 && node.Length <= SegmentPool.MediumBlock && _pool[tail].End == node.Offset && _pool[tail].Room >= node.Length)
        {
            // Tiny segments would otherwise pin one node each until acknowledged.
            _pool.Append(tail, node.Data);
            state._retainedBytes += node.Length;
            FreeNode(ref state, index);
        }
        else if (RetainedBlockBytes + node.Block.Length > _retainBudget)
        {
            RetainSkippedBytes += node.Length;
            FreeNode(ref state, index);
        }
        else
        {
            state._retainedBytes += node.Length;
            LinkRetained(ref state, index);
        }

        TrimRetainedToSize(ref state);
    }

    private void LinkRetained(ref TcpStreamState state, int index)
    {
        RetainedBlockBytes += _pool[index].Block.Length;
        _pool[index].Next = 0;
        if (state._retainedTail != 0)
            _pool[state._retainedTail].Next = index;
        else
            state._retainedHead = index;
        state._retainedTail = index;
    }

    private void TrimRetainedToSize(ref TcpStreamState state)
    {
        int excess = state._retainedBytes - _options.RetainBytes;
        while (excess > 0 && state._retainedHead != 0)
        {
            ref SegmentPool.Node head = ref _pool[state._retainedHead];
            if (head.Length <= excess)
            {
                excess -= head.Length;
                DropRetainedHead(ref state);
            }
            else
            {
                head.Start += excess;
                head.Offset += excess;
                head.Length -= excess;
                state._retainedBytes -= excess;
                excess = 0;
            }
        }
    }

    /// <summary>Frees retained bytes below <paramref name="below"/> (acknowledged by the receiver).</summary>
    private void TrimRetained(ref TcpStreamState state, long below)
    {
        while (state._retainedHead != 0)
        {
            ref SegmentPool.Node head = ref _pool[state._retainedHead];
            if (head.Offset >= below)
                return;
            if (head.End <= below)
            {
                DropRetainedHead(ref state);
                continue;
            }

            int cut = (int)(below - head.Offset);
            head.Start += cut;
            head.Offset = below;
            head.Length -= cut;
            state._retainedBytes -= cut;
            return;
        }
    }

    private bool DropRetainedHead(ref TcpStreamState state)
    {
        int head = state._retainedHead;
        if (head == 0)
            return false;
        state._retainedHead = _pool[head].Next;
        if (state._retainedTail == head)
            state._retainedTail = 0;
        state._retainedBytes -= _pool[head].Length;
        RetainedBlockBytes -= _pool[head].Block.Length;
        FreeNode(ref state, head);
        return true;
    }

    private void ReleaseRetained(ref TcpStreamState state)
    {
        while (DropRetainedHead(ref state))
        {
        }
    }

    /// <summary>Returns every node the direction holds to the pool.</summary>
    private void ReleaseNodes(ref TcpStreamState state)
    {
        ReleaseRetained(ref state);
        int cur = state._pendingHead;
        while (cur != 0)
        {
            int next = _pool[cur].Next;
            FreeNode(ref state, cur);
            cur = next;
        }

        state._pendingHead = 0;
        state._pendingTail = 0;
        state._pendingBytes = 0;
    }

    private void FreeNode(ref TcpStreamState state, int index)
    {
        _pool.Free(index);
        state._nodes--;
    }
}
