import Placement
import Scenario

extension PlacementPolicy {
    /// The policy a scenario's `threads.placement` names.
    public init(_ spec: PlacementSpec) {
        switch spec {
        case .compact: self = .compact
        case .scatter: self = .scatter
        case .none: self = .none
        case .nodes(let ids): self = .nodes(ids)
        }
    }
}

extension MemoryPolicy {
    /// The policy a scenario's `threads.memory` names.
    public init(_ memory: MemoryPlacement) {
        switch memory {
        case .bind: self = .bind
        case .preferred: self = .preferred
        case .none: self = .none
        }
    }
}
