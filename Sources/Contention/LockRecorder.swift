import CSupport
import Histogram

/// One thread's record of the locks it takes: counters per lock in raw memory that
/// only this thread writes, and wait and hold histograms.
///
/// A wait or hold time is first written to a buffer in the same raw memory, one word
/// each, and folded into its histogram only when the buffer is full: a sample on the
/// lock path costs a store, not a histogram update (whose buckets, cold by the time of
/// the next sample, cost a dozen cache misses).
/// ```
///   header      64 B   id, owner, tag, samples buffered
///   counters    64 B   per lock, `capacity` locks
///   samples   8 B each  (nanoseconds << 9) | (hold ? 256 : 0) | lock index
/// ```
///
/// A `LockRecorder` is the handle the lock paths use (a pointer, no reference
/// counting); the `LockRecording` that made it owns the memory and the histograms,
/// and is read when the world is stopped.
public struct LockRecorder {
    /// The recorder's memory, as `LockRecording` laid it out.
    public let base: UnsafeMutableRawPointer

    /// The handle for memory a `LockRecording` owns.
    @inlinable @inline(__always)
    public init(base: UnsafeMutableRawPointer) { self.base = base }

    /// Locks a recorder distinguishes; higher indices share the last slot.
    public static let capacity = 256
    /// One acquisition in this many of a lock has its hold time measured (a power of two).
    public static let holdSampleInterval = 64
    @usableFromInline static let headerSize = 64
    @usableFromInline static let countersSize = 64
    /// Samples buffered before they are folded into the histograms.
    static let sampleCapacity = 512
    static let samplesOffset = headerSize + capacity * countersSize
    static let byteCount = samplesOffset + sampleCapacity * 8
    /// The largest time a sample keeps (2^55 ns, over a year); longer ones are clamped.
    static let sampleLimit: UInt64 = 1 << 55 - 1
    /// A sample word's low bits: the lock's slot (below `capacity`, a power of two), then
    /// the hold bit; the time is above them.
    static let sampleHoldBit = UInt64(capacity)
    static let sampleTimeShift = UInt64(capacity.trailingZeroBitCount + 1)

    /// The recorder's owner id (never 0).
    @inlinable public var id: Int { @inline(__always) get { base.load(as: Int.self) } }

    /// What this thread writes into a lock word it holds or releases: its CPU (as last
    /// seen) and its owner tag, with the state bits clear.
    @inlinable var tag: UInt32 { @inline(__always) get { base.load(fromByteOffset: 24, as: UInt32.self) } }

    /// Reads the CPU the thread runs on into its tag; returns the CPU.
    @usableFromInline func refreshCPU() -> Int {
        let cpu = Int(cs_current_cpu())
        let owner = tag & InstrumentedLock.ownerMask
        base.storeBytes(of: UInt32(truncatingIfNeeded: max(cpu, 0) & 0x3FF) << 22 | owner, toByteOffset: 24, as: UInt32.self)
        return cpu
    }

    /// The counters of the lock at `index`.
    @inlinable @inline(__always)
    func counters(_ index: Int) -> Counters {
        Counters(base: base + LockRecorder.headerSize + LockRecorder.slot(index) * LockRecorder.countersSize)
    }

    /// Where the lock at `index` is kept: locks past the capacity share the last slot.
    @inlinable @inline(__always)
    static func slot(_ index: Int) -> Int { index < capacity ? index : capacity - 1 }

    private var owner: LockRecording {
        Unmanaged<LockRecording>.fromOpaque(base.load(fromByteOffset: 16, as: UnsafeRawPointer.self)).takeUnretainedValue()
    }

    @usableFromInline func recordWait(_ index: Int, _ nanoseconds: UInt64) { buffer(index, nanoseconds, hold: false) }
    @usableFromInline func recordHold(_ index: Int, _ nanoseconds: UInt64) { buffer(index, nanoseconds, hold: true) }

    /// Samples written and not yet folded into the histograms.
    var bufferedSamples: Int {
        get { base.load(fromByteOffset: 32, as: Int.self) }
        nonmutating set { base.storeBytes(of: newValue, toByteOffset: 32, as: Int.self) }
    }

    /// The buffered sample at `i`: its lock, whether it is a hold (else a wait), its time.
    func sample(_ i: Int) -> (lock: Int, hold: Bool, nanoseconds: UInt64) {
        let word = base.load(fromByteOffset: LockRecorder.samplesOffset + i * 8, as: UInt64.self)
        return (Int(word & (LockRecorder.sampleHoldBit - 1)), word & LockRecorder.sampleHoldBit != 0, word >> LockRecorder.sampleTimeShift)
    }

    private func buffer(_ index: Int, _ nanoseconds: UInt64, hold: Bool) {
        let lock = UInt64(LockRecorder.slot(index))
        let word = min(max(nanoseconds, 1), LockRecorder.sampleLimit) << LockRecorder.sampleTimeShift
            | (hold ? LockRecorder.sampleHoldBit : 0) | lock
        // Folding waits for a sampled release (`foldAfterRelease`); only a thread that took
        // many locks in a row without such a release fills the buffer here.
        if bufferedSamples == LockRecorder.sampleCapacity { owner.fold() }
        let n = bufferedSamples
        base.storeBytes(of: word, toByteOffset: LockRecorder.samplesOffset + n * 8, as: UInt64.self)
        bufferedSamples = n + 1
    }

