import Foundation
import Glibc
import Scenario
import Scheduler

/// Where each worker runs: a CPU per worker (nil: unpinned), from the scenario's
/// placement and the CPUs this process may use.
///
/// `compact` fills the allowed CPUs in order; `scatter` alternates between the two ends
/// of the list (neighbours in numbering share caches and nodes more often); `none`
/// pins nothing; `{nodes: [...]}` uses the CPUs of those NUMA nodes, as sysfs lists them.
enum PlacementPlan {
    static func cpus(for spec: PlacementSpec, threads: Int) -> [Int?] {
        let allowed = Scheduler.allowedCPUs()
        var order: [Int]
        switch spec {
        case .none: return Array(repeating: nil, count: threads)
        case .compact: order = allowed
        case .scatter:
            order = []
            var low = 0, high = allowed.count - 1
            while low <= high {
                order.append(allowed[low])
                if low != high { order.append(allowed[high]) }
                low += 1
                high -= 1
            }
        case .nodes(let nodes):
            let inNodes = Set(nodes.flatMap(nodeCPUs))
            order = allowed.filter(inNodes.contains)
        }
        guard !order.isEmpty else { return Array(repeating: nil, count: threads) }
        return (0..<threads).map { order[$0 % order.count] }
    }

    /// The CPUs of NUMA node `node` (`/sys/devices/system/node/nodeN/cpulist`).
    static func nodeCPUs(_ node: Int) -> [Int] {
        guard let list = try? String(contentsOfFile: "/sys/devices/system/node/node\(node)/cpulist", encoding: .utf8) else { return [] }
        return list.split(whereSeparator: { $0 == "," || $0 == "\n" }).flatMap { part -> [Int] in
            let bounds = part.split(separator: "-").compactMap { Int($0) }
            guard let first = bounds.first else { return [] }
            return Array(first...(bounds.last ?? first))
        }
    }
}
