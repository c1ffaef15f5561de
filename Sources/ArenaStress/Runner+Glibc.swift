import Reporting
import Scenario
import Targets

// Real glibc under a sweep point's settings: its arena policy and the scenario's
// tunables as GLIBC_TUNABLES, which glibc reads once, at start-up; so each point runs
// in a child process of its own and no setting leaks from one point to the next.
extension Runner {
    /// The GLIBC_TUNABLES entries that give real glibc `point`'s settings: `shared` as
    /// arena_max=1, `per-thread` as arena_max = the thread count, the point's or the
    /// scenario's `arena_max` under policy `glibc`, then the scenario's other tunables.
    /// With arena_max = N, glibc makes N arenas, the main one included: all but one
    /// worker create one each and the last takes the main arena (reused_arena's first
    /// unlocked, the main thread being idle), as in the model, whose first thread has it.
    public func glibcTunables(_ point: SweepPoint) -> [String] {
        let s = scenario.tunables
        let arenaMax: Int? = switch point.arenas {
        case .shared: 1
        case .perThread: point.threads
        case .glibc: point.arenaMax ?? s.arenaMax
        }
        let settings: [(String, Int?)] = [
            ("arena_max", arenaMax.flatMap { $0 == 0 ? nil : $0 }), ("arena_test", s.arenaTest),
            ("tcache_count", s.tcacheCount), ("mxfast", s.mxfast), ("mmap_threshold", s.mmapThreshold),
            ("trim_threshold", s.trimThreshold), ("top_pad", s.topPad), ("perturb", s.perturb),
        ]
        return settings.compactMap { name, value in value.map { "glibc.malloc.\(name)=\($0)" } }
    }

    /// The sweep points to run: all of them, except that for a peer or the pool, which
    /// have no arena policy, points differing only in it are run once (under the first
    /// policy's label), and `notes` says so.
    public var pointsToRun: (points: [SweepPoint], notes: [String]) {
        let all = scenario.sweepPoints
        guard scenario.target != .model && scenario.target != .glibc else { return (all, []) }
        var seen = Set<Int>(), points: [SweepPoint] = []
        for point in all where seen.insert(point.threads).inserted { points.append(point) }
        guard points.count < all.count else { return (all, []) }
        let policies = scenario.threads.arenas.map(\.rawValue).joined(separator: ", ")
        return (points, ["\(scenario.target.rawValue): the arena dimension (\(policies)) does not apply to this allocator; "
                         + "each thread count ran once, labelled \(points[0].arenas.rawValue)"])
    }
}
