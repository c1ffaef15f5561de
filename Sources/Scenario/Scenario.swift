/// A scenario: the user's whole description of a stress run, loaded from a YAML file.
///
/// The file format is the contract in `shared/design/scenario-format.md`; every key there
/// works, with the meaning it gives. `ScenarioLoader` reads a file, validates all of it
/// and either returns a `Scenario` with every default resolved or throws
/// `ScenarioErrors` with one `file:line:column: message` per problem. This module knows
/// nothing of threads, memory or the allocator model: it describes, others run.
///
/// Where the contract is silent this module decides, and the doc comments say so:
/// size units are 1024-based (`Units`), `tunables.arena_max` may be a list (a sweep, see
/// `sweepPoints`), `trim: false` is refused, and `expect.violations` defaults to the
/// first injected kind when a phase injects one.
public struct Scenario: Sendable, Codable, Equatable {
    /// The scenario's name, `[a-z0-9-]+`.
    public var name: String
    /// Free text shown in reports.
    public var description: String?
    /// The seed of every op stream; the same seed gives the same streams. Default 1.
    public var seed: UInt64
    /// The allocator under test. Default `.model`.
    public var target: Target
    /// The model's tunables; all nil unless the target is the model.
    public var tunables: ScenarioTunables
    /// Thread counts, placement and arena policies.
    public var threads: ThreadsSpec
    /// When HeapCheck walks the heaps. Default `.everyPhase`.
    public var check: CheckSchedule
    /// How much of each live block its pattern covers. Default `.full`.
    public var checkContent: ContentCheck
    /// The phases, in order; at least one.
    public var phases: [Phase]
    /// What must hold at the end.
    public var expect: Expectations
    /// The path the scenario was loaded from (the `file` of every location).
    public var source: String

    /// A scenario as validation builds it.
    public init(
        name: String, description: String? = nil, seed: UInt64 = 1, target: Target = .model,
        tunables: ScenarioTunables = ScenarioTunables(), threads: ThreadsSpec = ThreadsSpec(),
        check: CheckSchedule = .everyPhase, checkContent: ContentCheck = .full, phases: [Phase],
        expect: Expectations = Expectations(), source: String
    ) {
        self.name = name
        self.description = description
        self.seed = seed
        self.target = target
        self.tunables = tunables
        self.threads = threads
        self.check = check
        self.checkContent = checkContent
        self.phases = phases
        self.expect = expect
        self.source = source
    }

    /// The runs a sweep makes: the cartesian product of `threads.arenas`,
    /// `tunables.arenaMaxSweep` (or a single nil) and `threads.counts`, arenas outermost
    /// and thread counts innermost, so the runs of one scaling curve are adjacent. Each
    /// list keeps the file's order.
    public var sweepPoints: [SweepPoint] {
        let arenaMaxes: [Int?] = tunables.arenaMaxSweep.isEmpty ? [nil] : tunables.arenaMaxSweep.map { $0 }
        return threads.arenas.flatMap { arenas in
            arenaMaxes.flatMap { arenaMax in
                threads.counts.map { SweepPoint(threads: $0, arenas: arenas, arenaMax: arenaMax) }
            }
        }
    }

    /// The phase named `name`, if there is one.
    public func phase(named name: String) -> Phase? { phases.first { $0.name == name } }

    /// The corruption kinds `inject` and `expect.violations.detected` accept. They mirror
    /// the raw values of HeapCheck's `CorruptionKind`, which this module must not import:
    /// a kind added there is added here too.
    public static let corruptionKinds = [
        "double-free-tcache", "fastbin-dup", "fastbin-dup-into-foreign", "tcache-poisoning",
        "house-of-spirit", "unsafe-unlink", "poison-null-byte", "overlapping-chunks",
        "overlapping-inuse", "house-of-force", "top-shrink", "unsorted-bk", "large-nextsize",
        "arena-flag", "tcache-count", "use-after-free-write", "overflow-into-next",
        "canary-scribble", "mmap-size", "cross-thread-double-free", "remote-tcache-write",
    ]

    /// The most worker threads a run may have.
    public static let maxThreads = 1024
    /// The largest `tunables.arena_max` (and `arena_test`).
    public static let maxArenaMax = 65536
    /// The most operations, slots or rounds any count may ask for.
    public static let maxCount = 10_000_000_000

    /// The keys each mapping of the format knows, by a path pattern: `""` is the top
    /// level, `phases[]` a phase, `size` any size distribution. Unknown keys are
    /// reported with the nearest of these suggested.
    public static let knownKeys: [String: [String]] = [
        "": ["name", "description", "seed", "target", "tunables", "threads", "check", "check_content", "phases", "expect"],
        "tunables": [
            "arena_max", "arena_test", "tcache_count", "mxfast", "mmap_threshold", "trim_threshold", "top_pad",
            "perturb",
        ],
        "threads": ["count", "placement", "arenas", "memory"],
        "threads.placement": ["nodes"],
        "check": ["every_ops"],
        "phases[]": ["name", "check"] + PhaseKind.keys,
        "allocate": ["count", "size"],
        "free": ["fraction", "count", "order"],
        "churn": ["ops", "duration", "live", "size", "mix", "remote_free", "rounds"],
        "churn.mix": Mix.keys,
        "handoff": ["ops", "duration", "producers", "batch", "size"],
        "respawn": ["rounds"],
        "inject": ["kind"],
        "size": ["fixed", "uniform", "pow2", "lognormal", "inverse_square", "weighted"],
        "size.lognormal": ["median", "sigma"],
        "expect": Expectations.keys,
        "expect.violations": ["max", "detected"],
        "expect.os_requests": ["max"],
        "expect.fragmentation": ["phase", "min", "max"],
        "expect.contention": ["max"],
    ]
}

extension Scenario {
    // Reports written before `check_content` existed decode with its default.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        description = try c.decodeIfPresent(String.self, forKey: .description)
        seed = try c.decode(UInt64.self, forKey: .seed)
        target = try c.decode(Target.self, forKey: .target)
        tunables = try c.decode(ScenarioTunables.self, forKey: .tunables)
        threads = try c.decode(ThreadsSpec.self, forKey: .threads)
        check = try c.decode(CheckSchedule.self, forKey: .check)
        checkContent = try c.decodeIfPresent(ContentCheck.self, forKey: .checkContent) ?? .full
        phases = try c.decode([Phase].self, forKey: .phases)
        expect = try c.decode(Expectations.self, forKey: .expect)
        source = try c.decode(String.self, forKey: .source)
    }
}
