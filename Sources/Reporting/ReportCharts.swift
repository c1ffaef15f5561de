import Foundation

/// The charts of a run report, each an SVG file: throughput and contention against
/// thread count (sweeps), wait-time percentiles per arena, memory over the phases, and
/// the heap map, per sweep point.
public enum ReportCharts {
    /// A chart: its file name, what it shows, and the SVG text.
    public struct Figure: Sendable {
        public let file: String
        public let title: String
        public let svg: String
    }

    static let workKinds: Set<String> = ["allocate", "free", "churn", "handoff"]

    /// A point's name in file names: `t4-glibc`, `t8-per-thread-max2`, `t2-glibc-jemalloc`.
    public static func label(_ p: PointReport) -> String {
        "t\(p.point.threads)-\(p.point.arenas.rawValue)" + (p.point.arenaMax.map { "-max\($0)" } ?? "") + (p.target == "model" ? "" : "-\(p.target)")
    }

    /// A point as titles name it: `4 threads, arenas glibc` (`, jemalloc` for a peer).
    public static func title(_ p: PointReport) -> String {
        "\(p.point.threads) thread\(p.point.threads == 1 ? "" : "s"), arenas \(p.point.arenas.rawValue)" + (p.point.arenaMax.map { ", arena_max \($0)" } ?? "")
            + (p.target == "model" ? "" : ", \(p.target)")
    }

    /// Operations per second over the point's work phases (allocate, free, churn, handoff).
    public static func throughput(_ p: PointReport) -> Double {
        let work = p.phases.filter { workKinds.contains($0.kind) }
        let ns = work.reduce(UInt64(0)) { $0 + $1.nanoseconds }
        return ns == 0 ? 0 : Double(work.reduce(0) { $0 + $1.ops }) * 1e9 / Double(ns)
    }

    public static func figures(_ report: RunReport) -> [Figure] {
        var figures: [Figure] = []
        let threadCounts = Set(report.points.map(\.point.threads))
        if threadCounts.count > 1 {
            let keyed = Dictionary(grouping: report.points) { p in
                p.point.arenas.rawValue + (p.point.arenaMax.map { " arena_max \($0)" } ?? "") + (p.target == "model" ? "" : " (\(p.target))")
            }
            let names = keyed.keys.sorted()
            let throughput = names.map { name in
                Chart.Series(name: name, points: keyed[name]!.map { (Double($0.point.threads), Self.throughput($0)) })
            }
            figures.append(Figure(file: "throughput.svg", title: "Throughput against threads",
                                  svg: Chart.lines(title: "\(report.scenario.name): throughput against threads", xLabel: "worker threads",
                                                   yLabel: "operations per second (all threads)", series: throughput)))
            let contention = names.compactMap { name -> Chart.Series? in
                let points = keyed[name]!.compactMap { p in p.contention.map { (Double(p.point.threads), $0 * 100) } }
                return points.isEmpty ? nil : Chart.Series(name: name, points: points)
            }
            if !contention.isEmpty {
                figures.append(Figure(file: "contention.svg", title: "Lock contention against threads",
                                      svg: Chart.lines(title: "\(report.scenario.name): arena lock contention against threads", xLabel: "worker threads",
                                                       yLabel: "contended acquisitions (% of all)", series: contention)))
            }
        }
        let targets = Array(Set(report.points.map(\.target))).sorted()
        if targets.count > 1 {
            // One group per target; one bar per sweep point (threads and arena policy).
            let pointNames = report.points.filter { $0.target == targets[0] }.map { p in
                "\(p.point.threads) thread\(p.point.threads == 1 ? "" : "s"), \(p.point.arenas.rawValue)" + (p.point.arenaMax.map { ", max \($0)" } ?? "")
            }
            let series = pointNames.enumerated().map { i, name in
                Chart.Series(name: name, points: targets.enumerated().compactMap { t, target in
                    let points = report.points.filter { $0.target == target }
                    return i < points.count ? (Double(t), throughput(points[i])) : nil
                })
            }
            figures.append(Figure(file: "targets.svg", title: "Throughput by target",
                                  svg: Chart.logBars(title: "\(report.scenario.name): throughput by allocator", xLabel: "target",
                                                     yLabel: "operations per second (log scale)", groups: targets, series: series)))
        }
        for p in report.points {
            let label = label(p), name = title(p)
            let phases = p.phases.filter { $0.heldBytes != nil }
            if !phases.isEmpty {
                let mib = 1048576.0
                var series = [
                    Chart.Series(name: "held from the kernel", points: phases.enumerated().map { (Double($0.offset), Double($0.element.heldBytes!) / mib) }),
                    Chart.Series(name: "in use (chunks)", points: phases.enumerated().map { (Double($0.offset), Double($0.element.inUseBytes!) / mib) }),
                    Chart.Series(name: "live (requested)", points: phases.enumerated().map { (Double($0.offset), Double($0.element.liveBytes) / mib) }),
                ]
                if phases.allSatisfy({ $0.residentBytes != nil }) {
                    series.insert(Chart.Series(name: "resident", points: phases.enumerated().map { (Double($0.offset), Double($0.element.residentBytes!) / mib) }), at: 1)
                }
                figures.append(Figure(file: "memory-\(label).svg", title: "Memory over the phases (\(name))",
                                      svg: Chart.lines(title: "\(report.scenario.name) (\(name)): memory at each phase's end", xLabel: "phase",
                                                       yLabel: "MiB", series: series, categories: phases.map(\.name))))
            }
            // Wait times of the phase whose locks were fought over most.
            if let busiest = p.phases.max(by: { ($0.locks?.contended ?? 0) < ($1.locks?.contended ?? 0) }),
               (busiest.locks?.contended ?? 0) > 0 {
                let arenas = busiest.locksByArena.filter { $0.wait.count > 0 }
                let stats: [(String, (LockFigures) -> UInt64)] = [("p50", { $0.wait.p50 }), ("p90", { $0.wait.p90 }), ("p99", { $0.wait.p99 }), ("max", { $0.wait.max })]
                let series = stats.map { name, value in
                    Chart.Series(name: name, points: arenas.enumerated().map { (Double($0.offset), Double(value($0.element))) })
                }
                figures.append(Figure(file: "waits-\(label).svg", title: "Lock wait times per arena (\(name), phase \(busiest.name))",
                                      svg: Chart.logBars(title: "\(report.scenario.name) (\(name)): wait for an arena lock, phase \(busiest.name)",
                                                         xLabel: "arena (contended acquisitions only)", yLabel: "wait (ns, log scale)",
                                                         groups: arenas.map(\.scope), series: series)))
            }
            let rows = p.phases.flatMap { phase in
                (phase.heapMaps ?? []).map { map in
                    (label: "\(phase.name) · arena \(map.arena) heap \(map.heap) (\(mebibytes(map.bytes)))", map: map)
                }
            }
            if !rows.isEmpty {
                figures.append(Figure(file: "heap-\(label).svg", title: "Heap map (\(name))",
                                      svg: HeapMapChart.svg(title: "\(report.scenario.name) (\(name)): the heaps at each phase's end", rows: rows)))
            }
        }
        return figures
    }

    static func mebibytes(_ n: Int) -> String { String(format: "%.1f MiB", Double(n) / 1048576) }
}
