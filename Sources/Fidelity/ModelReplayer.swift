import ArenaModel

/// Replays a trace on a fresh `ArenaSet`: each thread of the trace is attached at its
/// first op, in the order of the trace (the first one is the main thread, on the main
/// arena), and the ops run one at a time in trace order.
///
/// A thread stays attached to the end, so a replay holds one modelled thread per thread
/// number: at most `Trace.threadLimit`, which `Trace.read` enforces and a trace built in
/// code must respect too.
public final class ModelReplayer {
    /// The modelled process the trace runs in.
    public let set: ArenaSet
    private var threads: [Int: MallocThread] = [:]
    private var slots: [UnsafeMutableRawPointer?]

    /// A fresh model with `tunables`; the slot table starts with `slotCount` slots and
    /// grows as ops name higher ones.
    public init(tunables: Tunables = Tunables(), slotCount: Int = 0) {
        set = ArenaSet(tunables: tunables)
        slots = Array(repeating: nil, count: slotCount)
    }

    /// Replays `trace` and returns one result per op, in the order of its events.
    public func replay(_ trace: Trace) -> [ReplayResult] {
        var results: [ReplayResult] = []
        results.reserveCapacity(trace.events.count)
        for event in trace.events { results.append(run(event)) }
        return results
    }

    /// Calls, and the paths that served them, summed over the trace's threads.
    public var counters: [Counter: Int] {
        var sums: [Counter: Int] = [:]
        for t in threads.values {
            for counter in Counter.allCases { sums[counter, default: 0] += t.counters[counter] }
        }
        return sums
    }

    /// Runs one op and says what came of it.
    public func run(_ event: TraceEvent) -> ReplayResult {
        let t = thread(event.thread)
        if let slot = event.slot, slot >= slots.count {
            slots += Array(repeating: nil, count: slot + 1 - slots.count)
        }
        switch event.op {
        case .malloc(let size, let slot):
            slots[slot] = t.malloc(size)
            return result(slots[slot])
        case .calloc(let count, let size, let slot):
            slots[slot] = t.calloc(count, size)
            return result(slots[slot])
        case .realloc(let size, let slot):
            let p = t.realloc(slots[slot], size)
            // As glibc-replay: a failed realloc keeps the block; realloc (p, 0) frees it.
            if p != nil || (size == 0 && slots[slot] != nil) { slots[slot] = p }
            return result(p)
        case .memalign(let alignment, let size, let slot):
            slots[slot] = t.memalign(alignment, size)
            return result(slots[slot])
        case .free(let slot):
            t.free(slots[slot])
            slots[slot] = nil
            return .freed(brk: brk)
        case .trim(let pad):
            return .trimmed(released: set.trim(pad), brk: brk)
        }
    }

    private var brk: Int { self.set.mainHeap?.count ?? 0 }

    private func result(_ mem: UnsafeMutableRawPointer?) -> ReplayResult {
        ReplayResult(mem: mem, base: set.mainHeap?.baseAddress, brk: brk)
    }

    private func thread(_ id: Int) -> MallocThread {
        if let t = threads[id] { return t }
        precondition(threads.count < Trace.threadLimit, "a trace names at most \(Trace.threadLimit) threads")
        let t = set.attachThread()
        threads[id] = t
        return t
    }
}
