import CSupport
import Histogram

/// One thread's record of the locks it takes: counters per lock in raw memory that
/// only this thread writes, and wait and hold histograms filled on the slow paths.
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
    static let byteCount = headerSize + capacity * countersSize

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
        Counters(base: base + LockRecorder.headerSize + (index < LockRecorder.capacity ? index : LockRecorder.capacity - 1) * LockRecorder.countersSize)
    }

    private var owner: LockRecording {
        Unmanaged<LockRecording>.fromOpaque(base.load(fromByteOffset: 16, as: UnsafeRawPointer.self)).takeUnretainedValue()
    }

    @usableFromInline func recordWait(_ index: Int, _ nanoseconds: UInt64) { owner.record(wait: nanoseconds, lock: index) }
    @usableFromInline func recordHold(_ index: Int, _ nanoseconds: UInt64) { owner.record(hold: nanoseconds, lock: index) }

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

    fileprivate func record(wait nanoseconds: UInt64, lock index: Int) {
        let i = min(index, LockRecorder.capacity - 1)
        if waits[i] == nil { waits[i] = LockUse.newHistogram() }
        _ = waits[i]!.record(max(nanoseconds, 1))
    }

    fileprivate func record(hold nanoseconds: UInt64, lock index: Int) {
        let i = min(index, LockRecorder.capacity - 1)
        if holds[i] == nil { holds[i] = LockUse.newHistogram() }
        _ = holds[i]!.record(max(nanoseconds, 1))
    }

    /// What this thread did with each lock it took since the last reset, by lock index.
    public func uses() -> [Int: LockUse] {
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
        waits = Array(repeating: nil, count: LockRecorder.capacity)
        holds = Array(repeating: nil, count: LockRecorder.capacity)
    }
}
