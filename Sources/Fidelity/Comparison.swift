import ArenaModel

/// One trace compared op by op: how many ops left the model and glibc in the same
/// place, and the first that did not.
public struct Comparison: Sendable {
    /// The first op whose results differ, with both heaps' bins just after it.
    public struct Divergence: Sendable {
        /// 0-based, among the trace's ops (the report counts from 1).
        public let index: Int
        /// The op.
        public let event: TraceEvent
        /// What it gave on the model, and on glibc: its result, then the non-main heaps
        /// it changed.
        public let model: [ReplayResult], glibc: [ReplayResult]
        /// `BinSnapshot.sideBySide` of the two heaps after the op.
        public let bins: String
    }

    /// The trace's name (its file, or its kind and seed).
    public let name: String
    /// Ops compared, and ops whose results were the same on both sides.
    public let ops: Int, identical: Int
    /// Nil when every op was identical.
    public let firstDivergence: Divergence?
    /// The model's calls and the paths that served them: what the trace exercised.
    public let paths: [Counter: Int]
    /// The model's requests to the kernel (brk moves, mmap, mremap, madvise, ...).
    public let kernel: OSCounters
    /// What the trace covered of arenas, threads and heaps.
    public let coverage: Coverage

    /// What a trace covered of arenas, threads and non-main heaps (read from the
    /// model's side: when the two sides agree, glibc's is the same).
    public struct Coverage: Sendable {
        /// Traces counted.
        public var traces = 0
        /// The most arenas one trace had, the main one included.
        public var mostArenas = 1
        /// Threads that exited; arenas taken from the free list.
        public var threadExits = 0, arenasReused = 0
        /// Non-main heaps created, grown, shrunk and deleted.
        public var heapsCreated = 0, heapsGrown = 0, heapsShrunk = 0, heapsDeleted = 0
        /// How many traces ran with each tunable setting (`Tunables.traceComment`).
        public var settings: [String: Int] = [:]

        public init() {}

        /// Counts one trace: the model's results, its tunables, its thread exits.
        mutating func add(model results: [ReplayResult], tunables: Tunables, exits: Int) {
            traces += 1
            threadExits += exits
            settings[tunables.traceComment, default: 0] += 1
            var sizes: [Int: [Int: Int]] = [:]
            for case .heap(let arena, let heap, let size) in results {
                mostArenas = max(mostArenas, arena + 1)
                let old = sizes[arena]?[heap] ?? 0
                if old == 0 && size > 0 { heapsCreated += 1 }
                else if size == 0 { heapsDeleted += 1 }
                else if size > old { heapsGrown += 1 }
                else { heapsShrunk += 1 }
                sizes[arena, default: [:]][heap] = size
            }
        }

        /// Both sums.
        public mutating func merge(_ other: Coverage) {
            traces += other.traces
            mostArenas = max(mostArenas, other.mostArenas)
            threadExits += other.threadExits
            arenasReused += other.arenasReused
            heapsCreated += other.heapsCreated
            heapsGrown += other.heapsGrown
            heapsShrunk += other.heapsShrunk
            heapsDeleted += other.heapsDeleted
            settings.merge(other.settings, uniquingKeysWith: +)
        }

        /// The lines `fidelity` prints after the thread set's total.
        public var report: [String] {
            [
                "traces: \(traces); most arenas in one trace: \(mostArenas); thread exits: \(threadExits); arenas reused from the free list: \(arenasReused)",
                "non-main heaps: \(heapsCreated) created, \(heapsGrown) grown, \(heapsShrunk) shrunk, \(heapsDeleted) deleted",
                "tunable settings: " + settings.sorted { $0.key < $1.key }.map { "\($0.key.dropFirst(Tunables.traceCommentPrefix.count + 1)) (\($0.value))" }.joined(separator: "; "),
            ]
        }
    }

    /// The op, both results and both heaps' bins, for a person to read.
    public var report: String {
        guard let d = firstDivergence else { return "\(name): \(identical)/\(ops) ops identical" }
        return """
            \(name): \(identical)/\(ops) ops identical; first divergence at op \(d.index + 1) of \(ops): \(d.event)
              model: \(d.model.map(\.description).joined(separator: "; "))
              glibc: \(d.glibc.map(\.description).joined(separator: "; "))
            \(d.bins)
            """
    }
}
