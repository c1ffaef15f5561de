import ArenaStress
import Foundation
import Placement
import Reporting
import Scenario
import Testing

/// Scenarios run with placement: on this machine, and under a kernel that refuses mbind.
@Suite struct RunPlacementTests {
    /// Two workers on the model, glibc's arena rules (so worker 1 makes an arena of its
    /// own), blocks handed to the neighbour to free.
    static func scenario(placement: String = "compact", memory: String = "preferred") throws -> Scenario {
        try ScenarioLoader.parse("""
            name: numa
            seed: 7
            threads: {count: 2, placement: \(placement), memory: \(memory)}
            phases:
              - name: fill
                allocate: {count: 4000, size: {uniform: [16, 4096]}}
              - name: churn
                churn: {ops: 20000, live: 2000, size: {uniform: [16, 2048]}, remote_free: 0.3}
            """, file: "numa.yaml")
    }

    @Test(.enabled(if: HostBinding.works, HostBinding.refusal))
    func onThisMachineEverySampledArenaPageIsOnItsNodeAndEveryWorkerOnItsCPU() throws {
        let runner = Runner(scenario: try Self.scenario())
        try #require(runner.placement.probe.binds && runner.placement.probe.locates, "the runner's probe: \(runner.placement.probe.note)")
        let point = try #require(runner.run().points.first)
        #expect(point.violations.isEmpty)
        #expect(point.placementAvailable == true, "\(point.placementNote ?? "")")
        let numa = try #require(point.numa)
        #expect(numa.heapsBound >= 1 && numa.heapBindingsRefused == 0)
        #expect(numa.workers.count == 2)
        for w in numa.workers {
            #expect(w.pinned && w.onPlan, "worker \(w.worker): planned \(String(describing: w.plannedCPU)), seen \(w.observedCPUs)")
            #expect(w.observedNodes == [HostBinding.node])
        }
        for phase in point.phases {
            let pages = try #require(phase.pages)
            // The main arena and worker 1's arena, at least.
            #expect(pages.count >= 2)
            for arena in pages {
                #expect(arena.pagesResident > 0, "\(phase.name): arena \(arena.arena) has no page present")
                #expect(arena.intendedNode == HostBinding.node)
                #expect(arena.pagesOnIntendedNode == arena.pagesResident, "\(phase.name): arena \(arena.arena) \(arena.pagesByNode)")
                #expect(arena.shareOnIntendedNode == 1)
                #expect(arena.bound == (arena.arena != 0))
            }
        }
        // One node: owner changes happen (remote frees) but never across nodes.
        let locks = try #require(point.phases[1].locks)
        #expect(locks.ownerChanges > 0)
        #expect(locks.crossNodeOwnerChanges == 0)
    }

    @Test func withMbindRefusedTheRunCompletesAndSaysPlacementWasUnavailable() throws {
        let refusing = MemoryBinder.refusingBind(EPERM)
        let topology = Topology.machine()
        let environment = PlacementEnvironment(topology: topology, binder: refusing,
                                               probe: refusing.probe(node: topology.allowedNodes.first ?? 0, policy: .bind))
        let report = Runner(scenario: try Self.scenario(memory: "bind"), placement: environment).run()
        let point = try #require(report.points.first)
        #expect(point.violations.isEmpty)
        #expect(point.phases.map(\.name) == ["fill", "churn"])
        #expect(point.phases[1].ops == 40000)
        #expect(point.placementAvailable == false)
        let note = try #require(point.placementNote)
        #expect(note.contains("heaps not bound: mbind refused (EPERM: Operation not permitted); pages left to first touch"), "\(note)")
        #expect(!note.contains("\n"))
        #expect(point.numa?.heapsBound == 0)
        #expect(point.phases.allSatisfy { $0.pages?.allSatisfy { !$0.bound } ?? false })
        // Workers are still pinned: only memory binding was refused.
        #expect(point.numa?.workers.allSatisfy(\.pinned) == true)
        // The report says it in JSON too, and reads back.
        let decoded = try RunReport.decode(try report.json())
        #expect(decoded.points.first?.placementAvailable == false)
        #expect(decoded.points.first?.placementNote == note)
    }

    @Test func nodesThisMachineLacksRunUnpinnedAndSaySo() throws {
        let point = try #require(Runner(scenario: try Self.scenario(placement: "{nodes: [5]}")).run().points.first)
        #expect(point.violations.isEmpty)
        #expect(point.placement == [nil, nil])
        #expect(point.placementAvailable == false)
        #expect(point.placementNote?.contains("node 5 has no CPU this process may use; no CPU to pin to: 2 workers unpinned") == true,
                "\(point.placementNote ?? "")")
        #expect(point.numa?.workers.allSatisfy { $0.plannedCPU == nil && $0.onPlan } == true)
    }

    @Test func memoryNoneLeavesHeapsToFirstTouch() throws {
        let point = try #require(Runner(scenario: try Self.scenario(memory: "none")).run().points.first)
        #expect(point.placementAvailable == true)
        #expect(point.numa?.heapsBound == 0)
        #expect(point.placementNote?.hasSuffix("heaps left to first touch (memory none)") == true, "\(point.placementNote ?? "")")
        #expect(point.phases.allSatisfy { $0.pages?.allSatisfy { !$0.bound } ?? false })
    }

    @Test func plansPerSweepPointFollowTheRunnersTopology() throws {
        let s = try ScenarioLoader.parse("""
            name: sweep
            threads: {count: [1, 4], placement: scatter}
            phases:
              - name: fill
                allocate: {count: 10, size: {fixed: 64}}
            """, file: "sweep.yaml")
        let topology = Topology.synthetic(nodes: 2, cpusPerNode: 64)
        let runner = Runner(scenario: s, placement: PlacementEnvironment(topology: topology, binder: .system,
                                                                          probe: BindingProbe(binds: true, locates: true, note: "")))
        #expect(s.sweepPoints.map { runner.plan($0).cpus } == [[0], [0, 64, 1, 65]])
    }
}
