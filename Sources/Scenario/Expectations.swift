/// What must hold at the end of a run (`expect:`); a miss fails the run with exit 1.
/// Each expectation keeps where it was written, so a miss can point into the file.
public struct Expectations: Sendable, Codable, Equatable {
    /// What HeapCheck may or must find. Without `expect.violations` it is `.none` when no
    /// phase injects a corruption, and `.detected(kind)` of the first `inject` phase when
    /// one does.
    public var violations: ViolationExpectation
    /// Where `violations` was written; nil when it is the default.
    public var violationsLocation: SourceLocation?
    /// A cap on the model's mmap/brk-like requests, `os_requests: {max: N}`.
    public var osRequests: OSRequestsExpectation?
    /// Bounds on phases' fragmentation, `fragmentation: {phase: P, min: F, max: F}` or a
    /// list of such mappings.
    public var fragmentation: [FragmentationExpectation]
    /// A cap on contended / acquisitions over all arena locks, `contention: {max: F}`.
    public var contention: ContentionExpectation?
    /// Bounds on the allocator calls that returned NULL over the run,
    /// `allocation_failures: 0`, `{max: N}` or `{min: N}`; nil: not judged.
    public var allocationFailures: AllocationFailuresExpectation?

    /// Expectations as validation builds them; the default expects no violation.
    public init(
        violations: ViolationExpectation = .none, violationsLocation: SourceLocation? = nil,
        osRequests: OSRequestsExpectation? = nil, fragmentation: [FragmentationExpectation] = [],
        contention: ContentionExpectation? = nil, allocationFailures: AllocationFailuresExpectation? = nil
    ) {
        self.violations = violations
        self.violationsLocation = violationsLocation
        self.osRequests = osRequests
        self.fragmentation = fragmentation
        self.contention = contention
        self.allocationFailures = allocationFailures
    }

    /// The keys of `expect:`, for suggestions.
    public static let keys = ["violations", "os_requests", "fragmentation", "contention", "allocation_failures"]
}

/// What HeapCheck may or must find (`expect.violations`).
public enum ViolationExpectation: Sendable, Codable, Equatable {
    /// No violation at all. YAML: `violations: 0` or `{max: 0}`.
    case none
    /// At most this many violations (more than 0). YAML: `violations: 3` or `{max: 3}`.
    case max(Int)
    /// A violation of this corruption kind must be found (others may be too).
    /// YAML: `{detected: fastbin-dup}`.
    case detected(String)
}

/// `os_requests: {max: N}`: the model's mmap/brk-like requests stay at or under `max`.
public struct OSRequestsExpectation: Sendable, Codable, Equatable {
    /// The most requests allowed.
    public var max: Int
    /// Where the expectation was written.
    public var location: SourceLocation

    /// An os_requests cap.
    public init(max: Int, location: SourceLocation) {
        self.max = max
        self.location = location
    }
}

/// `fragmentation: {phase: P, min: F, max: F}`: the phase's fragmentation at its end,
/// `1 - live_bytes / bytes_held_from_the_os`, lies in `min...max`.
public struct FragmentationExpectation: Sendable, Codable, Equatable {
    /// The phase it is taken at the end of (it exists: validation checks).
    public var phase: String
    /// The least fragmentation allowed, 0...1.
    public var min: Double?
    /// The most fragmentation allowed, 0...1.
    public var max: Double?
    /// Where the expectation's mapping starts.
    public var location: SourceLocation

    /// A fragmentation bound; at least one of `min` and `max` is set.
    public init(phase: String, min: Double?, max: Double?, location: SourceLocation) {
        self.phase = phase
        self.min = min
        self.max = max
        self.location = location
    }
}

/// `contention: {max: F}`: contended / acquisitions over all arena locks stays at or
/// under `max`.
public struct ContentionExpectation: Sendable, Codable, Equatable {
    /// The highest contended share allowed, 0...1.
    public var max: Double
    /// Where the expectation was written.
    public var location: SourceLocation

    /// A contention cap.
    public init(max: Double, location: SourceLocation) {
        self.max = max
        self.location = location
    }
}

/// `allocation_failures: 0`, `{max: N}` or `{min: N}`: the allocator calls that returned
/// NULL over the run (every phase, every worker) lie in `min...max`.
public struct AllocationFailuresExpectation: Sendable, Codable, Equatable {
    /// The fewest NULLs required.
    public var min: Int?
    /// The most NULLs allowed.
    public var max: Int?
    /// Where the expectation was written.
    public var location: SourceLocation

    /// A bound on allocation failures; at least one of `min` and `max` is set.
    public init(min: Int?, max: Int?, location: SourceLocation) {
        self.min = min
        self.max = max
        self.location = location
    }
}
