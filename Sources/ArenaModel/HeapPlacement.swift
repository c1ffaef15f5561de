/// Where a non-main heap's pages go, decided before any of them is touched: told of
/// each new heap's reservation (PROT_NONE, `Layout.heapMaxSize` bytes) and of the
/// heap it follows in its arena, if any (nil for an arena's first heap).
///
/// glibc has no such hook; it is how a run binds each arena's memory to its creator's
/// NUMA node (mbind) the way a NUMA-aware allocator would. Heap creation is a slow
/// path (an mmap already), so the call costs the fast paths nothing.
public final class HeapPlacement: Sendable {
    let heapMapped: @Sendable (_ heap: UnsafeMutableRawPointer, _ length: Int, _ previous: UnsafeMutableRawPointer?) -> Void

    /// A placement calling `heapMapped(heap, length, previous)` for every new heap.
    public init(heapMapped: @escaping @Sendable (UnsafeMutableRawPointer, Int, UnsafeMutableRawPointer?) -> Void) {
        self.heapMapped = heapMapped
    }
}
