import ArenaModel

/// An allocator that does nothing: every allocation returns the same scratch block.
/// What a run costs against it is the cost of the driver itself (`bench harness`).
public final class NullTarget: StressTarget, @unchecked Sendable {
    /// The largest request the scratch block serves.
    public let capacity: Int
    private let scratch: UnsafeMutableRawPointer

    public init(capacity: Int = 1 << 20) {
        self.capacity = capacity
        scratch = .allocate(byteCount: capacity, alignment: 64)
    }

    deinit { scratch.deallocate() }

    public var name: String { "null" }

    public func attach() -> UnsafeMutableRawPointer { scratch }
    public func detach(_ handle: UnsafeMutableRawPointer) {}

    @inline(__always)
    public static func malloc(_ handle: UnsafeMutableRawPointer, _ bytes: Int) -> UnsafeMutableRawPointer? { handle }
    @inline(__always)
    public static func calloc(_ handle: UnsafeMutableRawPointer, _ count: Int, _ size: Int) -> UnsafeMutableRawPointer? { handle }
    @inline(__always)
    public static func realloc(_ handle: UnsafeMutableRawPointer, _ pointer: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer? {
        handle
    }
    @inline(__always)
    public static func memalign(_ handle: UnsafeMutableRawPointer, _ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer? { handle }
    @inline(__always)
    public static func free(_ handle: UnsafeMutableRawPointer, _ pointer: UnsafeMutableRawPointer?) {}

    public func trim() -> Bool { false }
    public func memory() -> TargetMemory { TargetMemory(heldBytes: 0, inUseBytes: 0) }
    public func kernelRequests() -> Int? { nil }
    public func takeLockUses() -> [ThreadLockUse] { [] }
}
