import Contention
import Histogram
import Reporting

/// One worker's sampled call latencies: one call in `interval` to the allocator is
/// timed (the call alone, not the driver's work around it) and recorded by kind.
final class OpLatencies: @unchecked Sendable {
    /// One call in this many is timed: two clock reads (about 56 ns here) and a histogram
    /// record every 256 calls, a quarter of a nanosecond per call.
    static let interval = 256

    private(set) var allocations = LockUse.newHistogram()
    private(set) var frees = LockUse.newHistogram()

    /// True for the ops whose call is timed.
    @inline(__always)
    static func sampled(_ op: Int) -> Bool { op & (interval - 1) == interval / 2 }

    /// What two back-to-back clock reads measure (the least of many tries): taken off
    /// every sample, so that a figure is the call's own time.
    static let clockOverhead: UInt64 = {
        var least = UInt64.max
        for _ in 0..<1000 {
            let a = monotonicNanoseconds()
            least = min(least, monotonicNanoseconds() &- a)
        }
        return least
    }()

    func recordAllocation(since start: UInt64) { _ = allocations.record(Self.elapsed(since: start)) }
    func recordFree(since start: UInt64) { _ = frees.record(Self.elapsed(since: start)) }

    private static func elapsed(since start: UInt64) -> UInt64 {
        let ns = monotonicNanoseconds() &- start
        return ns > clockOverhead ? ns - clockOverhead : 1
    }

    /// The phase's figures of every worker, merged; then each worker starts afresh.
    static func take(_ workers: [OpLatencies]) -> [OpLatency] {
        var allocations = LockUse.newHistogram(), frees = LockUse.newHistogram()
        for w in workers {
            allocations.add(w.allocations)
            frees.add(w.frees)
            w.allocations = LockUse.newHistogram()
            w.frees = LockUse.newHistogram()
        }
        return [OpLatency(call: "malloc", summary: LockUse.summary(of: allocations)),
                OpLatency(call: "free", summary: LockUse.summary(of: frees))].filter { $0.summary.count > 0 }
    }
}
