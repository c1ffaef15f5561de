/// A peer allocator's entry points as C function pointers: what a worker's handle
/// points at, so that an allocation is one indirect call.
public struct PeerFunctions {
    public typealias Malloc = @convention(c) (Int) -> UnsafeMutableRawPointer?
    public typealias Calloc = @convention(c) (Int, Int) -> UnsafeMutableRawPointer?
    public typealias Realloc = @convention(c) (UnsafeMutableRawPointer?, Int) -> UnsafeMutableRawPointer?
    /// `memalign(alignment, size)`.
    public typealias Memalign = @convention(c) (Int, Int) -> UnsafeMutableRawPointer?
    public typealias Free = @convention(c) (UnsafeMutableRawPointer?) -> Void

    public let malloc: Malloc
    public let calloc: Calloc
    public let realloc: Realloc
    public let memalign: Memalign
    public let free: Free

    public init(malloc: Malloc, calloc: Calloc, realloc: Realloc, memalign: Memalign, free: Free) {
        self.malloc = malloc
        self.calloc = calloc
        self.realloc = realloc
        self.memalign = memalign
        self.free = free
    }
}
