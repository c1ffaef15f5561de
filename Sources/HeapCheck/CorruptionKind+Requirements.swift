import ArenaModel

/// What a recipe needs of the model to set itself up: a kind that attacks the tcache
/// needs a tcache, one that attacks the fastbins needs fastbins.
extension CorruptionKind {
    /// A part of the heap that tunables can turn off.
    public enum Requirement: String, Sendable {
        /// `tcache_count` above 0.
        case tcache
        /// `mxfast` large enough for a fastbin chunk.
        case fastbins
        /// Either: a fake chunk is filed into a tcache bin, or without one a fastbin.
        case tcacheOrFastbins = "tcache or fastbins"
    }

    /// What this kind's recipe needs; nil for a kind any heap can take.
    public var requirement: Requirement? {
        switch self {
        case .doubleFreeTcache, .tcachePoisoning, .tcacheCount, .crossThreadDoubleFree, .remoteTcacheWrite: .tcache
        case .fastbinDup, .fastbinDupIntoForeign: .fastbins
        case .houseOfSpirit: .tcacheOrFastbins
        default: nil
        }
    }

    /// The threads the recipe works through: two where one thread's tcache is attacked
    /// through another (the injecting thread and the next one), else one.
    public var minimumThreads: Int {
        switch self {
        case .crossThreadDoubleFree, .remoteTcacheWrite: 2
        default: 1
        }
    }

    /// Whether a model with these tunables has what the recipe needs.
    public func canSetUp(tcacheCount: Int, maxFastChunkSize: Int) -> Bool {
        let tcache = tcacheCount > 0, fastbins = maxFastChunkSize >= Layout.minSize
        return switch requirement {
        case nil: true
        case .tcache: tcache
        case .fastbins: fastbins
        case .tcacheOrFastbins: tcache || fastbins
        }
    }
}
