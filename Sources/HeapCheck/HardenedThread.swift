import ArenaModel

/// `MallocThread`'s calls on a `HardenedHeap`: each made on the model, then followed by
/// the cheap invariants; once the heap is stopped every call returns nil or does nothing.
public struct HardenedThread: @unchecked Sendable {
    /// The model's thread underneath.
    public let thread: MallocThread
    let heap: HardenedHeap

    init(_ thread: MallocThread, heap: HardenedHeap) {
        self.thread = thread
        self.heap = heap
    }

    public func malloc(_ bytes: Int) -> UnsafeMutableRawPointer? {
        guard !heap.isStopped else { return nil }
        return handedOut(thread.malloc(bytes), bytes)
    }

    public func calloc(_ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
        guard !heap.isStopped else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: size)
        return handedOut(thread.calloc(count, size), overflow ? 0 : bytes)
    }

    public func realloc(_ mem: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer? {
        guard !heap.isStopped else { return nil }
        let p = thread.realloc(mem, bytes)
        if p == nil && bytes == 0 {
            heap.checkAfter(thread, mem: nil, request: 0, sizeClass: nil)
            return nil
        }
        return handedOut(p, bytes)
    }

    public func memalign(_ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer? {
        guard !heap.isStopped else { return nil }
        return handedOut(thread.memalign(alignment, bytes), bytes)
    }

    public func free(_ mem: UnsafeMutableRawPointer?) {
        guard !heap.isStopped, let mem else { return }
        let head = mem.load(fromByteOffset: -8, as: UInt.self)
        thread.free(mem)
        heap.checkAfter(thread, mem: nil, request: 0, sizeClass: Self.tcacheBin(Int(bitPattern: head & ~7)))
    }

    private func handedOut(_ p: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer? {
        guard let p else { return nil }
        heap.checkAfter(thread, mem: UInt(bitPattern: p), request: bytes, sizeClass: Self.tcacheBin(Layout.requestToSize(max(bytes, 0))))
        return heap.isStopped ? nil : p
    }

    private static func tcacheBin(_ chunkSize: Int) -> Int? {
        let bin = Layout.tcacheIndex(chunkSize: chunkSize)
        return bin >= 0 && bin < Layout.tcacheBinCount ? bin : nil
    }
}
