import Atomics

/// A single-producer, single-consumer ring of pointers, for blocks one thread hands to
/// another to free. Raw memory and two atomic cursors, each on a cache line of its own
/// so that the producer and the consumer do not fight over one: no lock, no allocation.
public final class HandoffRing: @unchecked Sendable {
    @usableFromInline let slots: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    @usableFromInline let mask: Int
    @usableFromInline let cursors: UnsafeMutableRawPointer
    @inlinable var head: UnsafeAtomic<Int> { UnsafeAtomic(at: cursors.assumingMemoryBound(to: Int.AtomicRepresentation.self)) }
    @inlinable var tail: UnsafeAtomic<Int> { UnsafeAtomic(at: (cursors + 128).assumingMemoryBound(to: Int.AtomicRepresentation.self)) }

    /// A ring of `capacity` slots, a power of two.
    public init(capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "ring capacity must be a power of two")
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        mask = capacity - 1
        cursors = .allocate(byteCount: 256, alignment: 128)
        cursors.initializeMemory(as: UInt8.self, repeating: 0, count: 256)
    }

    deinit {
        slots.deallocate()
        cursors.deallocate()
    }

    /// Adds `p`; false when the ring is full.
    @inlinable @inline(__always)
    public func push(_ p: UnsafeMutableRawPointer?) -> Bool {
        let t = tail.load(ordering: .relaxed)
        if t - head.load(ordering: .acquiring) > mask { return false }
        slots[t & mask] = p
        tail.store(t + 1, ordering: .releasing)
        return true
    }

    /// Takes every pointer waiting and passes each to `body`.
    @inlinable @inline(__always)
    public func drain(_ body: (UnsafeMutableRawPointer?) -> Void) {
        let h0 = head.load(ordering: .relaxed)
        let t = tail.load(ordering: .acquiring)
        guard h0 < t else { return }
        for h in h0..<t { body(slots[h & mask]) }
        head.store(t, ordering: .releasing)
    }
}
