import ArenaStress
import Reporting
import Scenario
import Testing

/// The same scenario and seed twice: the same op counts and violations; with one thread,
/// the same final heap, chunk for chunk.
@Suite struct DeterminismTests {
    static func run(_ yaml: String) throws -> PointReport {
        Runner(scenario: try ScenarioLoader.parse(yaml, file: "determinism.yaml")).run().points[0]
    }

    @Test(arguments: [UInt64(1), 77, 4141])
    func oneThreadGivesTheSameHeapChunkForChunk(seed: UInt64) throws {
        print("determinism seed \(seed)")
        let yaml = """
            name: one-thread
            seed: \(seed)
            phases:
              - name: fill
                allocate: {count: 3000, size: {lognormal: {median: 200, sigma: 1.2}}}
              - name: thin
                free: {fraction: 0.6, order: random}
              - name: churn
                churn: {ops: 20000, live: 2000, size: {inverse_square: [16, 64k]}, mix: {malloc: 1, realloc: 0.2, calloc: 0.1, memalign: 0.05}}
              - name: trim
                trim: true
            """
        let a = try Self.run(yaml), b = try Self.run(yaml)
        #expect(a.phases.map(\.ops) == b.phases.map(\.ops))
        #expect(a.phases.map(\.liveBytes) == b.phases.map(\.liveBytes))
        #expect(a.violations == b.violations)
        #expect(a.finalHeapChunks! > 1000)
        #expect(a.finalHeapDigest == b.finalHeapDigest)
        #expect(a.finalHeapChunks == b.finalHeapChunks)
    }

    @Test func anotherSeedGivesAnotherHeap() throws {
        func yaml(_ seed: Int) -> String {
            """
            name: seeds
            seed: \(seed)
            phases:
              - name: churn
                churn: {ops: 5000, live: 500, size: {uniform: [16, 2000]}}
            """
        }
        #expect(try Self.run(yaml(1)).finalHeapDigest != Self.run(yaml(2)).finalHeapDigest)
    }

    @Test func manyThreadsGiveTheSameCountsAndViolations() throws {
        let yaml = """
            name: threads
            seed: 5
            threads: {count: 4, arenas: glibc}
            phases:
              - name: churn
                churn: {ops: 20000, live: 400, size: {uniform: [16, 4000]}, remote_free: 0.25}
              - name: attack
                inject: {kind: tcache-count}
            """
        let a = try Self.run(yaml), b = try Self.run(yaml)
        #expect(a.phases.map(\.ops) == b.phases.map(\.ops))
        #expect(a.phases[0].ops == 80000)
        #expect(!a.violations.isEmpty)
        #expect(a.violations.map(\.invariant) == b.violations.map(\.invariant))
    }
}
