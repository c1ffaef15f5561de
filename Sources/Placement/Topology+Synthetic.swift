extension Topology {
    /// How a synthetic machine numbers its CPUs.
    public enum CPUNumbering: Sendable {
        /// Node n has CPUs n*k ..< (n+1)*k (most x86 BIOSes, SMT siblings aside).
        case blocked
        /// CPU c is on node c % nodes (some firmware numbers round-robin over sockets).
        case interleaved
    }

    /// A machine we do not have: `nodes` nodes of `cpusPerNode` CPUs each and
    /// `memoryPerNode` bytes, all of it usable by this process. Distances are 10 locally
    /// and `remoteDistance` between nodes (`adjacentDistance` between the two nodes of a
    /// socket pair, when given: nodes 2k and 2k+1, as sub-NUMA clustering splits a socket).
    public static func synthetic(nodes: Int, cpusPerNode: Int, numbering: CPUNumbering = .blocked,
                                 memoryPerNode: Int = 64 << 30, remoteDistance: Int = 21,
                                 adjacentDistance: Int? = nil) -> Topology {
        precondition(nodes >= 1 && cpusPerNode >= 1, "a synthetic machine has at least one node and one CPU per node")
        let all = nodes * cpusPerNode
        let list = (0..<nodes).map { n in
            let cpus = switch numbering {
            case .blocked: Array(n * cpusPerNode ..< (n + 1) * cpusPerNode)
            case .interleaved: Array(stride(from: n, to: all, by: nodes))
            }
            return NumaNode(id: n, cpus: cpus, memoryBytes: memoryPerNode, freeBytes: memoryPerNode)
        }
        let distances = (0..<nodes).map { i in
            (0..<nodes).map { j in
                i == j ? 10 : (adjacentDistance != nil && i / 2 == j / 2 ? adjacentDistance! : remoteDistance)
            }
        }
        return Topology(nodes: list, distances: distances, allowedCPUs: Array(0..<all), allowedNodes: Array(0..<nodes),
                        source: "synthetic")
    }

    /// This topology seen from a process restricted to `cpus` (a cpuset or taskset).
    public func restricted(toCPUs cpus: [Int]) -> Topology {
        var copy = self
        let keep = Set(cpus)
        copy.allowedCPUs = allowedCPUs.filter(keep.contains)
        return copy
    }

    /// Parses `NODESxCPUS` (`2x64`, `4x64`): a blocked synthetic machine; nil if malformed.
    public static func synthetic(parsing text: String) -> Topology? {
        let parts = text.lowercased().split(separator: "x")
        guard parts.count == 2, let n = Int(parts[0]), let c = Int(parts[1]), (1...64).contains(n), (1...4096).contains(c) else {
            return nil
        }
        return synthetic(nodes: n, cpusPerNode: c)
    }
}
