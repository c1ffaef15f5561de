/// The bench's multi-threaded and lock workloads, beside the single-threaded `Workload`s.
public enum ThreadedBench: String, CaseIterable, Sendable {
    /// larson with one thread: the baseline of larson-2t's scaling.
    case larson1 = "larson-1t"
    /// larson on two threads, as larson.cpp runs it: 5000 slots each, sizes 8..1000,
    /// rounds of 500,000 replacements, each round's thread succeeded by a new one.
    case larson2 = "larson-2t"
    /// Two threads replacing blocks in 5000 slots each, one free in 16 handed to the
    /// other thread (no rounds): what remote frees cost.
    case remoteFree2 = "remote-free-2t"
    /// xmalloc: one producer, one consumer, batches of 4096 x 64 bytes.
    case xmalloc2 = "xmalloc-2t"
    /// One thread taking and releasing an arena lock nobody else wants.
    case lockUncontended = "lock-uncontended"
    /// Two threads hammering one lock.
    case lockContended = "lock-contended"

    public var name: String { rawValue }

    var threads: Int {
        switch self {
        case .larson1, .lockUncontended: 1
        case .larson2, .remoteFree2, .xmalloc2, .lockContended: 2
        }
    }

    /// A row that times a lock, not an allocator.
    public var isLock: Bool { self == .lockUncontended || self == .lockContended }

    /// The targets it compares: the model against glibc and the peers, or the
    /// instrumented lock against a plain pthread mutex.
    var targets: [TargetName] { isLock ? [.model, .plain] : [.model, .glibc, .jemalloc, .mimalloc, .tcmalloc] }

    /// The target every ratio is taken against.
    var baseline: TargetName { isLock ? .plain : .glibc }

    /// Pairs (malloc+free, or lock+unlock) in one repetition unless `--ops` says otherwise.
    public var defaultOps: Int {
        switch self {
        case .larson1, .larson2, .remoteFree2: 4_000_000
        case .xmalloc2: 4_096 * 1_000
        case .lockUncontended, .lockContended: 10_000_000
        }
    }
}
