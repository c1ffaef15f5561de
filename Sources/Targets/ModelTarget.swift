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
                            osRequests: arenas.osCounters.total, residentBytes: residentBytes(arenas.ownedRegions),
                            arenas: arenas.arenaCount)
    }

    public func kernelRequests() -> Int? { arenas.osCounters.total }
    public func takeLockUses() -> [ThreadLockUse] {
        defer { arenas.resetLockUses() }
        return arenas.lockUses()
    }

    /// Bytes of `regions` resident in memory, by mincore(2).
    private func residentBytes(_ regions: [Range<UInt>]) -> Int? {
        let page = UInt(sysconf(Int32(_SC_PAGESIZE)))
        var resident = 0
        for region in regions where !region.isEmpty {
            let start = region.lowerBound & ~(page - 1)
            let pages = Int((region.upperBound - start + page - 1) / page)
            var vector = [UInt8](repeating: 0, count: pages)
            guard mincore(UnsafeMutableRawPointer(bitPattern: start), pages * Int(page), &vector) == 0 else { return nil }
            resident += vector.reduce(0) { $0 + Int($1 & 1) }
        }
        return resident * Int(page)
    }
}
