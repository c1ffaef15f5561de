import Contention

/// One thread's use of one arena's lock.
public struct ThreadLockUse: Sendable {
    /// The thread's number: 1 for the first attached, then in order of attachment.
    public let thread: Int
    /// The arena's index: 0 for the main arena, then in order of creation.
    public let arena: Int
    public let use: LockUse

    public init(thread: Int, arena: Int, use: LockUse) {
        self.thread = thread
        self.arena = arena
        self.use = use
    }
}

extension ArenaSet {
    /// What every thread, attached now or detached since, did with every arena lock
    /// since the last `resetLockUses()`. Read it while no thread runs.
    public func lockUses() -> [ThreadLockUse] {
        var result: [ThreadLockUse] = []
        threads.withLock { blocks in
            for recording in blocks.values {
                for (arena, use) in recording.uses() {
                    result.append(ThreadLockUse(thread: recording.recorder.id, arena: arena, use: use))
                }
            }
        }
        retiredLockUses.withLock { retired in
            for uses in retired {
                for (arena, use) in uses { result.append(ThreadLockUse(thread: 0, arena: arena, use: use)) }
            }
        }
        return result.sorted { ($0.arena, $0.thread) < ($1.arena, $1.thread) }
    }

    /// Every thread's uses merged, by arena index.
    public func lockUsesByArena() -> [Int: LockUse] {
        var merged: [Int: LockUse] = [:]
        for u in lockUses() { merged[u.arena, default: LockUse()].merge(u.use) }
        return merged
    }

    /// Starts a new period (a phase) for every thread's lock counters. Call it while
    /// no thread runs.
    public func resetLockUses() {
        threads.withLock { blocks in for recording in blocks.values { recording.reset() } }
        retiredLockUses.withLock { $0.removeAll() }
    }
}
