/// Where a sweep point's workers and memory were meant to be and where they were: the
/// plan per worker against the CPUs and nodes it was seen on.
public struct PlacementReport: Sendable, Codable, Equatable {
    /// The thread policy (`compact`, `scatter`, `nodes [0, 1]`, `none`).
    public var policy: String
    /// The memory policy for non-main arenas' heaps (`bind`, `preferred`, `none`).
    public var memory: String
    /// The machine: `1 node, 2 CPUs (this process: 2 CPUs, memory on node 0), machine`.
    public var topology: String
    /// What a real mbind and move_pages did when tried on a page of their own.
    public var probe: String
    public var workers: [WorkerPlacement]
    /// Non-main heaps bound to their creator's node, and bindings the kernel refused.
    public var heapsBound: Int
    public var heapBindingsRefused: Int

    public init(policy: String, memory: String, topology: String, probe: String, workers: [WorkerPlacement],
                heapsBound: Int, heapBindingsRefused: Int) {
        self.policy = policy
        self.memory = memory
        self.topology = topology
        self.probe = probe
        self.workers = workers
        self.heapsBound = heapsBound
        self.heapBindingsRefused = heapBindingsRefused
    }
}

/// One worker: its planned CPU and node, and those it was seen on (sched_getcpu at the
/// start and end of every phase).
public struct WorkerPlacement: Sendable, Codable, Equatable {
    public var worker: Int
    public var plannedCPU: Int?
    public var plannedNode: Int?
    public var observedCPUs: [Int]
    public var observedNodes: [Int]
    /// Whether pinning to the planned CPU held at the last thread start.
    public var pinned: Bool
    /// Seen only on its planned CPU (always true when unplanned).
    public var onPlan: Bool

    public init(worker: Int, plannedCPU: Int?, plannedNode: Int?, observedCPUs: [Int], observedNodes: [Int], pinned: Bool) {
        self.worker = worker
        self.plannedCPU = plannedCPU
        self.plannedNode = plannedNode
        self.observedCPUs = observedCPUs
        self.observedNodes = observedNodes
        self.pinned = pinned
        onPlan = plannedCPU.map { observedCPUs == [$0] } ?? true
    }
}

/// Where a sample of one arena's pages were at a phase's end (move_pages).
public struct ArenaPages: Sendable, Codable, Equatable {
    /// The arena's index: 0 for the main arena, then in order of creation.
    public var arena: Int
    /// The node its pages were meant for: a non-main arena's creator's node; for the
    /// main arena, worker 0's planned node (it is never bound: first touch places it).
    public var intendedNode: Int?
    /// Whether its heaps were bound (mbind) to `intendedNode`.
    public var bound: Bool
    public var pagesSampled: Int
    /// Sampled pages present in memory.
    public var pagesResident: Int
    /// Present pages on `intendedNode`.
    public var pagesOnIntendedNode: Int
    /// Present pages per node, by node id.
    public var pagesByNode: [NodePages]
    /// `pagesOnIntendedNode / pagesResident`, nil when no page was present or no node intended.
    public var shareOnIntendedNode: Double?

    public init(arena: Int, intendedNode: Int?, bound: Bool, pagesSampled: Int, pagesResident: Int, pagesByNode: [NodePages]) {
        self.arena = arena
        self.intendedNode = intendedNode
        self.bound = bound
        self.pagesSampled = pagesSampled
        self.pagesResident = pagesResident
        self.pagesByNode = pagesByNode
        pagesOnIntendedNode = intendedNode.map { node in pagesByNode.first { $0.node == node }?.pages ?? 0 } ?? 0
        shareOnIntendedNode = pagesResident == 0 || intendedNode == nil ? nil : Double(pagesOnIntendedNode) / Double(pagesResident)
    }
}

/// Pages on one node.
public struct NodePages: Sendable, Codable, Equatable {
    public var node: Int
    public var pages: Int

    public init(node: Int, pages: Int) {
        self.node = node
        self.pages = pages
    }
}

extension PointReport {
    /// Over every arena at the last phase that sampled pages: present pages on their
    /// intended node, and present pages with a node intended. Nil when none were sampled.
    public var pagesOnIntendedNode: (onNode: Int, resident: Int)? {
        guard let pages = phases.last(where: { $0.pages != nil })?.pages else { return nil }
        let meant = pages.filter { $0.intendedNode != nil }
        return (meant.reduce(0) { $0 + $1.pagesOnIntendedNode }, meant.reduce(0) { $0 + $1.pagesResident })
    }
}
