import CSupport
import Randomness

/// What one worker thread owns for the whole run, across phases and respawns: its
/// index, its planned CPU, a seeded random generator, a log of its last operations,
/// and what it did.
public final class WorkerContext: @unchecked Sendable {
    /// The worker's index, 0 ..< thread count.
    public let index: Int
    /// The CPU the placement plan gave it, or nil to run unpinned.
    public let plannedCPU: Int?
    /// Its random generator, seeded from the run's seed and the index.
    public var random: SplitMix64
    /// Its last operations.
    public let opLog: OpLog
    /// Operations done in the current phase (the worker counts them).
    public var ops = 0
    /// The CPUs the worker was seen on (at the start and end of each phase).
    public private(set) var observedCPUs: Set<Int> = []
    /// Whether pinning to the planned CPU succeeded the last time a thread started.
    public internal(set) var pinned = false
    /// Nanoseconds the worker spent in each phase so far, by phase.
    public internal(set) var phaseNanoseconds: [UInt64] = []

    init(index: Int, plannedCPU: Int?, seed: UInt64) {
        self.index = index
        self.plannedCPU = plannedCPU
        random = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        opLog = OpLog()
    }

    func observeCPU() {
        let cpu = Int(cs_current_cpu())
        if cpu >= 0 { observedCPUs.insert(cpu) }
    }
}
