import ArenaStress
import Reporting
import Scenario
import TestSupport
import Testing

/// The Runner as the library API: what a run does with each phase kind, and what it
/// reports.
@Suite struct RunnerTests {
    static func scenario(_ yaml: String) throws -> Scenario { try ScenarioLoader.parse(yaml, file: "test.yaml") }

    @Test func swissCheeseLeavesTheHeapHoldingTenTimesWhatIsLive() throws {
        let s = try Self.scenario("""
            name: cheese
            seed: 4141
            phases:
              - name: fill
                allocate: {count: 20000, size: {fixed: 1000}}
              - name: free-90
                free: {fraction: 0.9, order: random}
              - name: trim
                trim: true
            expect:
              fragmentation: {phase: free-90, min: 0.85}
            """)
        let report = Runner(scenario: s).run()
        let point = try #require(report.points.first)
        #expect(point.violations.isEmpty, "\(point.violations)")
        #expect(point.phases.map(\.ops) == [20000, 18000, 1])
        #expect(point.phases[1].liveBlocks == 2000)
        #expect(point.phases[1].liveBytes == 2_000_000)
        let free90 = point.phases[1]
        #expect(free90.fragmentation! > 0.85)
        // malloc_trim gives back the whole free pages inside the holes: resident memory falls, the heap's extent does not.
        #expect(point.phases[2].residentBytes! < free90.residentBytes! / 2)
        #expect(point.phases[2].heldBytes! > free90.heldBytes! * 9 / 10)
        #expect(report.passed)
    }

    @Test func aMillionMallocFreePairsMakeFewKernelRequests() throws {
        let s = try ScenarioLoader.load(path: TestSupport.packageRoot + "/Scenarios/million-malloc.yaml")
        let point = Runner(scenario: s).run().points[0]
        #expect(point.phases[0].ops == 2_000_000)
        #expect(point.osRequests! <= 4)
        #expect(point.passed)
    }

    @Test func aMissedExpectationFailsThePoint() throws {
        let s = try Self.scenario("""
            name: strict
            phases:
              - name: fill
                allocate: {count: 1000, size: {fixed: 200k}}
            expect:
              os_requests: {max: 10}
            """)
        let point = Runner(scenario: s).run().points[0]
        #expect(!point.passed)
        let outcome = try #require(point.expectations.first { $0.expectation.hasPrefix("os_requests") })
        #expect(!outcome.held)
        #expect(outcome.location.hasPrefix("test.yaml:6:"))
        #expect(Int(outcome.measured)! >= 1000)
    }

    @Test func everyOpsCutsAPhaseIntoCheckedSteps() throws {
        let s = try Self.scenario("""
            name: steps
            check: {every_ops: 2500}
            threads: {count: 2}
            phases:
              - name: churn
                churn: {ops: 10000, live: 300, size: {uniform: [16, 600]}, remote_free: 0.2}
            """)
        let point = Runner(scenario: s).run().points[0]
        #expect(point.phases.count == 1)
        #expect(point.phases[0].checks == 4)
        #expect(point.phases[0].ops == 20000)
        #expect(point.violations.isEmpty, "\(point.violations)")
    }

    @Test func respawnStartsNewThreadsAndKeepsTheBlocks() throws {
        let s = try Self.scenario("""
            name: respawn
            threads: {count: 3, arenas: glibc}
            phases:
              - name: fill
                allocate: {count: 500, size: {uniform: [8, 3000]}}
              - name: respawn
                respawn: {rounds: 4}
              - name: churn
                churn: {ops: 5000, live: 500, size: {uniform: [8, 3000]}, mix: {malloc: 1, realloc: 0.2, calloc: 0.1, memalign: 0.05}}
            """)
        let point = Runner(scenario: s).run().points[0]
        #expect(point.threadsStarted == 3 * 5)
        #expect(point.phases[1].liveBlocks == 1500)
        #expect(point.violations.isEmpty, "\(point.violations)")
    }

    @Test func handoffFreesEveryBlockTheProducersMade() throws {
        let s = try Self.scenario("""
            name: handoff
            threads: {count: 3, arenas: per-thread}
            phases:
              - name: pass
                handoff: {ops: 10000, producers: 0.34, batch: 512, size: {fixed: 64}}
            """)
        let point = Runner(scenario: s).run().points[0]
        // One producer (a third of 3 threads), two consumers: 10,000 mallocs, 10,000 frees.
        #expect(point.phases[0].ops == 20000)
        // Left in use: the three tcache structs (0x290 bytes each) and the chunks they
        // cache; 10,000 blocks not freed would be 800,000 bytes.
        #expect(point.phases[0].inUseBytes! < 3 * 0x290 + 3 * 64 * 80)
        #expect(point.violations.isEmpty, "\(point.violations)")
    }

    @Test func anInjectedCorruptionIsDetectedAndStopsTheRun() throws {
        for kind in ["fastbin-dup", "unsorted-bk", "canary-scribble"] {
            let s = try Self.scenario("""
                name: attack
                phases:
                  - name: warm-up
                    churn: {ops: 5000, live: 100, size: {weighted: [[24, 5], [100, 3], [600, 2]]}}
                  - name: attack
                    inject: {kind: \(kind)}
                  - name: after
                    churn: {ops: 5000, live: 100, size: {fixed: 24}}
                expect:
                  violations: {detected: \(kind)}
                """)
            let point = Runner(scenario: s).run().points[0]
            #expect(!point.violations.isEmpty, "\(kind) went undetected")
            #expect(point.stoppedAfter == "attack", "\(kind)")
            #expect(point.phases.count == 2, "\(kind): the run went on after the heap broke")
            #expect(point.passed, "\(kind)")
        }
    }

