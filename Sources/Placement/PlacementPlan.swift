/// The CPU and node of each worker, from a policy, a thread count and a topology.
///
/// Only CPUs the process may use (its cpuset) are planned. With more workers than
/// planned CPUs the order wraps around and workers share CPUs; with no CPU to plan
/// (no usable CPU on the nodes asked for) every worker runs unpinned. Either way
/// `note` says so in one line.
public struct PlacementPlan: Sendable, Equatable {
    /// One worker's place: its CPU and that CPU's node; both nil when unpinned.
    public struct Slot: Sendable, Equatable {
        public var cpu: Int?
        public var node: Int?

        public init(cpu: Int?, node: Int?) {
            self.cpu = cpu
            self.node = node
        }
    }

    public let policy: PlacementPolicy
    /// Worker i's place, by index.
    public let workers: [Slot]
    /// Why the plan is not what the policy asked for (CPUs shared, nodes missing), or nil.
    public let note: String?

    /// Worker i's CPU, nil for unpinned: what the scheduler pins to.
    public var cpus: [Int?] { workers.map(\.cpu) }

    /// The plan for `threads` workers under `policy` on `topology`.
    public init(policy: PlacementPolicy, threads: Int, topology: Topology) {
        self.policy = policy
        var notes: [String] = []
        let order: [Int]
        switch policy {
        case .none:
            order = []
        case .compact:
            order = topology.nodes.flatMap { topology.usableCPUs(ofNode: $0.id) }
        case .scatter:
            order = Self.roundRobin(topology.nodes.map { topology.usableCPUs(ofNode: $0.id) })
        case .nodes(let ids):
            var seen = Set<Int>()
            let unique = ids.filter { seen.insert($0).inserted }
            let missing = unique.filter { topology.usableCPUs(ofNode: $0).isEmpty }
            if !missing.isEmpty {
                notes.append("node\(missing.count == 1 ? "" : "s") \(CPUList.text(missing)) \(missing.count == 1 ? "has" : "have") no CPU this process may use")
            }
            order = Self.roundRobin(unique.map { topology.usableCPUs(ofNode: $0) })
        }
        if order.isEmpty {
            if policy != .none { notes.append("no CPU to pin to: \(threads) workers unpinned") }
            workers = Array(repeating: Slot(cpu: nil, node: nil), count: threads)
        } else {
            if threads > order.count { notes.append("\(threads) workers on \(order.count) CPUs: CPUs shared") }
            workers = (0..<threads).map { i in
                let cpu = order[i % order.count]
                return Slot(cpu: cpu, node: topology.node(ofCPU: cpu))
            }
        }
        note = notes.isEmpty ? nil : notes.joined(separator: "; ")
    }

    /// The first CPU of each list, then the second of each, ...; shorter lists drop out.
    static func roundRobin(_ lists: [[Int]]) -> [Int] {
        var order: [Int] = []
        let longest = lists.map(\.count).max() ?? 0
        for round in 0..<longest {
            for list in lists where round < list.count { order.append(list[round]) }
        }
        return order
    }

    /// `worker 0 -> cpu 0 -> node 0`, one line per worker.
    public var lines: [String] {
        workers.enumerated().map { i, slot in
            "worker \(i) -> " + (slot.cpu.map { "cpu \($0) -> node \(slot.node.map(String.init) ?? "?")" } ?? "unpinned")
        }
    }
}
