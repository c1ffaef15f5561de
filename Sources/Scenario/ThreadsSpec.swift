/// How many worker threads run, where they are pinned, and how they pick arenas.
public struct ThreadsSpec: Sendable, Codable, Equatable {
    /// The thread counts to run with, in the file's order: `count: 4` is `[4]`,
    /// `count: [1, 2, 4, 8]` a sweep, one run each. Default `[1]`.
    public var counts: [Int]
    /// Where threads are pinned. Default `.compact`.
    public var placement: PlacementSpec
    /// The arena policies to run with, in the file's order (a single value or a list;
    /// a list is a sweep). Default `[.glibc]`.
    public var arenas: [ArenaPolicyName]
    /// Where non-main arenas' heaps get their pages. Default `.preferred`.
    public var memory: MemoryPlacement

    /// Threads as given; the defaults are one thread, compact, glibc's arena rules, and
    /// heaps preferring their creator's node.
    public init(counts: [Int] = [1], placement: PlacementSpec = .compact, arenas: [ArenaPolicyName] = [.glibc],
                memory: MemoryPlacement = .preferred) {
        self.counts = counts
        self.placement = placement
        self.arenas = arenas
        self.memory = memory
    }

    private enum CodingKeys: String, CodingKey { case counts, placement, arenas, memory }

    // Reports written before `memory` existed decode with its default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        counts = try c.decode([Int].self, forKey: .counts)
        placement = try c.decode(PlacementSpec.self, forKey: .placement)
        arenas = try c.decode([ArenaPolicyName].self, forKey: .arenas)
        memory = try c.decodeIfPresent(MemoryPlacement.self, forKey: .memory) ?? .preferred
    }
}

/// Where each non-main arena's heaps get their pages (`threads.memory`): bound to the
/// node of the thread that created the arena, before any page is touched.
public enum MemoryPlacement: String, Sendable, Codable, Equatable, CaseIterable {
    /// MPOL_BIND: that node only. YAML: `bind`.
    case bind
    /// MPOL_PREFERRED: that node while it has free pages. YAML: `preferred`.
    case preferred
    /// No policy: first touch decides. YAML: `none`.
    case none
}

/// Where worker threads are pinned (`threads.placement`).
public enum PlacementSpec: Sendable, Codable, Equatable {
    /// Fill one core (and NUMA node) after the other. YAML: `compact`.
    case compact
    /// Spread threads round-robin over NUMA nodes. YAML: `scatter`.
    case scatter
    /// Leave placement to the OS scheduler. YAML: `none`.
    case none
    /// Only these NUMA nodes, threads spread over them. YAML: `{nodes: [0, 1]}`.
    case nodes([Int])

    /// The scalar spellings, for suggestions.
    public static let names = ["compact", "scatter", "none"]
}

/// How a worker thread gets its arena (`threads.arenas`).
public enum ArenaPolicyName: String, Sendable, Codable, Equatable, CaseIterable {
    /// glibc's arena_get rules: reuse, create up to arena_max, then share.
    case glibc
    /// One arena per thread, as if arena_max were unlimited.
    case perThread = "per-thread"
    /// Every thread on the main arena.
    case shared
}
