import ArenaModel
import Contention

/// What a churn run did and found.
public struct ChurnResult: Sendable {
    /// One phase: its time (the slowest worker's), its operations, its lock uses.
    public struct Phase: Sendable {
        public let nanoseconds: UInt64
        public let ops: Int
        /// Every thread's use of every arena lock in this phase.
        public let lockUses: [ThreadLockUse]
    }

    /// Broken patterns, heap problems and glibc violations; empty when all held.
    public var problems: [String]
    public var phases: [Phase]
    public var mallocs: Int
    public var frees: Int
    /// Blocks live when the last phase ended (freed after the run).
    public var liveAtEnd: Int
    /// Arenas the model made, the main one included.
    public var arenas: Int
    /// Threads the scheduler started, respawns included.
    public var threadsStarted: Int

    /// Every phase's lock uses merged, by arena index.
    public var lockUsesByArena: [Int: LockUse] {
        var merged: [Int: LockUse] = [:]
        for phase in phases { for u in phase.lockUses { merged[u.arena, default: LockUse()].merge(u.use) } }
        return merged
    }

    /// Every lock use merged.
    public var lockUse: LockUse { lockUsesByArena.values.reduce(into: LockUse()) { $0.merge($1) } }

    /// Operations per second over all phases.
    public var opsPerSecond: Double {
        let ns = phases.reduce(0) { $0 + $1.nanoseconds }
        return ns == 0 ? 0 : Double(phases.reduce(0) { $0 + $1.ops }) * 1e9 / Double(ns)
    }
}
