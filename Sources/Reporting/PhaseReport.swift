import Contention
import Foundation

/// What one phase did and left behind.
public struct PhaseReport: Sendable, Codable {
    public var name: String
    /// Its kind key (`allocate`, `churn`, ...).
    public var kind: String
    /// Operations (mallocs, frees, reallocs ...) over all workers.
    public var ops: Int
    /// Wall time: the slowest worker's, summed over the phase's steps.
    public var nanoseconds: UInt64
    public var opsPerSecond: Double
    public var perThread: [ThreadFigures]
    /// The target's memory at the phase's end (nil once the heap is found broken).
    public var heldBytes: Int?
    public var inUseBytes: Int?
    /// Measured for every target that can be (never copied from held); when absent,
    /// `residentNote` says why.
    public var residentBytes: Int?
    public var residentNote: String?
    public var osRequests: Int?
    public var arenas: Int?
    /// Blocks and requested bytes the workers hold at the phase's end.
    public var liveBlocks: Int
    public var liveBytes: Int
    /// `1 - inUseBytes / heldBytes`: the share of what is held from the kernel that
    /// no allocated chunk uses. Nil when nothing is held or the heap is broken.
    public var fragmentation: Double?
    /// The phase's arena lock use, all locks together, per arena and per thread.
    public var locks: LockFigures?
    public var locksByArena: [LockFigures]
    public var locksByThread: [LockFigures]
    /// Heap checks run after this phase's steps.
    public var checks: Int
    /// Wall time those checks took, beside `nanoseconds` spent running the phase (absent
    /// when no check ran, and in older reports).
    public var checkNanoseconds: UInt64?
    /// Where a sample of each arena's pages were at the phase's end (model only).
    public var pages: [ArenaPages]?
    /// The largest free chunk in any bin or tcache (top not counted), model only.
    public var largestFreeChunk: Int?
    /// Each heap of the model as a strip of cells (model only; absent once the heap is
    /// found broken, and in reports written before heap maps existed).
    public var heapMaps: [HeapMap]?
    /// Allocator call latencies, one call in 256 timed, all workers (absent in older reports).
    public var latency: [OpLatency]?
    /// Allocator calls that returned NULL, all workers: an outcome, not a finding (the
    /// slot stays empty and the run goes on). Absent in older reports.
    public var allocationFailures: Int?
    /// The first call that returned NULL, when one did.
    public var firstAllocationFailure: AllocationFailure?
    /// For a churn asking `remote_free` on more than one worker: the share of its frees
    /// (reallocs aside) that were handed to another worker, as measured. Absent otherwise.
    public var remoteFreeShare: Double?

    public init(name: String, kind: String, ops: Int, nanoseconds: UInt64, perThread: [ThreadFigures], heldBytes: Int?,
                inUseBytes: Int?, residentBytes: Int?, osRequests: Int?, arenas: Int?, liveBlocks: Int, liveBytes: Int,
                locks: LockFigures?, locksByArena: [LockFigures], locksByThread: [LockFigures], checks: Int) {
        self.name = name
        self.kind = kind
        self.ops = ops
        self.nanoseconds = nanoseconds
        opsPerSecond = nanoseconds == 0 ? 0 : Double(ops) * 1e9 / Double(nanoseconds)
        self.perThread = perThread
        self.heldBytes = heldBytes
        self.inUseBytes = inUseBytes
        self.residentBytes = residentBytes
        self.osRequests = osRequests
        self.arenas = arenas
        self.liveBlocks = liveBlocks
        self.liveBytes = liveBytes
        fragmentation = heldBytes.flatMap { held in inUseBytes.flatMap { held == 0 ? nil : 1 - Double($0) / Double(held) } }
        self.locks = locks
        self.locksByArena = locksByArena
        self.locksByThread = locksByThread
        self.checks = checks
    }
}

extension PhaseReport {
    /// What checking cost beside running, for people: `run 1.20 s, 3 checks 310 ms (26%)`;
    /// nil when no check ran.
    public var checkCost: String? {
        guard checks > 0, let spent = checkNanoseconds else { return nil }
        let share = nanoseconds &+ spent == 0 ? 0 : Double(spent) * 100 / Double(nanoseconds &+ spent)
        return "run \(Self.duration(nanoseconds)), \(checks) check\(checks == 1 ? "" : "s") \(Self.duration(spent))"
            + String(format: " (%.0f%%)", share)
    }

    /// Nanoseconds in µs, ms or s.
    static func duration(_ ns: UInt64) -> String {
        let d = Double(ns)
        return d >= 1e9 ? String(format: "%.2f s", d / 1e9) : d >= 1e6 ? String(format: "%.1f ms", d / 1e6) : String(format: "%.0f µs", d / 1e3)
    }
}

/// An allocator call that returned NULL.
public struct AllocationFailure: Sendable, Codable, Equatable, CustomStringConvertible {
    /// `malloc`, `calloc`, `realloc` or `memalign`.
    public var call: String
    /// The bytes it asked for.
    public var size: Int
    /// The worker that made it.
    public var worker: Int

    public init(call: String, size: Int, worker: Int) {
        self.call = call
        self.size = size
        self.worker = worker
    }

    /// The call as C would write it: `malloc(70368744177664)`, `calloc(1, 4096)`.
    public var description: String {
        switch call {
        case "calloc": "calloc(1, \(size))"
        case "realloc", "memalign": "\(call)(..., \(size))"
        default: "\(call)(\(size))"
        }
    }
}

/// One worker's share of a phase.
public struct ThreadFigures: Sendable, Codable, Equatable {
    public var worker: Int
    public var ops: Int
    public var nanoseconds: UInt64
    /// The CPUs it was seen on.
    public var cpus: [Int]

    public init(worker: Int, ops: Int, nanoseconds: UInt64, cpus: [Int]) {
        self.worker = worker
        self.ops = ops
        self.nanoseconds = nanoseconds
        self.cpus = cpus
    }
}

/// Lock use over a period: counts, and wait and hold time percentiles in nanoseconds.
public struct LockFigures: Sendable, Codable, Equatable {
    /// `arena N`, `thread N`, or `all`.
    public var scope: String
    public var acquisitions: Int
    public var contended: Int
    public var contentionRate: Double
    public var ownerChanges: Int
    public var crossCPUOwnerChanges: Int
    /// Owner changes across NUMA nodes (nil in reports older than the count).
    public var crossNodeOwnerChanges: Int?
    public var refusedTries: Int
    public var wait: LatencySummary
    /// Hold times, sampled (one acquisition in 64).
    public var hold: LatencySummary

    public init(scope: String, _ use: LockUse) {
        self.scope = scope
        acquisitions = use.acquisitions
        contended = use.contended
        contentionRate = use.contentionRate
        ownerChanges = use.ownerChanges
        crossCPUOwnerChanges = use.crossCPUOwnerChanges
        crossNodeOwnerChanges = use.crossNodeOwnerChanges
        refusedTries = use.refusedTries
        wait = LockUse.summary(of: use.wait)
        hold = LockUse.summary(of: use.hold)
    }
}

/// Sampled latencies of one kind of allocator call in a phase, in nanoseconds.
public struct OpLatency: Sendable, Codable, Equatable {
    /// `malloc` (malloc, calloc, realloc, memalign) or `free`.
    public var call: String
    public var summary: LatencySummary

    public init(call: String, summary: LatencySummary) {
        self.call = call
        self.summary = summary
    }
}