    /// A NULL is an outcome, not a broken heap: in every phase kind it is counted with
    /// the first call that failed, the slot stays empty, and the run goes on.
    @Test func aNullIsCountedAndTheRunGoesOn() throws {
        let s = try Self.scenario("""
            name: nulls
            threads: {count: 2}
            phases:
              - name: fill
                allocate: {count: 3, size: {fixed: 64t}}
              - name: every-call
                churn: {ops: 4000, live: 50, size: {weighted: [[64, 10], [64t, 1]]}, mix: {malloc: 1, realloc: 0.3, calloc: 0.2, memalign: 0.2}}
              - name: malloc-free
                churn: {ops: 4000, live: 50, size: {uniform: [32t, 64t]}}
              - name: pass
                handoff: {ops: 1000, producers: 0.5, batch: 64, size: {weighted: [[64, 10], [64t, 1]]}}
              - name: after
                allocate: {count: 100, size: {fixed: 64}}
            expect:
              allocation_failures: {min: 6}
            """)
        let point = Runner(scenario: s).run().points[0]
        #expect(point.violations.isEmpty, "\(point.violations)")
        #expect(point.stoppedAfter == nil)
        #expect(point.phases.map(\.name) == ["fill", "every-call", "malloc-free", "pass", "after"])
        let fill = point.phases[0]
        #expect(fill.allocationFailures == 6)
        #expect(fill.liveBlocks == 0)
        #expect(fill.firstAllocationFailure.map { [$0.call, "\($0.size)"] } == ["malloc", "\(64 << 40)"])
        // Every op was made: a failed call is an op, and the next one follows it.
        #expect(point.phases[1].ops == 8000)
        #expect((point.phases[1].allocationFailures ?? 0) > 0)
        #expect(point.phases[1].firstAllocationFailure?.size == 64 << 40)
        // The blocks the previous churn left are freed; then every op is a malloc that
        // fails, its slot left empty.
        let leftByChurn = point.phases[1].liveBlocks
        #expect(point.phases[2].ops == 8000)
        #expect(point.phases[2].allocationFailures == 8000 - leftByChurn)
        #expect(point.phases[2].liveBlocks == 0)
        // The producer's 1000 calls, and a free for each block it got.
        let failedInPass = point.phases[3].allocationFailures ?? 0
        #expect(failedInPass > 0)
        #expect(point.phases[3].ops == 2000 - failedInPass)
        #expect(point.phases[4].allocationFailures == 0 && point.phases[4].firstAllocationFailure == nil)
        #expect(point.phases[4].liveBlocks == 200)
        #expect(point.allocationFailures == 6 + point.phases[1].allocationFailures! + 8000 - leftByChurn + failedInPass)
        #expect(point.passed, "\(point.expectations)")
    }

    /// Other targets' NULLs are counted alike (glibc's malloc refuses 64 TiB too).
    @Test func aNullFromGlibcIsCountedAlike() throws {
        let s = try Self.scenario("""
            name: glibc-nulls
            target: glibc
            phases:
              - name: fill
                allocate: {count: 3, size: {fixed: 64t}}
              - name: malloc-free
                churn: {ops: 1000, live: 10, size: {uniform: [32t, 64t]}}
            expect:
              allocation_failures: 1003
            """)
        let point = Runner(scenario: s).run().points[0]
        #expect(point.violations.isEmpty, "\(point.violations)")
        #expect(point.phases.map { $0.allocationFailures ?? -1 } == [3, 1000])
        #expect(point.passed, "\(point.expectations)")
    }

    @Test func aSweepRunsEveryPoint() throws {
        let s = try Self.scenario("""
            name: sweep
            threads: {count: [1, 2], arenas: [shared, per-thread]}
            check: end
            phases:
              - name: churn
                churn: {ops: 4000, live: 100, size: {uniform: [16, 256]}}
            """)
        let report = Runner(scenario: s).run()
        #expect(report.points.map { "\($0.point.arenas.rawValue)/\($0.point.threads)" } == ["shared/1", "shared/2", "per-thread/1", "per-thread/2"])
        #expect(report.points.allSatisfy { $0.phases[0].ops == 4000 * $0.point.threads })
        // One arena for everyone on shared; one per thread on per-thread.
        #expect(report.points.map { $0.phases[0].arenas! } == [1, 1, 1, 2])
    }

    @Test func theReportRoundTripsThroughJSON() throws {
        let s = try Self.scenario("""
            name: json
            phases:
              - name: fill
                allocate: {count: 100, size: {pow2: [16, 4k]}}
            """)
        let report = Runner(scenario: s).run()
        let again = try RunReport.decode(report.json())
        #expect(again.scenario == report.scenario)
        #expect(again.points.map(\.phases.count) == [1])
        #expect(again.points[0].finalHeapDigest == report.points[0].finalHeapDigest)
        #expect(again.passed == report.passed)
    }

    @Test func everyShippedScenarioIsValidAndRunnable() throws {
        let root = TestSupport.packageRoot + "/Scenarios"
        let files = try ShippedScenarios.files(under: root)
        #expect(files.count >= 28)
        for file in files {
            let scenario = try ScenarioLoader.load(path: file)
            #expect(Runner.unsupported(scenario).isEmpty, "\(file)")
            #expect(scenario.description != nil, "\(file) has no description")
        }
    }
}
