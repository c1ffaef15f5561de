import ArenaModel
import CSupport
import Glibc

/// This process's own malloc: glibc's ptmalloc2, the model's original.
///
/// It keeps the state of everything the process allocated before the run; its kernel
/// requests and lock use cannot be counted from inside.
public final class GlibcTarget: StressTarget, @unchecked Sendable {
    public init() {}

    public var name: String { "glibc" }

    public func attach() {}
    public func detach(_ handle: Void) {}

    @inlinable @inline(__always)
    public static func malloc(_ handle: Void, _ bytes: Int) -> UnsafeMutableRawPointer? { Glibc.malloc(bytes) }
    @inlinable @inline(__always)
    public static func calloc(_ handle: Void, _ count: Int, _ size: Int) -> UnsafeMutableRawPointer? { Glibc.calloc(count, size) }
    @inlinable @inline(__always)
    public static func realloc(_ handle: Void, _ pointer: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer? {
        Glibc.realloc(pointer, bytes)
    }
    @inlinable @inline(__always)
    public static func memalign(_ handle: Void, _ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer? {
        cs_glibc_memalign(alignment, bytes)
    }
    @inlinable @inline(__always)
    public static func free(_ handle: Void, _ pointer: UnsafeMutableRawPointer?) { Glibc.free(pointer) }

    public func trim() -> Bool { cs_glibc_malloc_trim(0) != 0 }

    public func memory() -> TargetMemory {
        var info = [Int](repeating: 0, count: 3)
        info.withUnsafeMutableBufferPointer { $0.withMemoryRebound(to: Int.self) { cs_glibc_mallinfo2(UnsafeMutablePointer(OpaquePointer($0.baseAddress!))) } }
        var memory = TargetMemory(heldBytes: info[0] + info[1], inUseBytes: info[2] + info[1],
                                  residentBytes: ResidentPages.glibcRegions().flatMap(ResidentPages.bytes),
                                  arenas: GlibcMallocInfo.xml().map(GlibcMallocInfo.arenas(in:)))
        if memory.residentBytes == nil { memory.residentNote = "glibc's mappings could not be read from /proc/self/maps" }
        return memory
    }

    public func kernelRequests() -> Int? { nil }
    public func takeLockUses() -> [ThreadLockUse] { [] }
}
