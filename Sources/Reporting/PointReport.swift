import Scenario

/// One run of a scenario at one sweep point (thread count, arena policy, arena_max).
public struct PointReport: Sendable, Codable {
    public var point: SweepPoint
    public var target: String
    /// The CPU each worker was planned on (nil: unpinned), and whether pinning held.
    public var placement: [Int?]
    public var pinned: Bool
    public var threadsStarted: Int
    public var phases: [PhaseReport]
    /// What the checks and the allocator's own runtime checks found, in order.
    public var violations: [ViolationRecord]
    public var expectations: [ExpectationOutcome]
    /// The phase after which the run stopped because the heap was found broken.
    public var stoppedAfter: String?
    /// Why the point ended before its last phase although the heap was sound: what the
    /// machine refused midway (a worker thread), in one line. The phases that ran are
    /// reported; nil when every phase ran.
    public var endedEarly: String?
    /// The kernel requests over the whole run, where the target counts them.
    public var osRequests: Int?
    /// Contended over all acquisitions of every arena lock over the run, where counted.
    public var contention: Double?
    /// The final heap, chunk by chunk (offsets within each heap, sizes, flags, states),
    /// hashed: equal digests, equal heaps. Model only.
    public var finalHeapDigest: String?
    public var finalHeapChunks: Int?
    /// Whether the placement asked for happened: workers pinned to their planned CPUs,
    /// non-main heaps bound to their creators' nodes (nil in reports older than placement).
    public var placementAvailable: Bool?
    /// One line: the placement as planned, or what could not be done and how the run went on.
    public var placementNote: String?
    /// Planned against observed CPU and node per worker.
    public var numa: PlacementReport?
    /// For target glibc run in a child process: the GLIBC_TUNABLES entries it ran under
    /// (the point's arena policy and the scenario's tunables). Absent otherwise.
    public var glibcTunables: [String]?

    public var passed: Bool { expectations.allSatisfy(\.held) }

    /// Allocator calls that returned NULL over every phase.
    public var allocationFailures: Int { phases.reduce(0) { $0 + ($1.allocationFailures ?? 0) } }

    /// The first call that returned NULL, in the first phase that had one.
    public var firstAllocationFailure: (phase: String, failure: AllocationFailure)? {
        phases.lazy.compactMap { p in p.firstAllocationFailure.map { (p.name, $0) } }.first
    }

    public init(point: SweepPoint, target: String, placement: [Int?], pinned: Bool, threadsStarted: Int,
                phases: [PhaseReport], violations: [ViolationRecord], expectations: [ExpectationOutcome],
                stoppedAfter: String?, osRequests: Int?, contention: Double?, finalHeapDigest: String?, finalHeapChunks: Int?) {
        self.point = point
        self.target = target
        self.placement = placement
        self.pinned = pinned
        self.threadsStarted = threadsStarted
        self.phases = phases
        self.violations = violations
        self.expectations = expectations
        self.stoppedAfter = stoppedAfter
        self.osRequests = osRequests
        self.contention = contention
        self.finalHeapDigest = finalHeapDigest
        self.finalHeapChunks = finalHeapChunks
    }
}

/// One expectation of the scenario and what was measured against it.
public struct ExpectationOutcome: Sendable, Codable, Equatable {
    /// The expectation as the file states it (`os_requests <= 4`).
    public var expectation: String
    /// What was measured (`2`), or why nothing was.
    public var measured: String
    public var held: Bool
    /// Where the file states it (`file:line:column`).
    public var location: String

    public init(expectation: String, measured: String, held: Bool, location: String) {
        self.expectation = expectation
        self.measured = measured
        self.held = held
        self.location = location
    }
}

/// A violation: a broken invariant found by the heap checker, a runtime check of the
/// allocator that fired, or a block whose contents the workload found changed.
public struct ViolationRecord: Sendable, Codable, Equatable {
    /// The phase during or after which it was found.
    public var phase: String
    /// The invariant ID (`W3`, `L7`, `G3`), `runtime` for the allocator's own check,
    /// `inject` for an injection that could not be set up.
    public var invariant: String
    public var message: String
    /// The detail: addresses, expected and actual values, hex dump, last operations.
    public var detail: String

    public init(phase: String, invariant: String, message: String, detail: String) {
        self.phase = phase
        self.invariant = invariant
        self.message = message
        self.detail = detail
    }
}
