import Atomics
import CSupport

/// An arena lock that counts what happens to it, at almost no cost when uncontended.
///
/// Unlike mutrace (trylock first, then a timed blocking lock, which doubles the futex
/// calls and slows the contended case), its own failed compare-and-swap is the
/// contention event, and it reads the clock only then. Hold times are sampled, one
/// acquisition in `LockRecorder.holdSampleInterval`.
///
/// The lock is one 32-bit futex word that also names its last owner, so that telling
/// an owner change costs no second cache line:
/// ```
///   bits 22-31  the CPU the last owner last ran on (as it knew it)
///   bits  2-21  the last owner's tag (never 0)
///   bits  0-1   0 free, 1 held, 2 held and perhaps waited for (glibc's lll_lock)
/// ```
/// A release writes the releasing owner's tag with state 0; a waiter sleeps on the
/// exact word it saw, so a change of any bit wakes it to look again.
public struct InstrumentedLock {
    /// The lock word: 4 bytes, 4-aligned, zero before first use.
    public let word: UnsafeMutableRawPointer
    /// The lock's index in every thread's `LockRecorder`.
    public let index: Int

    @usableFromInline static let stateMask: UInt32 = 3
    @usableFromInline static let ownerMask: UInt32 = 0x3F_FFFC

    @inlinable @inline(__always)
    public init(word: UnsafeMutableRawPointer, index: Int) {
        self.word = word
        self.index = index
    }

    @inlinable @inline(__always)
    var atomic: UnsafeAtomic<UInt32> {
        UnsafeAtomic(at: word.assumingMemoryBound(to: UInt32.AtomicRepresentation.self))
    }

    /// Takes the lock for the thread `recorder` belongs to; true if it was free.
    @inlinable @inline(__always) @discardableResult
    public func lock(_ recorder: LockRecorder) -> Bool {
        let c = recorder.counters(index)
        let tag = recorder.tag
        // Most often this thread released the lock last: one compare-and-swap takes it.
        let (exchanged, seen) = atomic.compareExchange(expected: tag, desired: tag | 1, ordering: .acquiring)
        if exchanged {
            // The word was this thread's own tag: the owner has not changed.
            counted(c)
            return true
        }
        if seen & Self.stateMask == 0 && atomic.compareExchange(expected: seen, desired: tag | 1, ordering: .acquiring).exchanged {
            acquired(recorder, c, previous: seen)
            return true
        }
        acquired(recorder, c, previous: waitForLock(recorder, c))
        return false
    }

    /// Takes the lock only if it is free; a refusal counts as a contended attempt.
    @inlinable @inline(__always)
    public func tryLock(_ recorder: LockRecorder) -> Bool {
        let c = recorder.counters(index)
        let seen = atomic.load(ordering: .relaxed)
        guard seen & Self.stateMask == 0,
              atomic.compareExchange(expected: seen, desired: recorder.tag | 1, ordering: .acquiring).exchanged else {
            c.add(.refusedTries)
            return false
        }
        acquired(recorder, c, previous: seen)
        return true
    }

    /// Releases the lock held by the thread `recorder` belongs to.
    @inlinable @inline(__always)
    public func unlock(_ recorder: LockRecorder) {
        let c = recorder.counters(index)
        if c[.holdStart] != 0 { return unlockEndingHoldSample(recorder, c) }
        release(recorder)
    }

    /// Writes the releasing owner's tag with state 0, and wakes a waiter if one may sleep.
    @inlinable @inline(__always)
    func release(_ recorder: LockRecorder) {
        if atomic.exchange(recorder.tag, ordering: .releasing) & Self.stateMask == 2 { wakeOne() }
    }

    /// The contended half of `lock`: mark the word as waited for and sleep on it until
    /// a release lets this thread take it. Returns the word it replaced.
    @usableFromInline @inline(never)
    func waitForLock(_ recorder: LockRecorder, _ c: LockRecorder.Counters) -> UInt32 {
        c.add(.contended)
        let start = monotonicNanoseconds()
        let tag = recorder.tag
        while true {
            var seen = atomic.load(ordering: .relaxed)
            if seen & Self.stateMask == 0 {
                // Taken as possibly waited for: this thread cannot know whether others sleep.
                if atomic.compareExchange(expected: seen, desired: tag | 2, ordering: .acquiring).exchanged {
                    recorder.recordWait(index, monotonicNanoseconds() &- start)
                    return seen
                }
                continue
            }
            if seen & Self.stateMask == 1 {
                let marked = (seen & ~Self.stateMask) | 2
                guard atomic.compareExchange(expected: seen, desired: marked, ordering: .relaxed).exchanged else { continue }
                seen = marked
            }
            cs_futex_wait(word.assumingMemoryBound(to: UInt32.self), seen)
        }
    }

    /// Counts an acquisition that found the word `previous`, and an owner change if
    /// `previous` names another owner.
    @inlinable @inline(__always)
    func acquired(_ recorder: LockRecorder, _ c: LockRecorder.Counters, previous: UInt32) {
        if (previous ^ recorder.tag) & Self.ownerMask != 0 { ownerChanged(recorder, c, previous: previous) }
        counted(c)
    }

    /// Counts an acquisition, and starts a hold sample on every `holdSampleInterval`th.
    // The acquisition count doubles as the hold-sampling clock: one counter, one store.
    @inlinable @inline(__always)
    func counted(_ c: LockRecorder.Counters) {
        let acquisitions = c[.acquisitions] &+ 1
        c[.acquisitions] = acquisitions
        if acquisitions & (LockRecorder.holdSampleInterval - 1) == 0 { startHoldSample(c) }
    }

    @usableFromInline @inline(never)
    func startHoldSample(_ c: LockRecorder.Counters) { c[.holdStart] = Int(bitPattern: UInt(monotonicNanoseconds())) }

    @usableFromInline @inline(never)
    func ownerChanged(_ recorder: LockRecorder, _ c: LockRecorder.Counters, previous: UInt32) {
        let cpu = recorder.refreshCPU()
        // A word that never had an owner is the lock's first use, not a change.
        guard previous & Self.ownerMask != 0 else { return }
        c.add(.ownerChanges)
        let previousCPU = Int(previous >> 22)
        guard previousCPU != cpu & 0x3FF else { return }
        c.add(.crossCPUOwnerChanges)
        if CPUNodes.current?.differ(previousCPU, cpu & 0x3FF) == true { c.add(.crossNodeOwnerChanges) }
    }

    @usableFromInline @inline(never)
    func wakeOne() { cs_futex_wake(word.assumingMemoryBound(to: UInt32.self), 1) }

    /// `unlock` for a sampled hold: the hold ends at the release; its time is recorded, and
    /// the samples folded, after it, so neither lengthens the hold.
    @usableFromInline @inline(never)
    func unlockEndingHoldSample(_ recorder: LockRecorder, _ c: LockRecorder.Counters) {
        let start = UInt64(UInt(bitPattern: c[.holdStart]))
        c[.holdStart] = 0
        let held = monotonicNanoseconds() &- start
        release(recorder)
        recorder.recordHold(index, held)
        recorder.foldAfterRelease()
    }
}
