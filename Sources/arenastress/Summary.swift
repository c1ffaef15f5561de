import Foundation
import Reporting

/// A run's report in a few lines for the terminal: per point, each phase's figures,
/// the violations, and each expectation held or not.
enum Summary {
    static func text(_ report: RunReport) -> String {
        var lines: [String] = []
        for point in report.points {
            lines.append("\(report.scenario.name) on \(point.target), \(point.point.threads) threads, arenas \(point.point.arenas.rawValue)"
                         + (point.point.arenaMax.map { ", arena_max \($0)" } ?? "") + ": " + (point.passed ? "PASSED" : "FAILED"))
            for p in point.phases {
                var parts = ["\(p.ops) ops", "\(ProgressPrinter.rate(p.opsPerSecond)) ops/s"]
                if let held = p.heldBytes { parts.append("held \(bytes(held))") }
                if let resident = p.residentBytes { parts.append("resident \(bytes(resident))") }
                parts.append("live \(bytes(p.liveBytes))")
                if let f = p.fragmentation { parts.append(String(format: "fragmentation %.3f", f)) }
                if let r = p.osRequests { parts.append("os requests \(r)") }
                if let l = p.locks { parts.append(String(format: "contention %.4f", l.contentionRate)) }
                lines.append("  \(p.name) (\(p.kind)): " + parts.joined(separator: ", "))
            }
            for v in point.violations.prefix(5) { lines.append("  violation after \(v.phase): \(v.invariant) \(v.message)") }
            if point.violations.count > 5 { lines.append("  ... \(point.violations.count - 5) more violations") }
            if let stopped = point.stoppedAfter { lines.append("  stopped after \(stopped): the heap is broken") }
            for e in point.expectations {
                lines.append("  \(e.held ? "held  " : "FAILED") \(e.expectation): \(e.measured)\(e.held ? "" : "  (\(e.location))")")
            }
        }
        return lines.joined(separator: "\n")
    }

    static func bytes(_ n: Int) -> String {
        let d = Double(n)
        return n >= 1 << 30 ? String(format: "%.2f GiB", d / 1_073_741_824) : n >= 1 << 20 ? String(format: "%.1f MiB", d / 1_048_576)
            : n >= 1 << 10 ? String(format: "%.1f KiB", d / 1024) : "\(n) B"
    }
}
