/// One run of a sweep: a thread count, an arena policy and, when the scenario sweeps
/// `tunables.arena_max`, an arena_max.
public struct SweepPoint: Sendable, Codable, Equatable, Hashable {
    /// Worker threads in this run.
    public var threads: Int
    /// The arena policy of this run.
    public var arenas: ArenaPolicyName
    /// arena_max for this run, nil when the scenario leaves it to `tunables` defaults.
    public var arenaMax: Int?

    /// A point of the sweep.
    public init(threads: Int, arenas: ArenaPolicyName, arenaMax: Int? = nil) {
        self.threads = threads
        self.arenas = arenas
        self.arenaMax = arenaMax
    }
}
