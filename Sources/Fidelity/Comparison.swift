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
        /// What it gave on the model, and on glibc.
        public let model: ReplayResult, glibc: ReplayResult
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

    /// The op, both results and both heaps' bins, for a person to read.
    public var report: String {
        guard let d = firstDivergence else { return "\(name): \(identical)/\(ops) ops identical" }
        return """
            \(name): \(identical)/\(ops) ops identical; first divergence at op \(d.index + 1) of \(ops): \(d.event)
              model: \(d.model)
              glibc: \(d.glibc)
            \(d.bins)
            """
    }
}
