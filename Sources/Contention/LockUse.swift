import Histogram

/// What one or more threads did with one lock: counts, and wait and hold times in
/// nanoseconds (waits of every contended acquisition; holds sampled).
public struct LockUse: Sendable, Codable, Equatable {
    public var acquisitions: Int
    /// Acquisitions whose compare-and-swap failed: the thread had to wait.
    public var contended: Int
    /// `tryLock` calls refused because the lock was held.
    public var refusedTries: Int
    /// Acquisitions by a thread other than the previous owner.
    public var ownerChanges: Int
    /// Owner changes where the new owner ran on another CPU than the previous one.
    public var crossCPUOwnerChanges: Int
    /// Owner changes where the new owner ran on another NUMA node than the previous one
    /// (by the process's `CPUNodes` table; 0 until one is installed).
    public var crossNodeOwnerChanges: Int
    public var wait: Histogram<UInt64>
    public var hold: Histogram<UInt64>

    public init(acquisitions: Int = 0, contended: Int = 0, refusedTries: Int = 0, ownerChanges: Int = 0,
                crossCPUOwnerChanges: Int = 0, crossNodeOwnerChanges: Int = 0, wait: Histogram<UInt64> = LockUse.newHistogram(),
                hold: Histogram<UInt64> = LockUse.newHistogram()) {
        self.acquisitions = acquisitions
        self.contended = contended
        self.refusedTries = refusedTries
        self.ownerChanges = ownerChanges
        self.crossCPUOwnerChanges = crossCPUOwnerChanges
        self.crossNodeOwnerChanges = crossNodeOwnerChanges
        self.wait = wait
        self.hold = hold
    }

    /// Contended acquisitions over all acquisitions (0 when there were none).
    public var contentionRate: Double { acquisitions == 0 ? 0 : Double(contended) / Double(acquisitions) }

    /// Adds another thread's (or period's) use of the same lock.
    public mutating func merge(_ other: LockUse) {
        acquisitions += other.acquisitions
        contended += other.contended
        refusedTries += other.refusedTries
        ownerChanges += other.ownerChanges
        crossCPUOwnerChanges += other.crossCPUOwnerChanges
        crossNodeOwnerChanges += other.crossNodeOwnerChanges
        wait.add(other.wait)
        hold.add(other.hold)
    }

    /// The percentiles reports quote, in nanoseconds.
    public static func summary(of h: Histogram<UInt64>) -> LatencySummary {
        guard h.totalCount > 0 else { return LatencySummary(count: 0, p50: 0, p90: 0, p99: 0, max: 0) }
        return LatencySummary(count: Int(h.totalCount), p50: h.valueAtPercentile(50), p90: h.valueAtPercentile(90),
                              p99: h.valueAtPercentile(99), max: h.max)
    }

    /// A histogram from 1 ns to a minute, two significant digits.
    public static func newHistogram() -> Histogram<UInt64> {
        Histogram(lowestDiscernibleValue: 1, highestTrackableValue: 60_000_000_000, numberOfSignificantValueDigits: .two)
    }
}

/// Percentiles of a latency distribution, in nanoseconds.
public struct LatencySummary: Sendable, Codable, Equatable {
    public let count: Int
    public let p50: UInt64
    public let p90: UInt64
    public let p99: UInt64
    public let max: UInt64
}
