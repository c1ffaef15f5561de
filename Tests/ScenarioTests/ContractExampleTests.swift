import Foundation
import Testing
@testable import Scenario

/// The example of `shared/design/scenario-format.md`, whole, and the defaults the
/// contract gives for what a file leaves out.
@Suite struct ContractExampleTests {
    static let example = """
        name: swiss-cheese                 # required; [a-z0-9-]+
        description: >                     # optional, shown in reports
          100,000 messages of 1000 bytes, then 90% freed at random.
        seed: 4141                         # optional; default 1. Same seed, same op streams.
        target: model                      # model | glibc | jemalloc | mimalloc | tcmalloc | pool
        tunables:                          # model only; glibc's names and defaults
          arena_max: 0                     # 0: glibc's rule (8 x cores once past arena_test)
          arena_test: 8
          tcache_count: 7                  # 0 disables tcache
          mxfast: 128                      # 0 disables fastbins
          mmap_threshold: 131072           # fixed value disables glibc's dynamic threshold
          trim_threshold: 131072
          top_pad: 131072
          perturb: 0                       # glibc's M_PERTURB byte
        threads:
          count: 4                         # or a list, e.g. [1, 2, 4, 8]: a sweep, one run each
          placement: compact               # compact | scatter | none | {nodes: [0, 1]}
          arenas: glibc                    # glibc (arena_get's rules) | per-thread | shared
        check: every-phase                 # every-phase | end | never | {every_ops: 10000}
        phases:
          - name: fill                     # required, unique in the file
            allocate: {count: 100000, size: {fixed: 1000}}
          - name: free-90
            free: {fraction: 0.9, order: random}     # order: random | lifo | fifo
          - name: steady
            churn:                         # larson-like random replacement
              ops: 2000000                 # or duration: 5s
              live: 5000                   # slots per thread
              size: {uniform: [8, 1000]}
              mix: {malloc: 1, realloc: 0.1, calloc: 0.05, memalign: 0.01}
              remote_free: 0.25            # fraction of frees handed to another thread
          - name: handoff
            handoff:                       # xmalloc-like producers and consumers
              ops: 1000000
              producers: 0.5               # fraction of the threads that only allocate
              batch: 4096
              size: {fixed: 64}
          - name: respawn
            respawn: {rounds: 10}          # threads exit and new ones start: arenas reused
          - name: trim
            trim: true                     # malloc_trim(0): give back what can be given back
          - name: attack
            inject: {kind: fastbin-dup}    # a kind from the corruption corpus
        expect:                            # checked at the end; a miss fails the run (exit 1)
          violations: {detected: fastbin-dup}   # 0 where nothing is injected
          os_requests: {max: 4}            # mmap/brk-like requests of the model
          fragmentation: {phase: free-90, min: 0.8}
          contention: {max: 0.05}          # contended / acquisitions, all arena locks
          allocation_failures: {max: 0}    # NULLs returned (0, {max: N} or {min: N}); unjudged when absent

        """

