import ArenaModel

/// A peer allocator (jemalloc, mimalloc, tcmalloc) loaded with dlopen. A worker's
/// handle points at the library's entry points, so every operation is one indirect
/// call. What is measured is what can be seen from outside: throughput, the peer's own
/// memory statistics, and the ledger checks the runner makes on every block; chunk
/// invariants are the model's alone.
public final class PeerTarget: StressTarget, @unchecked Sendable {
    public let library: PeerLibrary

    public init(_ library: PeerLibrary) { self.library = library }

    public var name: String { library.peer.rawValue }

    public func attach() -> UnsafePointer<PeerFunctions> { library.functions }
    // The peer's thread cache goes when the thread exits, by the peer's own TSD destructor.
    public func detach(_ handle: UnsafePointer<PeerFunctions>) {}

    @inlinable @inline(__always)
    public static func malloc(_ f: UnsafePointer<PeerFunctions>, _ bytes: Int) -> UnsafeMutableRawPointer? { f.pointee.malloc(bytes) }
    @inlinable @inline(__always)
    public static func calloc(_ f: UnsafePointer<PeerFunctions>, _ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
        f.pointee.calloc(count, size)
    }
    @inlinable @inline(__always)
    public static func realloc(_ f: UnsafePointer<PeerFunctions>, _ pointer: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer? {
        f.pointee.realloc(pointer, bytes)
    }
    @inlinable @inline(__always)
    public static func memalign(_ f: UnsafePointer<PeerFunctions>, _ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer? {
        f.pointee.memalign(alignment, bytes)
    }
    @inlinable @inline(__always)
    public static func free(_ f: UnsafePointer<PeerFunctions>, _ pointer: UnsafeMutableRawPointer?) { f.pointee.free(pointer) }

    public func trim() -> Bool { library.trim() }

    public func memory() -> TargetMemory { library.memory() ?? TargetMemory(heldBytes: 0, inUseBytes: 0) }

    public func kernelRequests() -> Int? { nil }
    public func takeLockUses() -> [ThreadLockUse] { [] }
}
