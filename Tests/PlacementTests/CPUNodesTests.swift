import ArenaStress
import Contention
import Placement
import Testing

/// The CPU-to-node table the lock statistics count cross-node owner changes with.
@Suite struct CPUNodesTests {
    @Test func aTableTellsCPUsOnDifferentNodesApart() {
        let table = CPUNodes([0, 0, 1, nil])
        #expect(!table.differ(0, 1))
        #expect(table.differ(1, 2))
        // Unknown CPUs never count as a change of node.
        #expect(!table.differ(2, 3))
        #expect(!table.differ(2, 5000))
        #expect(table.node(2) == 1 && table.node(3) == nil && table.node(-1) == nil)
    }

    @Test func theProcessTableIsThisMachines() throws {
        let environment = PlacementEnvironment.machine()
        let installed = try #require(CPUNodes.current)
        for cpu in environment.topology.allowedCPUs {
            #expect(installed.node(cpu) == environment.topology.node(ofCPU: cpu))
        }
    }
}
