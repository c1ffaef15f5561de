/// One phase of a scenario: every worker runs it, then the world stops at a barrier.
public struct Phase: Sendable, Codable, Equatable {
    /// The phase's name, unique in the file.
    public var name: String
    /// What the phase does.
    public var kind: PhaseKind
    /// The phase's own check schedule, overriding the scenario's; nil to follow it.
    public var check: CheckSchedule?
    /// Where the phase's mapping starts in the file, for messages about it at run time.
    public var location: SourceLocation

    /// A phase as validation builds it.
    public init(name: String, kind: PhaseKind, check: CheckSchedule? = nil, location: SourceLocation) {
        self.name = name
        self.kind = kind
        self.check = check
        self.location = location
    }
}

/// What a phase does: exactly one kind key of the phase's mapping.
public enum PhaseKind: Sendable, Codable, Equatable {
    /// Fill `count` new slots per worker. YAML: `allocate: {count: N, size: ...}`.
    case allocate(AllocateSpec)
    /// Empty a share of each worker's live slots. YAML: `free: {fraction: F, order: O}`.
    case free(FreeSpec)
    /// Larson-like random replacement. YAML: `churn: {ops: N, live: N, size: ...}`.
    case churn(ChurnSpec)
    /// xmalloc-like producers and consumers. YAML: `handoff: {ops: N, size: ...}`.
    case handoff(HandoffSpec)
    /// End every worker thread and start new ones, `rounds` times, live blocks kept.
    /// YAML: `respawn: {rounds: N}`.
    case respawn(rounds: Int)
    /// malloc_trim(0) on every arena. YAML: `trim: true`.
    case trim
    /// One corruption of the corpus, `kind` one of `Scenario.corruptionKinds`.
    /// YAML: `inject: {kind: fastbin-dup}`.
    case inject(kind: String)

    /// The kind keys, in the order the contract lists them.
    public static let keys = ["allocate", "free", "churn", "handoff", "respawn", "trim", "inject"]

    /// The kind's key, e.g. `churn`.
    public var key: String {
        switch self {
        case .allocate: "allocate"
        case .free: "free"
        case .churn: "churn"
        case .handoff: "handoff"
        case .respawn: "respawn"
        case .trim: "trim"
        case .inject: "inject"
        }
    }
}
