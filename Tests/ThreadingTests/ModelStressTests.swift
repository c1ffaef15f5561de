import ArenaModel
import ArenaStress
import Glibc
import Testing

/// The model under threads: a ledger of live blocks with their patterns, frees handed
/// to other threads, thread churn, and a full check with the world stopped.
@Suite struct ModelStressTests {
    /// Operations per thread over the whole run; `ARENASTRESS_STRESS_OPS` overrides it
    /// (the ThreadSanitizer run uses fewer).
    static var opsPerThread: Int {
        getenv("ARENASTRESS_STRESS_OPS").flatMap { Int(String(cString: $0)) } ?? 1_000_000
    }

    static func run(_ c: ChurnConfiguration, _ label: String) -> ChurnResult {
        print("\(label): seed \(c.seed), \(c.threads) threads, policy \(c.policy), \(c.opsPerPhase) ops per phase")
        let r = Churn(c).run()
        let use = r.lockUse
        print("\(label): \(r.mallocs) mallocs, \(r.frees) frees, \(r.arenas) arenas, \(use.acquisitions) lock acquisitions, \(use.contended) contended, \(r.threadsStarted) threads started")
        return r
    }

    /// The acceptance run: 8 threads on this machine's cores, shared arena, churn with a
    /// quarter of the frees remote, a respawn of every thread, a check at every phase end;
    /// then the same run with an arena per thread, which must barely contend.
    @Test func eightThreadsSharedThenPerThread() {
        let shared = ChurnConfiguration(threads: 8, policy: .shared, opsPerPhase: Self.opsPerThread / 3, seed: 2024)
        let r = Self.run(shared, "shared")
        #expect(r.problems.count == 0, "\(r.problems.prefix(3))")
        #expect(r.lockUse.contended > 0)
        #expect(r.frees == r.mallocs - r.liveAtEnd)
        #expect(r.threadsStarted == 16)
        #expect(r.phases.count == 3)

        // Each thread on its own arena and freeing only its own blocks: only the frees
        // of blocks left by the respawned threads' predecessors can meet another thread.
        var perThread = shared
        perThread.policy = .perThread
        perThread.remoteFreePercent = 0
        let p = Self.run(perThread, "per-thread")
        #expect(p.problems.count == 0, "\(p.problems.prefix(3))")
        #expect(p.arenas >= 8)
        #expect(p.lockUse.contentionRate < 0.01)

        // With remote frees, a thread's arena is taken by the threads that free into it.
        var remote = perThread
        remote.remoteFreePercent = shared.remoteFreePercent
        remote.opsPerPhase /= 4
        let q = Self.run(remote, "per-thread, remote frees")
        #expect(q.problems.count == 0, "\(q.problems.prefix(3))")
        print("contention rate: shared \(r.lockUse.contentionRate), per-thread \(p.lockUse.contentionRate), per-thread with remote frees \(q.lockUse.contentionRate)")
    }

    @Test func glibcPolicyRespectsArenaMax() {
        var tunables = Tunables()
        tunables.arenaMax = 3
        let r = Self.run(ChurnConfiguration(threads: 6, policy: .glibc, tunables: tunables, opsPerPhase: Self.opsPerThread / 24,
                                            seed: 11), "glibc arena_max 3")
        #expect(r.problems.count == 0, "\(r.problems.prefix(3))")
        #expect(r.arenas == 3)
    }

    @Test func sweepGivesOnePointPerThreadCountAndPolicy() {
        let base = ChurnConfiguration(threads: 1, opsPerPhase: Self.opsPerThread / 100, phases: 1, respawnAfterPhase: nil, seed: 5)
        let points = ContentionSweep.run(threadCounts: [1, 2, 4], policies: [.shared, .perThread], base: base)
        #expect(points.map(\.threads) == [1, 2, 4, 1, 2, 4])
        #expect(points.map(\.policy) == [.shared, .shared, .shared, .perThread, .perThread, .perThread])
        for p in points {
            #expect(p.result.problems.isEmpty)
            #expect(p.result.phases.first?.ops == p.threads * base.opsPerPhase)
            #expect(p.result.arenas == (p.policy == .shared ? 1 : p.threads))
        }
        // One thread alone never waits for its lock.
        #expect(points[0].result.lockUse.contended == 0)
    }
}
