import Atomics

/// The NUMA node of every CPU, installed once per process, so that the lock paths can
/// tell an owner change across nodes from one across CPUs of the same node.
///
/// Only the out-of-line owner-change path reads it; the uncontended lock never does.
public final class CPUNodes: @unchecked Sendable {
    /// The node of CPU c at `nodes[c]`, for the 1024 CPUs a lock word can name.
    private let nodes: UnsafeMutablePointer<Int16>

    /// The lock word keeps 10 bits of CPU number.
    public static let capacity = 1024

    private static let installed = ManagedAtomicLazyReference<CPUNodes>()

    // Immutable once made: any thread may read it.
    /// A table from `nodeOfCPU[c]` (nil, or CPUs past the end: node unknown).
    public init(_ nodeOfCPU: [Int?]) {
        nodes = .allocate(capacity: Self.capacity)
        for cpu in 0..<Self.capacity {
            let node = cpu < nodeOfCPU.count ? nodeOfCPU[cpu] : nil
            nodes[cpu] = Int16(truncatingIfNeeded: node ?? -1)
        }
    }

    deinit { nodes.deallocate() }

    /// The process's table, once installed.
    public static var current: CPUNodes? { installed.load() }

    /// Installs `table` as the process's table unless one is installed already; returns
    /// the one in force.
    @discardableResult
    public static func install(_ table: CPUNodes) -> CPUNodes { installed.storeIfNilThenLoad(table) }

    /// The node of `cpu`, or nil where unknown.
    public func node(_ cpu: Int) -> Int? {
        guard cpu >= 0, cpu < Self.capacity, nodes[cpu] >= 0 else { return nil }
        return Int(nodes[cpu])
    }

    /// Whether CPUs `a` and `b` are on different known nodes.
    public func differ(_ a: Int, _ b: Int) -> Bool {
        guard let na = node(a), let nb = node(b) else { return false }
        return na != nb
    }
}
