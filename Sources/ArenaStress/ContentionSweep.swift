import ArenaModel

/// The same churn at several thread counts and arena policies, one result per point:
/// how throughput and lock contention move as threads are added.
public enum ContentionSweep {
    /// One point of a sweep.
    public struct Point: Sendable {
        public let threads: Int
        public let policy: ArenaPolicy
        public let result: ChurnResult
    }

    /// Runs `base` once for every thread count and policy, in that order.
    public static func run(threadCounts: [Int], policies: [ArenaPolicy], base: ChurnConfiguration) -> [Point] {
        policies.flatMap { policy in
            threadCounts.map { threads in
                var c = base
                c.threads = threads
                c.policy = policy
                c.placement = nil
                return Point(threads: threads, policy: policy, result: Churn(c).run())
            }
        }
    }
}
