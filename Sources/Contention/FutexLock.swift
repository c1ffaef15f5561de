import Atomics
import CSupport

/// A mutex in one 32-bit word with glibc's low-level lock protocol (`lll_lock`): 0 free,
/// 1 held, 2 held and perhaps waited for.
///
/// Taking a free lock is one compare-and-swap. A failed swap is the contention event:
/// only then does the taker mark the word and sleep in the kernel, and only a release
/// that finds the mark wakes a sleeper. So an uncontended lock never enters the kernel.
public struct FutexLock {
    /// The lock word: 4 bytes, 4-aligned, zero when free.
    public let word: UnsafeMutableRawPointer

    @inlinable @inline(__always)
    public init(word: UnsafeMutableRawPointer) { self.word = word }

    @inlinable @inline(__always)
    var atomic: UnsafeAtomic<UInt32> {
        UnsafeAtomic(at: word.assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
    }

    /// Takes the lock if it is free; false (the contention event) if it is held.
    @inlinable @inline(__always)
    public func tryLock() -> Bool {
        atomic.compareExchange(expected: 0, desired: 1, ordering: .acquiring).exchanged
    }

    /// Takes the lock, waiting in the kernel while another thread holds it.
    @inlinable @inline(__always)
    public func lock() {
        if !tryLock() { lockAfterContention() }
    }

    /// The slow half of `lock`, after a failed `tryLock`: mark the word as waited for
    /// and sleep until a release wakes this thread and the exchange finds it free.
    @inline(never)
    public func lockAfterContention() {
        if atomic.load(ordering: .relaxed) == 2 { cs_futex_wait(wordPointer, 2) }
        while atomic.exchange(2, ordering: .acquiring) != 0 {
            cs_futex_wait(wordPointer, 2)
        }
    }

    /// Releases the lock, waking one waiter if the word says there may be one.
    @inlinable @inline(__always)
    public func unlock() {
        if atomic.exchange(0, ordering: .releasing) == 2 { wakeOne() }
    }

    @usableFromInline @inline(never)
    func wakeOne() { cs_futex_wake(wordPointer, 1) }

    private var wordPointer: UnsafeMutablePointer<UInt32> { word.assumingMemoryBound(to: UInt32.self) }
}
