import Placement
import Testing

/// Topologies: synthetic ones as described, this machine as libnuma and the cpuset say.
@Suite struct TopologyTests {
    @Test func syntheticMachinesHaveTheirNodesCPUsAndDistances() {
        let t = Topology.synthetic(nodes: 4, cpusPerNode: 64, adjacentDistance: 12)
        #expect(t.nodes.map(\.id) == [0, 1, 2, 3])
        #expect(t.nodes[2].cpus == Array(128..<192))
        #expect(t.node(ofCPU: 255) == 3)
        #expect(t.node(ofCPU: 256) == nil)
        #expect(t.distance(from: 0, to: 0) == 10)
        #expect(t.distance(from: 0, to: 1) == 12)
        #expect(t.distance(from: 1, to: 2) == 21)
        #expect(t.nodeOfCPU.count == 256 && t.nodeOfCPU[64] == 1)
        let interleaved = Topology.synthetic(nodes: 2, cpusPerNode: 3, numbering: .interleaved)
        #expect(interleaved.nodes.map(\.cpus) == [[0, 2, 4], [1, 3, 5]])
        #expect(Topology.synthetic(parsing: "2x64") == Topology.synthetic(nodes: 2, cpusPerNode: 64))
        #expect(Topology.synthetic(parsing: "2by64") == nil)
        #expect(Topology.synthetic(parsing: "0x4") == nil)
    }

    @Test func cpuListsReadAndWriteTheKernelsNotation() {
        #expect(CPUList.parse("0-3,8,10-11\n") == [0, 1, 2, 3, 8, 10, 11])
        #expect(CPUList.text([11, 0, 1, 2, 3, 8, 10]) == "0-3,8,10-11")
        #expect(CPUList.text([]) == "none")
        #expect(CPUList.parse("5-2,x") == [])
    }

    @Test func thisMachineIsWhatTheKernelSays() {
        let t = Topology.machine()
        let allowed = Topology.allowedCPUs()
        #expect(t.allowedCPUs == allowed)
        #expect(!t.nodes.isEmpty)
        // Every CPU this process may use is on a node, and the matrix is square with 10 on its diagonal.
        for cpu in allowed { #expect(t.node(ofCPU: cpu) != nil, "cpu \(cpu) on no node") }
        #expect(t.distances.count == t.nodes.count)
        for (i, row) in t.distances.enumerated() { #expect(row.count == t.nodes.count && row[i] == 10) }
        #expect(t.nodes.allSatisfy { ($0.memoryBytes ?? 0) >= ($0.freeBytes ?? 0) })
        #expect(t.allowedNodes.allSatisfy { id in t.nodes.contains { $0.id == id } })
    }
}
