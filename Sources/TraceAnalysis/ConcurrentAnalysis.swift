import ArenaModel
import ArenaStress
import Contention
import Glibc
import Reporting

extension TraceAnalyzer {
    /// The model's figures for `source` under `configuration` with the trace's threads
    /// at once (`analyze --concurrent`, `ConcurrentTraceReplay`): each thread on a pinned
    /// pthread, a free waiting for its malloc, and every arena lock's use. Which arena a
    /// thread gets, and so the figures, may change from run to run; the sequential
    /// figures beside them do not. Throws when the kernel refuses a thread.
    public static func concurrent(_ source: TraceSource, _ configuration: AnalysisConfiguration) throws -> ConcurrentReplayFigures {
        let started = monotonicNanoseconds()
        let result = try ConcurrentTraceReplay.run(source.trace, tunables: configuration.tunables)
        let elapsed = monotonicNanoseconds() &- started
        let ops = source.trace.events.count
        let locks = result.lockUsesByArena.keys.sorted().map { arena -> ArenaLockFigures in
            let use = result.lockUsesByArena[arena]!
            let wait = LockUse.summary(of: use.wait)
            return ArenaLockFigures(arena: arena, acquisitions: use.acquisitions, contended: use.contended, ownerChanges: use.ownerChanges,
                                    waitP50Nanoseconds: wait.count == 0 ? nil : wait.p50, waitP99Nanoseconds: wait.count == 0 ? nil : wait.p99,
                                    waitMaxNanoseconds: wait.count == 0 ? nil : wait.max)
        }
        return ConcurrentReplayFigures(threads: result.threads, pinningFailures: result.pinningFailures, arenas: result.arenaCount,
                                       finalHeldBytes: result.set.heldBytes, nsPerOp: ops == 0 ? 0 : Double(elapsed) / Double(ops),
                                       locks: locks)
    }
}
