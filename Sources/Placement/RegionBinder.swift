import Contention
import CSupport

/// Binds new memory regions, before any of their pages is touched, to the node of the
/// thread that made them, or to the node of the region they extend; and remembers
/// each region's node, so that a check can later say how many pages went there.
///
/// Regions are what an allocator reserves (a heap's 64 MiB mapping, say); the binder
/// knows nothing of what they hold.
public final class RegionBinder: Sendable {
    public let policy: MemoryPolicy
    private let topology: Topology
    private let binder: MemoryBinder
    // A pthread mutex (`Locked`), which ThreadSanitizer sees: workers map regions concurrently.
    private let state = Locked(State())

    private struct State {
        var nodes: [UInt: Int] = [:]
        var bound = 0
        var failures: [Int32] = []
    }

    /// A binder applying `policy` (none: regions are only recorded, left to first touch)
    /// through `binder`'s mbind.
    public init(policy: MemoryPolicy, topology: Topology, binder: MemoryBinder) {
        self.policy = policy
        self.topology = topology
        self.binder = binder
    }

    /// A region was mapped at `base`: binds it to the node of the region at `extending`
    /// (when it continues one) or of the CPU the calling thread runs on.
    public func regionMapped(_ base: UnsafeMutableRawPointer, length: Int, extending: UnsafeMutableRawPointer?) {
        let inherited = extending.flatMap { e in state.withLock { $0.nodes[UInt(bitPattern: e)] } }
        let node = inherited ?? topology.node(ofCPU: Int(cs_current_cpu())) ?? topology.allowedNodes.first ?? 0
        let code = policy == .none ? 0 : binder.bind(base, length, policy, node)
        state.withLock {
            $0.nodes[UInt(bitPattern: base)] = node
            if policy != .none { if code == 0 { $0.bound += 1 } else { $0.failures.append(code) } }
        }
    }

    /// The node the region at `base` was meant for, if it was mapped through this binder.
    public func node(ofRegion base: UInt) -> Int? { state.withLock { $0.nodes[base] } }

    /// Regions bound, and the errnos of the bindings the kernel refused.
    public var outcome: (bound: Int, refused: [Int32]) { state.withLock { ($0.bound, $0.failures) } }
}
