/// Where worker threads go: the scenario's `threads.placement`, in Placement's terms.
public enum PlacementPolicy: Sendable, Equatable, CustomStringConvertible {
    /// Fill one node's CPUs before the next, nodes in ascending order.
    case compact
    /// Round-robin over the nodes: worker 0 on the first node, worker 1 on the second ...
    case scatter
    /// Only these nodes, round-robin over them in the order given.
    case nodes([Int])
    /// No pinning: the kernel's scheduler decides.
    case none

    public var description: String {
        switch self {
        case .compact: "compact"
        case .scatter: "scatter"
        case .nodes(let ids): "nodes [\(ids.map(String.init).joined(separator: ", "))]"
        case .none: "none"
        }
    }
}

/// Where a non-main arena's heaps get their pages: the scenario's `threads.memory`.
public enum MemoryPolicy: String, Sendable, Equatable, CaseIterable {
    /// MPOL_BIND: only the creator's node; when it is full the kernel reclaims (or the OOM
    /// killer acts) rather than spill to another node.
    case bind
    /// MPOL_PREFERRED: the creator's node while it has free pages, else another.
    case preferred
    /// No policy: the kernel's default, first touch.
    case none
}
