import CNuma
import CSupport
import Glibc

extension Topology {
    /// This machine, through libnuma: every node with CPUs or memory, its size and free
    /// memory, the distance matrix, and this process's cpuset and allowed memory nodes.
    /// Where libnuma says NUMA is unavailable, one node holding every allowed CPU.
    public static func machine() -> Topology {
        let allowed = allowedCPUs()
        guard numa_available() >= 0 else {
            return Topology(nodes: [NumaNode(id: 0, cpus: allowed)], distances: [[10]], allowedCPUs: allowed,
                            allowedNodes: [0], source: "machine (libnuma: NUMA unavailable)")
        }
        let possibleCPUs = Int(numa_num_possible_cpus())
        var nodes: [NumaNode] = []
        let cpumask = numa_allocate_cpumask()
        defer { numa_bitmask_free(cpumask) }
        for id in 0...Int(max(numa_max_node(), 0)) {
            var cpus: [Int] = []
            if let cpumask, numa_node_to_cpus(Int32(id), cpumask) == 0 {
                cpus = (0..<possibleCPUs).filter { numa_bitmask_isbitset(cpumask, UInt32($0)) != 0 }
            }
            var free: Int64 = 0
            let size = numa_node_size64(Int32(id), &free)
            guard !cpus.isEmpty || size > 0 else { continue }
            nodes.append(NumaNode(id: id, cpus: cpus, memoryBytes: size >= 0 ? Int(size) : nil, freeBytes: size >= 0 ? Int(free) : nil))
        }
        if nodes.isEmpty { nodes = [NumaNode(id: 0, cpus: allowed)] }
        let distances = nodes.map { a in nodes.map { b in Int(numa_distance(Int32(a.id), Int32(b.id))) } }
        var memoryNodes: [Int] = []
        if let mems = numa_get_mems_allowed() {
            memoryNodes = nodes.map(\.id).filter { numa_bitmask_isbitset(mems, UInt32($0)) != 0 }
            numa_bitmask_free(mems)
        }
        return Topology(nodes: nodes, distances: distances, allowedCPUs: allowed,
                        allowedNodes: memoryNodes.isEmpty ? nodes.map(\.id) : memoryNodes, source: "machine")
    }

    /// The CPUs this process may run on (sched_getaffinity), ascending.
    public static func allowedCPUs() -> [Int] {
        var cpus = [Int32](repeating: 0, count: 4096)
        let count = Int(cpus.withUnsafeMutableBufferPointer { cs_allowed_cpus($0.baseAddress, Int32($0.count)) })
        return cpus.prefix(count).map(Int.init)
    }
}