    /// Folds the buffered samples into the histograms if the buffer is nearly full; called
    /// after a lock is released, so that the fold never lengthens a hold.
    func foldAfterRelease() {
        if bufferedSamples >= LockRecorder.sampleCapacity - 64 { owner.fold() }
    }

    /// The counters one thread keeps for one lock.
    @usableFromInline struct Counters {
        @usableFromInline let base: UnsafeMutableRawPointer

        @inlinable init(base: UnsafeMutableRawPointer) { self.base = base }

        @usableFromInline enum Field: Int, CaseIterable {
            case acquisitions = 0, contended, refusedTries, ownerChanges, crossCPUOwnerChanges, crossNodeOwnerChanges, holdStart
        }

        @inlinable @inline(__always)
        subscript(_ field: Field) -> Int {
            get { base.load(fromByteOffset: field.rawValue &* 8, as: Int.self) }
            nonmutating set { base.storeBytes(of: newValue, toByteOffset: field.rawValue &* 8, as: Int.self) }
        }

        @inlinable @inline(__always)
        func add(_ field: Field) { self[field] = self[field] &+ 1 }
    }
}

/// The memory and histograms behind one thread's `LockRecorder`.
public final class LockRecording: @unchecked Sendable {
    /// The handle for the lock paths.
    public let recorder: LockRecorder
    private var waits: [Histogram<UInt64>?]
    private var holds: [Histogram<UInt64>?]

    /// A recording for the owner `id`, which must be unique among the threads that
    /// share locks and not 0.
    public init(id: Int) {
        precondition(id != 0, "a lock owner id is never 0")
        let base = UnsafeMutableRawPointer.allocate(byteCount: LockRecorder.byteCount, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: LockRecorder.byteCount)
        base.storeBytes(of: id, as: Int.self)
        // The owner tag: 20 bits, never 0, in bits 2-21 of a lock word.
        base.storeBytes(of: UInt32(id % 0xF_FFFF + 1) << 2, toByteOffset: 24, as: UInt32.self)
        recorder = LockRecorder(base: base)
        waits = Array(repeating: nil, count: LockRecorder.capacity)
        holds = Array(repeating: nil, count: LockRecorder.capacity)
        base.storeBytes(of: Unmanaged.passUnretained(self).toOpaque(), toByteOffset: 16, as: UnsafeMutableRawPointer.self)
    }

    deinit { recorder.base.deallocate() }

    /// Moves the buffered samples into the histograms and empties the buffer; called by the
    /// owner thread.
    fileprivate func fold() {
        Self.fold(recorder, into: &waits, &holds)
        recorder.bufferedSamples = 0
    }

    private static func fold(_ recorder: LockRecorder, into waits: inout [Histogram<UInt64>?], _ holds: inout [Histogram<UInt64>?]) {
        for i in 0..<recorder.bufferedSamples {
            let (lock, hold, nanoseconds) = recorder.sample(i)
            if hold {
                if holds[lock] == nil { holds[lock] = LockUse.newHistogram() }
                _ = holds[lock]!.record(nanoseconds)
            } else {
                if waits[lock] == nil { waits[lock] = LockUse.newHistogram() }
                _ = waits[lock]!.record(nanoseconds)
            }
        }
    }

    /// What this thread did with each lock it took since the last reset, by lock index,
    /// with the samples still buffered (this reads them, it does not fold them: the owner
    /// may still be running).
    public func uses() -> [Int: LockUse] {
        var waits = waits, holds = holds
        Self.fold(recorder, into: &waits, &holds)
        var result: [Int: LockUse] = [:]
        for index in 0..<LockRecorder.capacity {
            let c = recorder.counters(index)
            let acquisitions = c[.acquisitions], refused = c[.refusedTries]
            guard acquisitions > 0 || refused > 0 else { continue }
            result[index] = LockUse(acquisitions: acquisitions, contended: c[.contended], refusedTries: refused,
                                    ownerChanges: c[.ownerChanges], crossCPUOwnerChanges: c[.crossCPUOwnerChanges],
                                    crossNodeOwnerChanges: c[.crossNodeOwnerChanges],
                                    wait: waits[index] ?? LockUse.newHistogram(), hold: holds[index] ?? LockUse.newHistogram())
        }
        return result
    }

    /// Starts a new period (a phase): counters and histograms back to zero.
    public func reset() {
        for index in 0..<LockRecorder.capacity {
            let c = recorder.counters(index)
            for field in LockRecorder.Counters.Field.allCases where field != .holdStart { c[field] = 0 }
        }
        recorder.bufferedSamples = 0
        waits = Array(repeating: nil, count: LockRecorder.capacity)
        holds = Array(repeating: nil, count: LockRecorder.capacity)
    }
}
