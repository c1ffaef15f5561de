/// A machine's NUMA layout as placement sees it: its nodes (their CPUs and memory),
/// the distances between them, and what this process may use (its cpuset).
///
/// `Topology.machine()` reads this machine through libnuma; `Topology.synthetic(...)`
/// describes one we do not have, so that plans for it can be computed and tested here.
public struct Topology: Sendable, Equatable {
    /// The nodes, by ascending id.
    public var nodes: [NumaNode]
    /// `distances[i][j]`: the ACPI SLIT distance from `nodes[i]` to `nodes[j]`
    /// (10 local; 0 where the machine does not say).
    public var distances: [[Int]]
    /// The CPUs this process may run on (its affinity mask), ascending.
    public var allowedCPUs: [Int]
    /// The nodes this process may allocate memory on (its `Mems_allowed`), ascending.
    public var allowedNodes: [Int]
    /// Where the description came from: `machine`, `machine (sysfs)`, `synthetic`.
    public var source: String

    /// A topology as given; node ids must be unique.
    public init(nodes: [NumaNode], distances: [[Int]], allowedCPUs: [Int], allowedNodes: [Int], source: String) {
        self.nodes = nodes.sorted { $0.id < $1.id }
        self.distances = distances
        self.allowedCPUs = allowedCPUs.sorted()
        self.allowedNodes = allowedNodes.sorted()
        self.source = source
    }

    /// The node holding `cpu`, or nil if no node lists it.
    public func node(ofCPU cpu: Int) -> Int? {
        nodes.first { $0.cpus.contains(cpu) }?.id
    }

    /// The CPUs of node `id` this process may run on, ascending; empty for an unknown node.
    public func usableCPUs(ofNode id: Int) -> [Int] {
        guard let node = nodes.first(where: { $0.id == id }) else { return [] }
        let allowed = Set(allowedCPUs)
        return node.cpus.filter(allowed.contains)
    }

    /// Every CPU's node, indexed by CPU number (nil for a CPU no node lists), up to the
    /// highest CPU any node has.
    public var nodeOfCPU: [Int?] {
        let highest = nodes.flatMap(\.cpus).max() ?? -1
        var table = [Int?](repeating: nil, count: highest + 1)
        for node in nodes { for cpu in node.cpus { table[cpu] = node.id } }
        return table
    }

    /// The distance from node `a` to node `b`, or nil where unknown.
    public func distance(from a: Int, to b: Int) -> Int? {
        guard let i = nodes.firstIndex(where: { $0.id == a }), let j = nodes.firstIndex(where: { $0.id == b }),
              i < distances.count, j < distances[i].count, distances[i][j] > 0 else { return nil }
        return distances[i][j]
    }

    /// `2 nodes, 128 CPUs (this process: 128 CPUs, nodes 0-1), synthetic`.
    public var summary: String {
        let cpus = nodes.reduce(0) { $0 + $1.cpus.count }
        return "\(nodes.count) node\(nodes.count == 1 ? "" : "s"), \(cpus) CPUs (this process: \(allowedCPUs.count) CPUs, "
            + "memory on node\(allowedNodes.count == 1 ? "" : "s") \(CPUList.text(allowedNodes))), \(source)"
    }
}

/// One NUMA node: its id, its CPUs, and its memory.
public struct NumaNode: Sendable, Equatable {
    public var id: Int
    /// Its CPUs, ascending (all of them, whether or not this process may use them).
    public var cpus: [Int]
    /// Its memory in bytes, and what of it is free; nil where unknown.
    public var memoryBytes: Int?
    public var freeBytes: Int?

    public init(id: Int, cpus: [Int], memoryBytes: Int? = nil, freeBytes: Int? = nil) {
        self.id = id
        self.cpus = cpus.sorted()
        self.memoryBytes = memoryBytes
        self.freeBytes = freeBytes
    }
}
