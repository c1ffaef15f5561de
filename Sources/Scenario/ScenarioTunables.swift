/// The model's tunables, under glibc's names (`arena_max`, `tcache_count`, ...). Nil
/// means glibc's default. Sizes accept units (`128k`).
public struct ScenarioTunables: Sendable, Codable, Equatable {
    /// `arena_max`; 0 is glibc's rule (8 x cores once past `arena_test`). When the
    /// scenario sweeps it (`arena_max: [1, 2, 8]`) this is the first value and
    /// `arenaMaxSweep` has them all.
    public var arenaMax: Int?
    /// Every `arena_max` the scenario runs with, in the file's order: empty when
    /// `arena_max` is absent, one value when it is a number, several for a sweep.
    public var arenaMaxSweep: [Int]
    /// `arena_test`: arenas created before `arena_max`'s rule applies.
    public var arenaTest: Int?
    /// `tcache_count`: chunks per tcache bin, 0 disables tcache.
    public var tcacheCount: Int?
    /// `mxfast`: the largest fastbin request in bytes, 0 disables fastbins.
    public var mxfast: Int?
    /// `mmap_threshold` in bytes; a fixed value disables glibc's dynamic threshold.
    public var mmapThreshold: Int?
    /// `trim_threshold` in bytes.
    public var trimThreshold: Int?
    /// `top_pad` in bytes.
    public var topPad: Int?
    /// `perturb`: glibc's M_PERTURB byte, 0...255.
    public var perturb: Int?

    /// Every tunable at glibc's default.
    public init(
        arenaMax: Int? = nil, arenaMaxSweep: [Int]? = nil, arenaTest: Int? = nil, tcacheCount: Int? = nil,
        mxfast: Int? = nil, mmapThreshold: Int? = nil, trimThreshold: Int? = nil, topPad: Int? = nil,
        perturb: Int? = nil
    ) {
        self.arenaMax = arenaMax
        self.arenaMaxSweep = arenaMaxSweep ?? arenaMax.map { [$0] } ?? []
        self.arenaTest = arenaTest
        self.tcacheCount = tcacheCount
        self.mxfast = mxfast
        self.mmapThreshold = mmapThreshold
        self.trimThreshold = trimThreshold
        self.topPad = topPad
        self.perturb = perturb
    }

    /// True when no tunable is set.
    public var isEmpty: Bool { self == ScenarioTunables() }
}
