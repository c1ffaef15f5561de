import ArenaStress
import ArgumentParser
import Foundation
import Placement
import Scenario

/// `arenastress topology [--scenario FILE] [--synthetic NODESxCPUS]`
struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology",
        abstract: "Print the NUMA topology (as numactl --hardware does) and the placement plan a scenario would get.",
        discussion: """
            Without --synthetic, this machine as libnuma sees it, with what this process may use \
            and whether mbind works here. With --scenario, each sweep point's plan: worker -> cpu -> node. \
            Exit 2 on bad input.
            """)

    @Option(help: "A scenario file (YAML): print the plan of each of its sweep points.")
    var scenario: String?

    @Option(help: "Plan for a machine we do not have: NODESxCPUS per node, such as 2x64 or 4x64.")
    var synthetic: String?

    func validate() throws {
        if let synthetic, Topology.synthetic(parsing: synthetic) == nil {
            throw ValidationError("--synthetic: expected NODESxCPUS such as 2x64 (1 to 64 nodes, 1 to 4096 CPUs each), found '\(synthetic)'")
        }
    }

    func run() throws {
        let scenario = try self.scenario.map { try ScenarioFiles.load([$0])[0] }
        let topology = synthetic.flatMap(Topology.synthetic(parsing:)) ?? Topology.machine()
        print(Self.hardware(topology).joined(separator: "\n"))
        if synthetic == nil {
            print("memory binding: \(MemoryBinder.system.probe(node: topology.allowedNodes.first ?? 0, policy: .preferred).note)")
        }
        guard let scenario else { return }
        print("\(scenario.source): \(scenario.name): placement \(PlacementPolicy(scenario.threads.placement)), memory \(scenario.threads.memory.rawValue)")
        // The plan depends on the thread count only: one per count, in sweep order.
        var counts: [Int] = []
        for point in scenario.sweepPoints where !counts.contains(point.threads) { counts.append(point.threads) }
        for threads in counts {
            let plan = PlacementPlan(policy: PlacementPolicy(scenario.threads.placement), threads: threads, topology: topology)
            let points = scenario.sweepPoints.filter { $0.threads == threads }.count
            print("\(threads) thread\(threads == 1 ? "" : "s") (\(points) sweep point\(points == 1 ? "" : "s"))"
                  + (plan.note.map { ": \($0)" } ?? "") + ":")
            for line in plan.lines { print("  \(line)") }
        }
    }

    /// `numactl --hardware`'s lines, then what this process may use.
    static func hardware(_ t: Topology) -> [String] {
        var lines = ["available: \(t.nodes.count) nodes (\(CPUList.text(t.nodes.map(\.id))))"]
        for node in t.nodes {
            lines.append("node \(node.id) cpus: " + node.cpus.map(String.init).joined(separator: " "))
            if let size = node.memoryBytes { lines.append("node \(node.id) size: \(size >> 20) MB") }
            if let free = node.freeBytes { lines.append("node \(node.id) free: \(free >> 20) MB") }
        }
        lines.append("node distances:")
        lines.append("node " + t.nodes.map { pad(String($0.id), 4) }.joined())
        for (i, node) in t.nodes.enumerated() {
            lines.append(pad(String(node.id), 3) + ": " + t.distances[i].map { pad(String($0), 4) }.joined())
        }
        lines.append("this process: cpus \(CPUList.text(t.allowedCPUs)), memory on node\(t.allowedNodes.count == 1 ? "" : "s") "
                     + "\(CPUList.text(t.allowedNodes)) (\(t.source))")
        return lines
    }

    private static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }
}
