import ArenaModel

/// What an op that names a slot did to it.
public enum SlotChange {
    /// The slot holds this block now (nil: the call returned NULL), `requested` bytes
    /// asked for (0 for a NULL or a calloc whose product overflows).
    case filled(UnsafeMutableRawPointer?, requested: Int)
    /// The slot is empty: its block was freed, or `realloc (p, 0)` freed it.
    case emptied
    /// The slot keeps its block: a failed realloc.
    case unchanged
}

extension TraceEvent.Op {
    /// Makes the call on `thread`, `block` being what the op's slot holds, and says what
    /// the call returned and what the slot holds after it, as glibc-replay keeps its
    /// slots: a NULL empties the slot, a failed realloc keeps the block, `realloc (p, 0)`
    /// frees it. `trim` and `exit` name no slot: nil (the caller runs them).
    @inline(__always)
    public func call(on thread: MallocThread, block: UnsafeMutableRawPointer?) -> (returned: UnsafeMutableRawPointer?, slot: SlotChange)? {
        switch self {
        case .malloc(let size, _):
            let p = thread.malloc(size)
            return (p, .filled(p, requested: p == nil ? 0 : size))
        case .calloc(let count, let size, _):
            let p = thread.calloc(count, size)
            let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
            return (p, .filled(p, requested: p == nil || overflow ? 0 : bytes))
        case .realloc(let size, _):
            let p = thread.realloc(block, size)
            if p != nil { return (p, .filled(p, requested: size)) }
            return (nil, size == 0 && block != nil ? .emptied : .unchanged)
        case .memalign(let alignment, let size, _):
            let p = thread.memalign(alignment, size)
            return (p, .filled(p, requested: p == nil ? 0 : size))
        case .free:
            thread.free(block)
            return (nil, .emptied)
        case .trim, .exit:
            return nil
        }
    }
}
