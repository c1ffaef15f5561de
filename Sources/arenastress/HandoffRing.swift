import Atomics

/// A single-producer, single-consumer ring of pointers, for blocks one thread hands to
/// another to free. Raw memory and two atomic cursors: no lock, no allocation.
final class HandoffRing: @unchecked Sendable {
    private let slots: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let mask: Int
    private let head = ManagedAtomic<Int>(0)  // next slot to read
    private let tail = ManagedAtomic<Int>(0)  // next slot to write

    /// A ring of `capacity` slots, a power of two.
    init(capacity: Int) {
        precondition(capacity > 0 && capacity & (capacity - 1) == 0, "ring capacity must be a power of two")
        slots = .allocate(capacity: capacity)
        slots.initialize(repeating: nil, count: capacity)
        mask = capacity - 1
    }

    deinit { slots.deallocate() }

    /// Adds `p`; false when the ring is full.
    @inline(__always)
    func push(_ p: UnsafeMutableRawPointer?) -> Bool {
        let t = tail.load(ordering: .relaxed)
        if t - head.load(ordering: .acquiring) > mask { return false }
        slots[t & mask] = p
        tail.store(t + 1, ordering: .releasing)
        return true
    }

    /// Takes every pointer waiting and passes each to `body`.
    @inline(__always)
    func drain(_ body: (UnsafeMutableRawPointer?) -> Void) {
        var h = head.load(ordering: .relaxed)
        let t = tail.load(ordering: .acquiring)
        while h < t {
            body(slots[h & mask])
            h += 1
        }
        head.store(h, ordering: .releasing)
    }
}