    @Test func theWholeExampleParses() throws {
        let s = try ScenarioLoader.parse(Self.example, file: "swiss-cheese.yaml")
        #expect(s.name == "swiss-cheese")
        #expect(s.description == "100,000 messages of 1000 bytes, then 90% freed at random.\n")
        #expect(s.seed == 4141)
        #expect(s.target == .model)
        #expect(s.tunables == ScenarioTunables(
            arenaMax: 0, arenaTest: 8, tcacheCount: 7, mxfast: 128, mmapThreshold: 131072,
            trimThreshold: 131072, topPad: 131072, perturb: 0))
        #expect(s.threads == ThreadsSpec(counts: [4], placement: .compact, arenas: [.glibc]))
        #expect(s.check == .everyPhase)
        #expect(s.source == "swiss-cheese.yaml")
        #expect(s.phases.map(\.name) == ["fill", "free-90", "steady", "handoff", "respawn", "trim", "attack"])
        #expect(s.phases.map(\.kind.key) == PhaseKind.keys)
        #expect(s.phases[0].kind == .allocate(AllocateSpec(count: 100_000, size: .fixed(1000))))
        #expect(s.phases[0].location == SourceLocation(file: "swiss-cheese.yaml", line: 21, column: 5))
        #expect(s.phases[1].kind == .free(FreeSpec(amount: .fraction(0.9), order: .random)))
        #expect(s.phases[2].kind == .churn(ChurnSpec(
            length: .ops(2_000_000), live: 5000, size: .uniform(min: 8, max: 1000),
            mix: Mix(malloc: 1, realloc: 0.1, calloc: 0.05, memalign: 0.01), remoteFree: 0.25)))
        #expect(s.phases[3].kind == .handoff(HandoffSpec(length: .ops(1_000_000), producers: 0.5, batch: 4096, size: .fixed(64))))
        #expect(s.phases[4].kind == .respawn(rounds: 10))
        #expect(s.phases[5].kind == .trim)
        #expect(s.phases[6].kind == .inject(kind: "fastbin-dup"))
        #expect(s.expect.violations == .detected("fastbin-dup"))
        #expect(s.expect.violationsLocation?.line == 45)
        #expect(s.expect.osRequests?.max == 4)
        #expect(s.expect.fragmentation.count == 1)
        #expect(s.expect.fragmentation.first?.phase == "free-90")
        #expect(s.expect.fragmentation.first?.min == 0.8)
        #expect(s.expect.fragmentation.first?.max == nil)
        #expect(s.expect.fragmentation.first?.location.line == 47)
        #expect(s.expect.contention?.max == 0.05)
        #expect(s.expect.allocationFailures?.max == 0)
        #expect(s.expect.allocationFailures?.min == nil)
        #expect(s.sweepPoints == [SweepPoint(threads: 4, arenas: .glibc, arenaMax: 0)])
    }

    @Test func theOtherSpellingsTheContractNames() throws {
        let text = """
            name: spellings
            target: glibc
            threads: {count: [1, 2, 4, 8], placement: {nodes: [0, 1]}, arenas: [per-thread, shared]}
            check: {every_ops: 10000}
            phases:
              - name: a
                allocate: {count: 10, size: {pow2: [16, 4k]}}
              - name: b
                free: {count: 3, order: lifo}
                check: never
              - name: c
                churn: {duration: 5s, live: 10, size: {lognormal: {median: 256, sigma: 1.2}}}
              - name: d
                handoff: {duration: 500ms, size: {inverse_square: [4, 32k]}}
              - name: e
                allocate: {count: 1, size: {weighted: [[64, 10], [128KiB, 1]]}}
              - name: f
                free: {fraction: 1, order: fifo}
            expect:
              violations: 0
              fragmentation: [{phase: a, max: 0.5}, {phase: f, min: 0, max: 1}]
            """
        let s = try ScenarioLoader.parse(text, file: "s.yaml")
        #expect(s.target == .glibc)
        #expect(s.threads == ThreadsSpec(counts: [1, 2, 4, 8], placement: .nodes([0, 1]), arenas: [.perThread, .shared]))
        #expect(s.check == .everyOps(10000))
        #expect(s.phases[0].kind == .allocate(AllocateSpec(count: 10, size: .pow2(min: 16, max: 4096))))
        #expect(s.phases[1].kind == .free(FreeSpec(amount: .count(3), order: .lifo)))
        #expect(s.phases[1].check == .never)
        #expect(s.phases[0].check == nil)
        guard case .churn(let churn) = s.phases[2].kind, case .handoff(let handoff) = s.phases[3].kind else {
            Issue.record("kinds: \(s.phases.map(\.kind.key))")
            return
        }
        #expect(churn.length == .duration(nanoseconds: 5_000_000_000))
        #expect(churn.size == .lognormal(median: 256, sigma: 1.2))
        #expect(churn.mix == Mix())
        #expect(churn.remoteFree == 0)
        #expect(handoff.length == .duration(nanoseconds: 500_000_000))
        #expect(handoff.producers == 0.5 && handoff.batch == 4096)
        #expect(handoff.size == .inverseSquare(min: 4, max: 32768))
        #expect(s.phases[4].kind == .allocate(AllocateSpec(
            count: 1, size: .weighted(WeightedSizes([(64, 10), (128 << 10, 1)])!))))
        #expect(s.expect.violations == .none)
        #expect(s.expect.fragmentation.map(\.phase) == ["a", "f"])
        #expect(s.sweepPoints.count == 8)
    }

    @Test func defaults() throws {
        let s = try ScenarioLoader.parse("name: d\nphases: [{name: t, trim: true}]\n", file: "d.yaml")
        #expect(s.seed == 1)
        #expect(s.target == .model)
        #expect(s.tunables.isEmpty)
        #expect(s.threads == ThreadsSpec(counts: [1], placement: .compact, arenas: [.glibc]))
        #expect(s.check == .everyPhase)
        #expect(s.expect == Expectations(violations: .none))
        #expect(s.description == nil)
        #expect(s.sweepPoints == [SweepPoint(threads: 1, arenas: .glibc, arenaMax: nil)])
    }

    @Test func violationsDefaultToTheFirstInjectedKind() throws {
        let text = """
            name: inj
            phases:
              - {name: a, allocate: {count: 10, size: 64}}
              - {name: b, inject: {kind: tcache-poisoning}}
              - {name: c, inject: {kind: house-of-spirit}}
            """
        let s = try ScenarioLoader.parse(text, file: "i.yaml")
        #expect(s.expect.violations == .detected("tcache-poisoning"))
        #expect(s.expect.violationsLocation == nil)
        let capped = try ScenarioLoader.parse(text + "\nexpect: {violations: {max: 2}}\n", file: "i.yaml")
        #expect(capped.expect.violations == .max(2))
        let none = try ScenarioLoader.parse(text + "\nexpect: {violations: {max: 0}}\n", file: "i.yaml")
        #expect(none.expect.violations == .none)
    }

    @Test func sweepPointsAreArenasThenArenaMaxThenThreads() throws {
        let text = """
            name: sweep
            tunables: {arena_max: [1, 8]}
            threads: {count: [1, 2, 4], arenas: [glibc, shared]}
            phases: [{name: t, trim: true}]
            """
        let s = try ScenarioLoader.parse(text, file: "sweep.yaml")
        #expect(s.tunables.arenaMax == 1)
        #expect(s.tunables.arenaMaxSweep == [1, 8])
        var expected: [SweepPoint] = []
        for arenas in [ArenaPolicyName.glibc, .shared] {
            for arenaMax in [1, 8] {
                for threads in [1, 2, 4] { expected.append(SweepPoint(threads: threads, arenas: arenas, arenaMax: arenaMax)) }
            }
        }
        #expect(s.sweepPoints == expected)
        #expect(s.sweepPoints.count == 12)
        #expect(s.sweepPoints.first == SweepPoint(threads: 1, arenas: .glibc, arenaMax: 1))
        #expect(s.sweepPoints[3] == SweepPoint(threads: 1, arenas: .glibc, arenaMax: 8))
    }

    @Test func aScenarioRoundTripsThroughCodable() throws {
        let s = try ScenarioLoader.parse(Self.example, file: "x.yaml")
        let data = try JSONEncoder().encode(s)
        #expect(try JSONDecoder().decode(Scenario.self, from: data) == s)
    }

    @Test func knownKeysCoverTheContract() {
        // The contract's top-level keys, and check_content, which the project added.
        #expect(Scenario.knownKeys[""] == ["name", "description", "seed", "target", "tunables", "threads", "check",
                                           "check_content", "phases", "expect"])
        #expect(Scenario.corruptionKinds.count == 21)
        #expect(Set(Scenario.corruptionKinds).count == 21)
        #expect(Scenario.knownKeys["phases[]"]!.contains("inject"))
    }
}
