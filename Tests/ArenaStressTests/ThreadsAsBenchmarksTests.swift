@testable import ArenaStress
import Reporting
import Scenario
import TestSupport
import Testing

/// Larson's rounds (a new thread per round that takes its predecessor's slots over) and
/// remote frees made in the share asked for: outcomes that do not depend on the host.
@Suite struct ThreadsAsBenchmarksTests {
    static func scenario(_ yaml: String) throws -> Scenario { try ScenarioLoader.parse(yaml, file: "test.yaml") }

    @Test func aChurnInRoundsStartsANewThreadPerRoundThatKeepsTheSlots() throws {
        let s = try Self.scenario("""
            name: rounds
            seed: 7
            threads: {count: 2, arenas: glibc}
            phases:
              - name: fill
                allocate: {count: 500, size: {uniform: [8, 1000]}}
              - name: rounds
                churn: {ops: 10001, live: 500, size: {uniform: [8, 1000]}, rounds: 4}
              - name: after
                free: {fraction: 1.0}
            """)
        let plan = RunPlan(s).steps
        #expect(plan.map(\.ops) == [nil, 2500, 2500, 2500, 2501, nil])
        #expect(plan.map(\.respawn) == [false, true, true, true, false, false])
        let point = Runner(scenario: s).run().points[0]
        #expect(point.violations.isEmpty, "\(point.violations)")
        // The first round runs on the threads that filled; each of the 3 others on new ones.
        #expect(point.threadsStarted == 2 * 4)
        #expect(point.phases.map(\.ops) == [1000, 2 * 10001, point.phases[1].liveBlocks])
        // Every block the fill made was reachable by the successors: the last phase empties all.
        #expect(point.phases[2].liveBlocks == 0)
        // The successors took the free-listed arenas over: no arena beyond one per worker.
        #expect(point.phases[1].arenas == 2)
    }

    @Test func everyRemoteFreeAskedForIsMade() throws {
        // Every free remote, four slots: the receiver's ring fills whenever it falls behind.
        let s = try Self.scenario("""
            name: all-remote
            seed: 5
            threads: {count: 2, arenas: per-thread}
            check: end
            phases:
              - name: scratch
                churn: {ops: 200000, live: 4, size: {fixed: 8}, remote_free: 1.0}
            """)
        let point = Runner(scenario: s).run().points[0]
        #expect(point.violations.isEmpty, "\(point.violations)")
        #expect(point.phases[0].remoteFreeShare == 1.0)
        #expect(point.phases[0].ops == 400000)
    }

    @Test func theShareMeasuredIsTheShareDrawn() throws {
        let yaml = """
            name: quarter
            seed: 9
            threads: {count: [1, 2]}
            phases:
              - name: churn
                churn: {ops: 40000, live: 64, size: {uniform: [16, 256]}, mix: {malloc: 1, calloc: 0.1}, remote_free: 0.25}
            """
        let points = Runner(scenario: try Self.scenario(yaml)).run().points
        #expect(points[0].phases[0].remoteFreeShare == nil, "one thread makes no remote frees")
        let share = try #require(points[1].phases[0].remoteFreeShare)
        // About 20,000 frees, a quarter drawn remote: far more than 4 sigma (0.012) off is a bug.
        #expect(abs(share - 0.25) < 0.02, "share \(share)")
    }

    @Test func shippedLarsonRunsInRoundsAndRemoteFreeKeepsTheOldWorkload() throws {
        let larson = try ScenarioLoader.load(path: TestSupport.packageRoot + "/Scenarios/larson.yaml")
        let remote = try ScenarioLoader.load(path: TestSupport.packageRoot + "/Scenarios/remote-free.yaml")
        guard case .churn(let rounds) = larson.phases[1].kind, case .churn(let old) = remote.phases[1].kind else {
            Issue.record("larson and remote-free churn in their second phase")
            return
        }
        #expect((rounds.rounds ?? 1) > 1 && rounds.remoteFree == 0)
        #expect(old.remoteFree == 0.0625 && old.rounds == nil)
    }
}
