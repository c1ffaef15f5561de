import ArenaModel

/// Replays a trace on a fresh `ArenaSet`: each thread of the trace is attached at its
/// first op, in the order of the trace (the first one is the main thread, on the main
/// arena), and detached at its `exit`; the ops run one at a time in trace order.
///
/// A replay holds one modelled thread per thread alive: at most `Trace.threadLimit`,
/// which `Trace.read` enforces and a trace built in code must respect too.
public final class ModelReplayer {
    /// The modelled process the trace runs in.
    public let set: ArenaSet
    private var threads: [Int: MallocThread] = [:]
    private var slots: [UnsafeMutableRawPointer?]
    private lazy var ring = ArenaRing(mainArena: set.arenas[0].address)
    private var heapSizes: [[Int]] = []
    /// Threads that exited so far (counted for what a trace covered).
    public private(set) var exits = 0

    /// A fresh model with `tunables`; the slot table starts with `slotCount` slots and
    /// grows as ops name higher ones.
    public init(tunables: Tunables = Tunables(), slotCount: Int = 0) {
        set = ArenaSet(tunables: tunables)
        slots = Array(repeating: nil, count: slotCount)
    }

    /// Replays `trace` and returns one result per op, in the order of its events,
    /// each followed by the `heap` results of the non-main heaps it changed.
    public func replay(_ trace: Trace) -> [ReplayResult] {
        var results: [ReplayResult] = []
        results.reserveCapacity(trace.events.count)
        for event in trace.events { run(event, into: &results) }
        return results
    }

    /// Runs one op and appends its result, then the `heap` results of the non-main heaps
    /// it changed.
    public func run(_ event: TraceEvent, into results: inout [ReplayResult]) {
        results.append(run(event))
        // One arena: no non-main heap to look at (the common single-threaded case).
        guard set.arenaCount > 1 else { return }
        let sizes = ring.heapSizes
        if sizes != heapSizes {
            ArenaRing.changes(from: heapSizes, to: sizes, into: &results)
            heapSizes = sizes
        }
    }

    /// Calls, and the paths that served them, summed over the trace's threads (those
    /// that exited too).
    public var counters: [Counter: Int] {
        var sums = exitedCounters
        for t in threads.values {
            for counter in Counter.allCases { sums[counter, default: 0] += t.counters[counter] }
        }
        return sums
    }
    private var exitedCounters: [Counter: Int] = [:]

    /// Runs one op and says what came of it (not the heaps it changed: see
    /// `run(_:into:)`).
    public func run(_ event: TraceEvent) -> ReplayResult {
        if case .exit = event.op {
            if let t = threads.removeValue(forKey: event.thread) {
                for counter in Counter.allCases { exitedCounters[counter, default: 0] += t.counters[counter] }
                set.detach(t)
                exits += 1
            }
            return .exited(brk: brk)
        }
        let t = thread(event.thread)
        if let slot = event.slot, slot >= slots.count {
            slots += Array(repeating: nil, count: slot + 1 - slots.count)
        }
        guard let slot = event.slot, let (returned, change) = event.op.call(on: t, block: slots[slot]) else {
            if case .trim(let pad) = event.op { return .trimmed(released: set.trim(pad), brk: brk) }
            return .exited(brk: brk)
        }
        switch change {
        case .filled(let p, _): slots[slot] = p
        case .emptied: slots[slot] = nil
        case .unchanged: break
        }
        if case .free = event.op { return .freed(brk: brk) }
        return result(returned)
    }

    private var brk: Int { self.set.mainHeap?.count ?? 0 }

    private func result(_ mem: UnsafeMutableRawPointer?) -> ReplayResult {
        ReplayResult(mem: mem, base: set.mainHeap?.baseAddress, brk: brk, ring: ring)
    }

    private func thread(_ id: Int) -> MallocThread {
        if let t = threads[id] { return t }
        precondition(threads.count < Trace.threadLimit, "a trace names at most \(Trace.threadLimit) threads")
        let t = set.attachThread()
        threads[id] = t
        return t
    }
}
