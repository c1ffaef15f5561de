import Foundation
import Placement
import TestSupport
import Testing

/// `arenastress topology`: this machine as numactl --hardware shows it, a scenario's
/// plans, and bad input as one line with exit 2.
@Suite struct TopologyCommandTests {
    static let arenastress = TestSupport.product("arenastress")

    @Test func printsThisMachineAndNothingOnStandardError() throws {
        let r = try TestSupport.run(Self.arenastress, ["topology"])
        #expect(r.status == 0)
        #expect(r.err.isEmpty, "\(r.err)")
        let lines = r.out.split(separator: "\n").map(String.init)
        let t = Topology.machine()
        #expect(lines.first == "available: \(t.nodes.count) nodes (\(CPUList.text(t.nodes.map(\.id))))")
        for node in t.nodes { #expect(lines.contains("node \(node.id) cpus: " + node.cpus.map(String.init).joined(separator: " "))) }
        #expect(lines.contains("node distances:"))
        #expect(lines.contains("this process: cpus \(CPUList.text(Topology.allowedCPUs())), memory on node\(t.allowedNodes.count == 1 ? "" : "s") \(CPUList.text(t.allowedNodes)) (machine)"))
        // What the kernel allows is the machine's business; the command must say what it is.
        #expect(lines.last == "memory binding: \(HostBinding.probe.note)")
    }

    @Test func printsEachThreadCountsPlanOnASyntheticMachine() throws {
        let dir = try TestSupport.scratchDirectory()
        let file = try TestSupport.file("""
            name: spread
            threads: {count: [1, 3], placement: scatter, arenas: [glibc, per-thread]}
            phases:
              - name: fill
                allocate: {count: 10, size: {fixed: 64}}
            """, in: dir, named: "spread.yaml")
        let r = try TestSupport.run(Self.arenastress, ["topology", "--synthetic", "2x64", "--scenario", file])
        #expect(r.status == 0 && r.err.isEmpty, "\(r.err)")
        let tail = r.out.split(separator: "\n").map(String.init).drop { !$0.hasPrefix(file) }
        #expect(Array(tail) == [
            "\(file): spread: placement scatter, memory preferred",
            "1 thread (2 sweep points):", "  worker 0 -> cpu 0 -> node 0",
            "3 threads (2 sweep points):", "  worker 0 -> cpu 0 -> node 0", "  worker 1 -> cpu 64 -> node 1", "  worker 2 -> cpu 1 -> node 0",
        ])
    }

    @Test func badInputIsOneLineAndExit2() throws {
        let dir = try TestSupport.scratchDirectory()
        let file = try TestSupport.file("name: x\nthreads: {memory: bnd}\nphases:\n  - name: a\n    allocate: {count: 1, size: {fixed: 8}}\n",
                                        in: dir, named: "bad.yaml")
        let r = try TestSupport.run(Self.arenastress, ["topology", "--scenario", file])
        #expect(r.status == 2)
        #expect(r.out.isEmpty)
        #expect(r.err == "\(file):2:19: threads.memory: unknown memory policy 'bnd'; did you mean 'bind'?\n")
        let s = try TestSupport.run(Self.arenastress, ["topology", "--synthetic", "2y4"])
        #expect(s.status == 2 && s.out.isEmpty)
        #expect(s.err.split(separator: "\n").count == 1 && s.err.contains("--synthetic: expected NODESxCPUS"))
    }
}
