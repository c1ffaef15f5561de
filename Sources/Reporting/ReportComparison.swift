import Foundation

/// `arenastress report compare A B`: the key numbers of two runs side by side, with the
/// change from A to B, point by point (matched by target, threads, arenas, arena_max)
/// and phase by phase (matched by name). For catching regressions.
public enum ReportComparison {
    public static func render(_ a: RunReport, _ b: RunReport, names: (String, String)) -> String {
        var lines = ["compare \(names.0) (A) with \(names.1) (B): \(a.scenario.name)\(a.scenario.name == b.scenario.name ? "" : " vs \(b.scenario.name)")",
                     "  A: \(a.startedAt), \(a.passed ? "passed" : "FAILED");  B: \(b.startedAt), \(b.passed ? "passed" : "FAILED")"]
        func key(_ p: PointReport) -> String { "\(p.target), \(p.point.threads) threads, arenas \(p.point.arenas.rawValue)" + (p.point.arenaMax.map { ", arena_max \($0)" } ?? "") }
        let bPoints = Dictionary(b.points.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        for pa in a.points {
            guard let pb = bPoints[key(pa)] else { lines.append("\(key(pa)): only in A"); continue }
            lines.append("\(key(pa)): \(pa.passed ? "passed" : "FAILED") -> \(pb.passed ? "passed" : "FAILED")")
            lines.append(row("", "A", "B", "change"))
            lines.append(row("throughput (ops/s)", ReportCharts.throughput(pa), ReportCharts.throughput(pb)))
            if pa.osRequests != nil || pb.osRequests != nil { lines.append(row("kernel requests", pa.osRequests.map(Double.init), pb.osRequests.map(Double.init))) }
            if pa.contention != nil || pb.contention != nil { lines.append(row("contention (%)", pa.contention.map { $0 * 100 }, pb.contention.map { $0 * 100 })) }
            lines.append(row("violations", Double(pa.violations.count), Double(pb.violations.count)))
            let phasesB = Dictionary(pb.phases.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
            for pha in pa.phases {
                guard let phb = phasesB[pha.name] else { continue }
                lines.append(row("\(pha.name): ops/s", pha.opsPerSecond, phb.opsPerSecond))
                lines.append(row("\(pha.name): held (MiB)", pha.heldBytes.map { Double($0) / 1048576 }, phb.heldBytes.map { Double($0) / 1048576 }))
                lines.append(row("\(pha.name): fragmentation", pha.fragmentation, phb.fragmentation))
            }
        }
        for pb in b.points where !a.points.contains(where: { key($0) == key(pb) }) { lines.append("\(key(pb)): only in B") }
        return lines.joined(separator: "\n") + "\n"
    }

    private static func row(_ name: String, _ a: Double?, _ b: Double?) -> String {
        let change: String
        if let a, let b, a != 0 { change = String(format: "%+.1f%%", (b - a) / abs(a) * 100) } else { change = a == b ? "=" : "-" }
        return row(name, a.map(format) ?? "-", b.map(format) ?? "-", change)
    }

    private static func row(_ name: String, _ a: String, _ b: String, _ change: String) -> String {
        "  " + name.padding(toLength: 28, withPad: " ", startingAt: 0) + a.leftPadded(14) + b.leftPadded(14) + change.leftPadded(10)
    }

    private static func format(_ v: Double) -> String { abs(v) >= 1000 ? String(format: "%.0f", v) : String(format: "%.3f", v) }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
