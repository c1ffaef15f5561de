import Placement
import Testing

/// Plans on synthetic machines: each policy's exact CPU and node per worker.
@Suite struct PlanTests {
    static let oneNode = Topology.synthetic(nodes: 1, cpusPerNode: 2)
    static let twoNodes = Topology.synthetic(nodes: 2, cpusPerNode: 4)
    static let twoNodesInterleaved = Topology.synthetic(nodes: 2, cpusPerNode: 4, numbering: .interleaved)
    static let fourNodes = Topology.synthetic(nodes: 4, cpusPerNode: 4)

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var topology: Topology
        var policy: PlacementPolicy
        var threads: Int
        var cpus: [Int?]
        var nodes: [Int?]
        var testDescription: String { "\(name): \(policy) x \(threads)" }
    }

    static let cases: [Case] = [
        // One node: compact and scatter agree; more workers than CPUs share them.
        Case(name: "1 node", topology: oneNode, policy: .compact, threads: 2, cpus: [0, 1], nodes: [0, 0]),
        Case(name: "1 node", topology: oneNode, policy: .compact, threads: 3, cpus: [0, 1, 0], nodes: [0, 0, 0]),
        Case(name: "1 node", topology: oneNode, policy: .scatter, threads: 3, cpus: [0, 1, 0], nodes: [0, 0, 0]),
        Case(name: "1 node", topology: oneNode, policy: .nodes([0]), threads: 2, cpus: [0, 1], nodes: [0, 0]),
        Case(name: "1 node", topology: oneNode, policy: .nodes([1]), threads: 2, cpus: [nil, nil], nodes: [nil, nil]),
        Case(name: "1 node", topology: oneNode, policy: .none, threads: 2, cpus: [nil, nil], nodes: [nil, nil]),
        // Two nodes of 4, CPUs numbered in blocks.
        Case(name: "2 nodes", topology: twoNodes, policy: .compact, threads: 6, cpus: [0, 1, 2, 3, 4, 5], nodes: [0, 0, 0, 0, 1, 1]),
        Case(name: "2 nodes", topology: twoNodes, policy: .scatter, threads: 6, cpus: [0, 4, 1, 5, 2, 6], nodes: [0, 1, 0, 1, 0, 1]),
        Case(name: "2 nodes", topology: twoNodes, policy: .scatter, threads: 10, cpus: [0, 4, 1, 5, 2, 6, 3, 7, 0, 4],
             nodes: [0, 1, 0, 1, 0, 1, 0, 1, 0, 1]),
        Case(name: "2 nodes", topology: twoNodes, policy: .nodes([1]), threads: 5, cpus: [4, 5, 6, 7, 4], nodes: [1, 1, 1, 1, 1]),
        Case(name: "2 nodes", topology: twoNodes, policy: .nodes([1, 0]), threads: 4, cpus: [4, 0, 5, 1], nodes: [1, 0, 1, 0]),
        Case(name: "2 nodes", topology: twoNodes, policy: .none, threads: 3, cpus: [nil, nil, nil], nodes: [nil, nil, nil]),
        // Two nodes, CPUs numbered round-robin: compact still fills node 0 first.
        Case(name: "2 nodes interleaved", topology: twoNodesInterleaved, policy: .compact, threads: 5, cpus: [0, 2, 4, 6, 1],
             nodes: [0, 0, 0, 0, 1]),
        Case(name: "2 nodes interleaved", topology: twoNodesInterleaved, policy: .scatter, threads: 4, cpus: [0, 1, 2, 3],
             nodes: [0, 1, 0, 1]),
        Case(name: "2 nodes interleaved", topology: twoNodesInterleaved, policy: .nodes([1]), threads: 2, cpus: [1, 3], nodes: [1, 1]),
        // Four nodes of 4.
        Case(name: "4 nodes", topology: fourNodes, policy: .compact, threads: 5, cpus: [0, 1, 2, 3, 4], nodes: [0, 0, 0, 0, 1]),
        Case(name: "4 nodes", topology: fourNodes, policy: .scatter, threads: 6, cpus: [0, 4, 8, 12, 1, 5], nodes: [0, 1, 2, 3, 0, 1]),
        Case(name: "4 nodes", topology: fourNodes, policy: .nodes([3, 1]), threads: 4, cpus: [12, 4, 13, 5], nodes: [3, 1, 3, 1]),
        Case(name: "4 nodes", topology: fourNodes, policy: .nodes([2, 9, 2]), threads: 3, cpus: [8, 9, 10], nodes: [2, 2, 2]),
        Case(name: "4 nodes", topology: fourNodes, policy: .none, threads: 2, cpus: [nil, nil], nodes: [nil, nil]),
    ]

    @Test(arguments: cases)
    func planIsExact(_ c: Case) {
        let plan = PlacementPlan(policy: c.policy, threads: c.threads, topology: c.topology)
        #expect(plan.cpus == c.cpus)
        #expect(plan.workers.map(\.node) == c.nodes)
    }

    @Test func notesSayWhatThePlanCouldNotDo() {
        #expect(PlacementPlan(policy: .compact, threads: 2, topology: Self.oneNode).note == nil)
        #expect(PlacementPlan(policy: .compact, threads: 3, topology: Self.oneNode).note == "3 workers on 2 CPUs: CPUs shared")
        #expect(PlacementPlan(policy: .nodes([1]), threads: 2, topology: Self.oneNode).note
                == "node 1 has no CPU this process may use; no CPU to pin to: 2 workers unpinned")
        #expect(PlacementPlan(policy: .nodes([2, 9, 2]), threads: 3, topology: Self.fourNodes).note == "node 9 has no CPU this process may use")
        #expect(PlacementPlan(policy: .none, threads: 4, topology: Self.fourNodes).note == nil)
    }

    @Test func aCpusetLimitsThePlanToItsCPUs() {
        let restricted = Self.twoNodes.restricted(toCPUs: [2, 3, 4])
        #expect(PlacementPlan(policy: .compact, threads: 3, topology: restricted).cpus == [2, 3, 4])
        #expect(PlacementPlan(policy: .scatter, threads: 3, topology: restricted).cpus == [2, 4, 3])
        #expect(PlacementPlan(policy: .nodes([1]), threads: 2, topology: restricted).cpus == [4, 4])
    }

    /// The machines of docs/numa.md: 2 sockets of 64 and 4 nodes of 64.
    @Test(arguments: [(2, 64), (4, 64), (2, 8), (4, 4)])
    func bigMachinesGetEveryCPUOnce(_ shape: (nodes: Int, cpus: Int)) {
        let topology = Topology.synthetic(nodes: shape.nodes, cpusPerNode: shape.cpus)
        let all = shape.nodes * shape.cpus
        let compact = PlacementPlan(policy: .compact, threads: all, topology: topology)
        #expect(compact.cpus == Array(0..<all))
        #expect(compact.workers.map(\.node) == (0..<all).map { $0 / shape.cpus })
        let scatter = PlacementPlan(policy: .scatter, threads: all, topology: topology)
        #expect(Set(scatter.cpus.compactMap { $0 }).count == all)
        #expect(scatter.workers.map(\.node) == (0..<all).map { $0 % shape.nodes })
        // Half the machine: compact stays on the first half of the nodes, scatter uses them all.
        let half = all / 2
        #expect(Set(PlacementPlan(policy: .compact, threads: half, topology: topology).workers.compactMap(\.node)).count
                == max(1, shape.nodes / 2))
        #expect(Set(PlacementPlan(policy: .scatter, threads: half, topology: topology).workers.compactMap(\.node)).count == shape.nodes)
        for slot in scatter.workers { #expect(slot.node == topology.node(ofCPU: slot.cpu!)) }
    }
}
