@testable import ArenaStress
import Reporting
import Scenario
import TestSupport
import Testing

/// What a run needs before its first op, against limits made up here (so that nothing
/// depends on this machine), and a thread refused midway.
@Suite struct RunNeedsTests {
    static func scenario(_ yaml: String) throws -> Scenario { try ScenarioLoader.parse(yaml, file: "test.yaml") }

    /// Every problem's key path, as a location's file, so that tests can read it.
    static func problems(_ needs: RunNeeds, _ machine: MachineLimits) -> [ScenarioProblem] {
        needs.problems(on: machine) { SourceLocation(file: $0, line: 1, column: 1) }
    }

    static let roomy = MachineLimits(memory: .init(1 << 50, "test"), threads: .init(1 << 20, "test"), addressSpace: .init(1 << 56, "test"))

    /// The plan's steps and the block tables are what the runner makes.
    @Test func theNeedsAreTheRunnersOwnSizes() throws {
        var files = try ShippedScenarios.files(under: TestSupport.packageRoot + "/Scenarios")
        #expect(files.count >= 20)
        files = files.filter { !$0.contains("/corruption/") } + files.filter { $0.contains("/corruption/") }.prefix(2)
        for file in files {
            let scenario = try ScenarioLoader.load(path: file)
            #expect(RunPlan(scenario).steps.count == RunNeeds.steps(scenario).count, "\(file)")
            #expect(Self.problems(RunNeeds(scenario), Self.roomy).isEmpty, "\(file)")
        }
        let cut = try Self.scenario("""
            name: cut
            check: {every_ops: 300}
            phases:
              - {name: a, allocate: {count: 1000, size: 8}}
              - {name: b, churn: {ops: 900, live: 10, size: 8}}
              - {name: c, respawn: {rounds: 4}, check: end}
              - {name: d, allocate: {count: 5, size: 8}}
            """)
        #expect(RunPlan(cut).steps.count == 4 + 3 + 4 + 1)
        #expect(RunNeeds.steps(cut).count == RunPlan(cut).steps.count)
        #expect(RunNeeds.slotsPerWorker(cut).count == 1005 + RunNeeds.spareSlots)
        let table = BlockTable(capacity: RunNeeds.slotsPerWorker(cut).count)
        defer { table.deallocate() }
        #expect(RunNeeds(cut).memory.first { $0.what == "block tables" }?.bytes == table.capacity * BlockTable.stride)
    }

    @Test func theLargestPointCounts() throws {
        let needs = RunNeeds(try Self.scenario("name: x\nthreads: {count: [1, 512, 2]}\nphases: [{name: a, allocate: {count: 10, size: 8}}]\n"))
        #expect(needs.threads == 512)
        #expect(needs.threadsKey == "threads.count[1]")
        let single = RunNeeds(try Self.scenario("name: x\nthreads: {count: 3}\nphases: [{name: a, trim: true}]\n"))
        #expect(single.threadsKey == "threads.count")
    }

    @Test func whatTheMachineDoesNotGiveIsRefusedAtTheKeyResponsible() throws {
        let scenario = try Self.scenario("""
            name: x
            threads: {count: [1, 64]}
            phases:
              - {name: a, allocate: {count: 1000000, size: 8}}
              - {name: b, churn: {ops: 100, live: 5, size: 8}}
            """)
        let needs = RunNeeds(scenario)
        #expect(Self.problems(needs, Self.roomy).isEmpty)

        let threads = Self.problems(needs, MachineLimits(threads: .init(10, "a made-up limit")))
        #expect(threads.map(\.location.file) == ["threads.count[1]"])
        #expect(threads.first?.message == "threads.count[1]: 64 worker threads at once; this machine gives 10 more (a made-up limit)")

        let memory = Self.problems(needs, MachineLimits(memory: .init(1 << 20, "a made-up limit")))
        #expect(memory.map(\.location.file) == ["phases[0].allocate.count"])
        let tables = 1_000_016 * 64 * 24
        #expect(memory.first?.message.contains("\(tables) bytes (1.4 GiB) of it for block tables (1000016 slots per worker x 64 workers x 24 bytes)") == true,
                "\(memory)")
        #expect(memory.first?.message.hasSuffix("this machine has 1.0 MiB (a made-up limit)") == true, "\(memory)")

        let space = Self.problems(needs, MachineLimits(addressSpace: .init(1 << 20, "a made-up limit")))
        #expect(space.count == 1)
        #expect(space.first?.message.contains("of address space") == true, "\(space)")
    }

    /// Counts at the validator's caps, summed and multiplied past Int.max: no trap, and
    /// more than any machine.
    @Test func needsPastIntMaxAreMoreThanAnyMachine() throws {
        let phase = Phase(name: "a", kind: .allocate(AllocateSpec(count: Scenario.maxCount, size: .fixed(Int(Units.maxSize)))),
                          location: SourceLocation(file: "x", line: 1, column: 1))
        var scenario = Scenario(name: "x", threads: ThreadsSpec(counts: [Scenario.maxThreads]), phases: [], source: "x")
        scenario.phases = (0..<40_000).map { i in var p = phase; p.name = "a\(i)"; return p }
        scenario.target = .pool
        let needs = RunNeeds(scenario)
        #expect(needs.memoryBytes == Int.max)
        #expect(needs.addressSpaceBytes == Int.max)
        let problems = Self.problems(needs, MachineLimits(memory: .init(Int.max - 1, "test")))
        #expect(problems.first?.message.contains("more than \(Int.max) bytes") == true, "\(problems)")
    }

    /// The kernel refusing a thread midway: the point ends with what ran, the report
    /// says why, and no later point runs.
    @Test func aThreadRefusedMidwayEndsTheRunWithWhatRan() throws {
        let scenario = try Self.scenario("""
            name: refused
            threads: {count: [2, 4]}
            phases:
              - {name: fill, allocate: {count: 100, size: 64}}
              - {name: again, respawn: {rounds: 2}}
              - {name: empty, free: {fraction: 1}}
            """)
        let runner = Runner(scenario: scenario)
        runner.threadStartLimit = 3
        let report = runner.run()
        #expect(report.points.count == 1)
        let point = try #require(report.points.first)
        #expect(point.threadsStarted == 3)
        #expect(point.phases.map(\.name) == ["fill"])
        #expect(point.endedEarly?.contains("the kernel refused a thread for worker 1 of 2") == true, "\(point.endedEarly ?? "nil")")
        #expect(point.violations.isEmpty)

        runner.threadStartLimit = 0
        let none = runner.run()
        #expect(none.points.count == 1 && none.points[0].phases.isEmpty && none.points[0].threadsStarted == 0)
        #expect(none.points[0].endedEarly != nil)

        runner.threadStartLimit = nil
        #expect(runner.run().points.allSatisfy { $0.endedEarly == nil && $0.phases.count == 3 })
    }

    @Test func thisMachineIsRead() {
        let machine = MachineLimits.current
        let memory = machine.memory, space = machine.addressSpace
        #expect(memory.map { $0.value > 0 } == true, "\(String(describing: memory))")
        #expect(space.map { $0.value > 0 && $0.value <= 1 << 47 } == true, "\(String(describing: space))")
        print("this machine: \(machine)")
    }
}
