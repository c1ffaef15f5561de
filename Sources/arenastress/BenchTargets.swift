import ArenaModel
import ArgumentParser
import Glibc
import Targets

/// An allocator a benchmark drives: workloads are generic over it, so each one is
/// specialised per target and no call goes through an existential.
protocol BenchTarget {
    /// A target ready for a repetition; the model's starts from an empty heap.
    init()
    mutating func malloc(_ n: Int) -> UnsafeMutableRawPointer?
    mutating func free(_ p: UnsafeMutableRawPointer?)
    /// Requests made to the kernel so far, or nil where the target cannot tell.
    var osRequests: Int? { get }
}

/// The targets `arenastress bench` knows, by their command-line names.
enum TargetName: String, CaseIterable, ExpressibleByArgument, Sendable {
    case model
    case glibc
    /// A bare pthread mutex: the baseline of the lock workloads.
    case plain
    /// The peers, loaded with dlopen where installed.
    case jemalloc
    case mimalloc
    case tcmalloc

    /// The peer allocator it names, if it names one.
    var peer: Peer? { Peer(name: rawValue) }

    /// Why the target cannot run in this process (a peer not installed or not
    /// loadable), in one line; nil when it can.
    var unavailability: String? { peer.flatMap { PeerLibrary.availability($0)?.description } }
}

/// Which peer a `PeerBenchTarget` or `PeerThreadedTarget` drives: a type per peer, so
/// that each workload is specialised for it.
protocol PeerChoice { static var peer: Peer { get } }
enum Jemalloc: PeerChoice { static var peer: Peer { .jemalloc } }
enum Mimalloc: PeerChoice { static var peer: Peer { .mimalloc } }
enum Tcmalloc: PeerChoice { static var peer: Peer { .tcmalloc } }

extension PeerChoice {
    /// The peer's entry points. The bench drops a peer that does not load before any
    /// workload runs, so here it has loaded.
    static var functions: UnsafePointer<PeerFunctions> {
        do { return try PeerLibrary.load(peer).functions } catch { preconditionFailure("bench: \(error)") }
    }
}

/// A peer allocator: every call one indirect call through its entry points.
struct PeerBenchTarget<P: PeerChoice>: BenchTarget {
    private let f: UnsafePointer<PeerFunctions>

    init() { f = P.functions }

    @inline(__always)
    mutating func malloc(_ n: Int) -> UnsafeMutableRawPointer? { f.pointee.malloc(n) }

    @inline(__always)
    mutating func free(_ p: UnsafeMutableRawPointer?) { f.pointee.free(p) }

    var osRequests: Int? { nil }
}

/// The ptmalloc2 model: one `ArenaSet` and one attached thread.
struct ModelTarget: BenchTarget {
    // The set owns every byte of the model's memory: the thread's pointers are valid
    // only while it lives, so the target keeps it.
    private let arenas: ArenaSet
    private var thread: MallocThread

    init() {
        arenas = ArenaSet(tunables: Tunables())
        thread = arenas.attachThread()
    }

    @inline(__always)
    mutating func malloc(_ n: Int) -> UnsafeMutableRawPointer? {
        thread.malloc(n)
    }

    @inline(__always)
    mutating func free(_ p: UnsafeMutableRawPointer?) {
        thread.free(p)
    }

    var osRequests: Int? { arenas.osCounters.total }
}

/// The process's own allocator, glibc's malloc: the model's direct peer.
struct GlibcTarget: BenchTarget {
    init() {}

    @inline(__always)
    mutating func malloc(_ n: Int) -> UnsafeMutableRawPointer? {
        Glibc.malloc(n)
    }

    @inline(__always)
    mutating func free(_ p: UnsafeMutableRawPointer?) {
        Glibc.free(p)
    }

    // glibc counts nothing we could read without interposing on brk and mmap.
    var osRequests: Int? { nil }
}
