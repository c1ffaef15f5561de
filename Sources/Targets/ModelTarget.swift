import ArenaModel
import Glibc

/// The ptmalloc2 model: one `ArenaSet`, a `MallocThread` per worker thread.
public final class ModelTarget: StressTarget, @unchecked Sendable {
    /// The model under test.
    public let arenas: ArenaSet

    public init(tunables: Tunables, policy: ArenaPolicy) {
        arenas = ArenaSet(tunables: tunables, policy: policy)
        arenas.resetLockUses()
    }

    public var name: String { "model" }

    public func attach() -> MallocThread { arenas.attachThread() }
    public func detach(_ handle: MallocThread) { arenas.detach(handle) }

    @inlinable @inline(__always)
    public static func malloc(_ handle: MallocThread, _ bytes: Int) -> UnsafeMutableRawPointer? { handle.malloc(bytes) }
    @inlinable @inline(__always)
    public static func calloc(_ handle: MallocThread, _ count: Int, _ size: Int) -> UnsafeMutableRawPointer? { handle.calloc(count, size) }
    @inlinable @inline(__always)
    public static func realloc(_ handle: MallocThread, _ pointer: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer? {
        handle.realloc(pointer, bytes)
    }
    @inlinable @inline(__always)
    public static func memalign(_ handle: MallocThread, _ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer? {
        handle.memalign(alignment, bytes)
    }
    @inlinable @inline(__always)
    public static func free(_ handle: MallocThread, _ pointer: UnsafeMutableRawPointer?) { handle.free(pointer) }

    public func trim() -> Bool { arenas.trim() }

    public func memory() -> TargetMemory {
        let info = arenas.mallinfo2
        return TargetMemory(heldBytes: info.arena + info.hblkhd, inUseBytes: info.uordblks + info.hblkhd,
                            osRequests: arenas.osCounters.total, residentBytes: ResidentPages.bytes(arenas.ownedRegions),
                            arenas: arenas.arenaCount)
    }

    public func kernelRequests() -> Int? { arenas.osCounters.total }
    public func takeLockUses() -> [ThreadLockUse] {
        defer { arenas.resetLockUses() }
        return arenas.lockUses()
    }
}
