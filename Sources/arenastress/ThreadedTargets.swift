import ArenaModel
import Contention
import Glibc
import Targets

/// An allocator that several threads drive at once: each thread allocates through its
/// own handle. Workloads are generic over it, as over `BenchTarget`.
protocol ThreadedBenchTarget: SendableMetatype {
    associatedtype Handle
    /// A target for `threads` threads, its heap empty where it can be.
    init(threads: Int)
    func handle(_ thread: Int) -> Handle
    static func malloc(_ handle: Handle, _ n: Int) -> UnsafeMutableRawPointer?
    static func free(_ handle: Handle, _ p: UnsafeMutableRawPointer?)
    /// Requests made to the kernel so far, or nil where the target cannot tell.
    var osRequests: Int? { get }
    /// Every thread's use of every arena lock, merged; nil where the target cannot tell.
    var lockUse: LockUse? { get }
}

/// The model with an arena per thread, each thread attached to it.
struct ModelThreadedTarget: ThreadedBenchTarget {
    private let arenas: ArenaSet
    private let threads: [MallocThread]

    init(threads n: Int) {
        let arenas = ArenaSet(tunables: Tunables(), policy: .perThread)
        self.arenas = arenas
        threads = (0..<n).map { _ in arenas.attachThread() }
    }

    func handle(_ thread: Int) -> MallocThread { threads[thread] }

    @inline(__always)
    static func malloc(_ handle: MallocThread, _ n: Int) -> UnsafeMutableRawPointer? { handle.malloc(n) }

    @inline(__always)
    static func free(_ handle: MallocThread, _ p: UnsafeMutableRawPointer?) { handle.free(p) }

    var osRequests: Int? { arenas.osCounters.total }

    var lockUse: LockUse? {
        arenas.lockUsesByArena().values.reduce(into: LockUse()) { $0.merge($1) }
    }
}

/// The process's own malloc from several threads.
struct GlibcThreadedTarget: ThreadedBenchTarget {
    init(threads: Int) {}

    func handle(_ thread: Int) {}

    @inline(__always)
    static func malloc(_ handle: Void, _ n: Int) -> UnsafeMutableRawPointer? { Glibc.malloc(n) }

    @inline(__always)
    static func free(_ handle: Void, _ p: UnsafeMutableRawPointer?) { Glibc.free(p) }

    var osRequests: Int? { nil }
    var lockUse: LockUse? { nil }
}

/// A peer allocator from several threads: each thread's handle is the peer's entry points.
struct PeerThreadedTarget<P: PeerChoice>: ThreadedBenchTarget {
    private let f: UnsafePointer<PeerFunctions>

    init(threads: Int) { f = P.functions }

    func handle(_ thread: Int) -> UnsafePointer<PeerFunctions> { f }

    @inline(__always)
    static func malloc(_ f: UnsafePointer<PeerFunctions>, _ n: Int) -> UnsafeMutableRawPointer? { f.pointee.malloc(n) }

    @inline(__always)
    static func free(_ f: UnsafePointer<PeerFunctions>, _ p: UnsafeMutableRawPointer?) { f.pointee.free(p) }

    var osRequests: Int? { nil }
    var lockUse: LockUse? { nil }
}
