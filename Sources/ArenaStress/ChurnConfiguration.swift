import ArenaModel

/// A larson-like churn on the model: every worker replaces random blocks of its own
/// slot table, hands a share of its frees to another worker, and is respawned (its
/// thread exits, a new one attaches) after a phase.
public struct ChurnConfiguration: Sendable {
    /// Worker threads.
    public var threads: Int
    /// How the workers are spread over arenas.
    public var policy: ArenaPolicy
    public var tunables: Tunables
    /// Operations (a malloc or a free) per worker per phase.
    public var opsPerPhase: Int
    public var phases: Int
    /// The phase after which every worker's thread exits and a new one starts; nil for none.
    public var respawnAfterPhase: Int?
    /// Live slots per worker.
    public var liveSlots: Int
    /// The share of frees, in percent, handed to another worker to do.
    public var remoteFreePercent: Int
    /// The largest block; one allocation in ten is up to this size, the rest up to 1000 bytes.
    public var maxSize: Int
    public var seed: UInt64
    /// A CPU per worker, or nil entries to run unpinned; nil for compact placement.
    public var placement: [Int?]?
    /// Whether the heap and the ledger are checked at every phase end.
    public var checkEveryPhase: Bool

    public init(threads: Int, policy: ArenaPolicy = .glibc, tunables: Tunables = Tunables(), opsPerPhase: Int,
                phases: Int = 3, respawnAfterPhase: Int? = 0, liveSlots: Int = 512, remoteFreePercent: Int = 25,
                maxSize: Int = 6000, seed: UInt64 = 1, placement: [Int?]? = nil, checkEveryPhase: Bool = true) {
        self.threads = threads
        self.policy = policy
        self.tunables = tunables
        self.opsPerPhase = opsPerPhase
        self.phases = phases
        self.respawnAfterPhase = respawnAfterPhase
        self.liveSlots = liveSlots
        self.remoteFreePercent = remoteFreePercent
        self.maxSize = maxSize
        self.seed = seed
        self.placement = placement
        self.checkEveryPhase = checkEveryPhase
    }
}
