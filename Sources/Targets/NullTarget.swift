import ArenaModel

/// An allocator that does nothing: every request up to 1 MiB gets the same scratch
/// block, and free does nothing. A run against it costs what the driver costs (op
/// stream, slot table, op log, dispatch): `arenastress bench --workload harness`.
///
/// Blocks overlap, so a run against it must not write patterns into them: only runs
/// with every check off (`check: never`), which is what the harness row runs.
public final class NullTarget: StressTarget, @unchecked Sendable {
    /// The largest request served.
    public static let scratchBytes = 1 << 20
    private let scratch: UnsafeMutableRawPointer

    public init() {
        scratch = .allocate(byteCount: Self.scratchBytes, alignment: 4096)
    }

    deinit { scratch.deallocate() }

    public var name: String { "null" }

    public func attach() -> UnsafeMutableRawPointer { scratch }
    public func detach(_ handle: UnsafeMutableRawPointer) {}

    @inlinable @inline(__always)
    public static func malloc(_ scratch: UnsafeMutableRawPointer, _ bytes: Int) -> UnsafeMutableRawPointer? {
        bytes <= scratchBytes ? scratch : nil
    }

    @inlinable @inline(__always)
    public static func calloc(_ scratch: UnsafeMutableRawPointer, _ count: Int, _ size: Int) -> UnsafeMutableRawPointer? {
        malloc(scratch, count &* size)
    }

    @inlinable @inline(__always)
    public static func realloc(_ scratch: UnsafeMutableRawPointer, _ pointer: UnsafeMutableRawPointer?, _ bytes: Int) -> UnsafeMutableRawPointer? {
        malloc(scratch, bytes)
    }

    @inlinable @inline(__always)
    public static func memalign(_ scratch: UnsafeMutableRawPointer, _ alignment: Int, _ bytes: Int) -> UnsafeMutableRawPointer? {
        alignment <= 4096 ? malloc(scratch, bytes) : nil
    }

    @inlinable @inline(__always)
    public static func free(_ scratch: UnsafeMutableRawPointer, _ pointer: UnsafeMutableRawPointer?) {}

    public func trim() -> Bool { false }
    public func memory() -> TargetMemory { TargetMemory(heldBytes: Self.scratchBytes, inUseBytes: 0) }
    public func kernelRequests() -> Int? { nil }
    public func takeLockUses() -> [ThreadLockUse] { [] }
}
