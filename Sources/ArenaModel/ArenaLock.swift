import Atomics
import Glibc

/// The lock word of an arena (glibc's `__libc_lock_define (, mutex)`, 4 bytes at the
/// start of malloc_state): 0 free, 1 held. A compare-and-swap takes it; a waiter yields.
struct ArenaLock {
    let word: UnsafeMutableRawPointer

    @inline(__always)
    private var atomic: UnsafeAtomic<Int32> {
        UnsafeAtomic(at: word.assumingMemoryBound(to: Int32.AtomicRepresentation.self))
    }

    @inline(__always)
    func tryLock() -> Bool {
        atomic.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged
    }

    @inline(__always)
    func lock() {
        if tryLock() { return }
        lockSlowPath()
    }

    @inline(never)
    private func lockSlowPath() {
        while true {
            if atomic.load(ordering: .relaxed) == 0 && tryLock() { return }
            sched_yield()
        }
    }

    @inline(__always)
    func unlock() { atomic.store(0, ordering: .releasing) }
}
