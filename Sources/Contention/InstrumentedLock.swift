import CSupport

/// An arena lock that counts what happens to it, at almost no cost when uncontended.
///
/// Unlike mutrace (trylock first, then a timed blocking lock, which doubles the futex
/// calls and slows the contended case), it takes a `FutexLock` whose own failed
/// compare-and-swap is the contention event, and it reads the clock only then: the
/// uncontended path adds two counter updates and an owner comparison. Hold times are
/// sampled, one acquisition in `LockRecorder.holdSampleInterval`.
///
/// A lock is three things: its futex word, its `site` (64 bytes shared by all threads:
/// the last owner and its CPU, written only by the holder), and its `index` in every
/// thread's `LockRecorder`.
public struct InstrumentedLock {
    public let futex: FutexLock
    public let site: UnsafeMutableRawPointer
    public let index: Int

    /// The bytes each lock's site takes.
    public static let siteByteCount = 64

    @inline(__always)
    public init(word: UnsafeMutableRawPointer, site: UnsafeMutableRawPointer, index: Int) {
        futex = FutexLock(word: word)
        self.site = site
        self.index = index
    }

    /// Takes the lock for the thread `recorder` belongs to; true if it was free.
    @inline(__always) @discardableResult
    public func lock(_ recorder: LockRecorder) -> Bool {
        let c = recorder.counters(index)
        c.add(.acquisitions)
        let free = futex.tryLock()
        if !free { waitForLock(recorder, c) }
        acquired(recorder, c)
        return free
    }

    /// Takes the lock only if it is free; a refusal counts as a contended attempt.
    @inline(__always)
    public func tryLock(_ recorder: LockRecorder) -> Bool {
        let c = recorder.counters(index)
        guard futex.tryLock() else {
            c.add(.refusedTries)
            return false
        }
        c.add(.acquisitions)
        acquired(recorder, c)
        return true
    }

    /// Releases the lock held by the thread `recorder` belongs to.
    @inline(__always)
    public func unlock(_ recorder: LockRecorder) {
        let c = recorder.counters(index)
        if c[.holdStart] != 0 { endHoldSample(recorder, c) }
        futex.unlock()
    }

    @inline(never)
    private func waitForLock(_ recorder: LockRecorder, _ c: LockRecorder.Counters) {
        c.add(.contended)
        let start = monotonicNanoseconds()
        futex.lockAfterContention()
        recorder.recordWait(index, monotonicNanoseconds() &- start)
    }

    @inline(__always)
    private func acquired(_ recorder: LockRecorder, _ c: LockRecorder.Counters) {
        if site.load(as: Int.self) != recorder.id { ownerChanged(recorder, c) }
        if recorder.holdSampleDue() { c[.holdStart] = Int(bitPattern: UInt(monotonicNanoseconds())) }
    }

    @inline(never)
    private func ownerChanged(_ recorder: LockRecorder, _ c: LockRecorder.Counters) {
        let previous = site.load(as: Int.self)
        site.storeBytes(of: recorder.id, as: Int.self)
        guard previous != 0 else { return }
        c.add(.ownerChanges)
        let cpu = Int(cs_current_cpu())
        if site.load(fromByteOffset: 8, as: Int.self) != cpu { c.add(.crossCPUOwnerChanges) }
        site.storeBytes(of: cpu, toByteOffset: 8, as: Int.self)
    }

    @inline(never)
    private func endHoldSample(_ recorder: LockRecorder, _ c: LockRecorder.Counters) {
        let start = UInt64(UInt(bitPattern: c[.holdStart]))
        c[.holdStart] = 0
        recorder.recordHold(index, monotonicNanoseconds() &- start)
    }
}
