import Foundation
import Reporting

/// A run's report in a few lines for the terminal: per point, each phase's figures,
/// the violations, and each expectation held or not.
enum Summary {
    static func text(_ report: RunReport) -> String {
        var lines = ["content check: \(MarkdownReport.contentCheck(report.scenario.checkContent))".replacingOccurrences(of: "`", with: "")]
        lines += (report.notes ?? []).map { "note: \($0)" }
        for point in report.points {
            lines.append("\(report.scenario.name) on \(point.target), \(point.point.threads) threads, arenas \(point.point.arenas.rawValue)"
                         + (point.point.arenaMax.map { ", arena_max \($0)" } ?? "") + ": " + (point.passed ? "PASSED" : "FAILED"))
            if let note = point.placementNote {
                lines.append("  placement\(point.placementAvailable == false ? " (unavailable)" : ""): \(note)"
                             + (point.pagesOnIntendedNode.map { $0.resident == 0 ? "" : "; pages on their intended node \($0.onNode)/\($0.resident)" } ?? ""))
            }
            if let tunables = point.glibcTunables {
                lines.append("  glibc ran in a child process with GLIBC_TUNABLES=\(tunables.isEmpty ? "(none)" : tunables.joined(separator: ":"))")
            }
            if let why = point.phases.lazy.compactMap(\.residentNote).first { lines.append("  resident not measured: \(why)") }
            for p in point.phases {
                var parts = ["\(p.ops) ops", "\(Format.rate(p.opsPerSecond)) ops/s"]
                if let held = p.heldBytes { parts.append("held \(Format.bytes(held))") }
                if let resident = p.residentBytes { parts.append("resident \(Format.bytes(resident))") }
                parts.append("live \(Format.bytes(p.liveBytes))")
                if let f = p.fragmentation { parts.append(String(format: "fragmentation %.3f", f)) }
                if let r = p.osRequests { parts.append("os requests \(r)") }
                if let a = p.arenas { parts.append("arenas \(a)") }
                if let share = p.remoteFreeShare { parts.append(String(format: "remote frees %.4f", share)) }
                if let l = p.locks { parts.append(String(format: "contention %.4f", l.contentionRate)) }
                if let latency = Format.latency(p.latency) { parts.append(latency) }
                if let cost = p.checkCost { parts.append(cost) }
                if let failures = p.allocationFailures, failures > 0 {
                    parts.append("\(failures) allocation failures (first \(p.firstAllocationFailure.map { "\($0), worker \($0.worker)" } ?? "?"))")
                }
                lines.append("  \(p.name) (\(p.kind)): " + parts.joined(separator: ", "))
            }
            for v in point.violations.prefix(5) { lines.append("  violation after \(v.phase): \(v.invariant) \(v.message)") }
            if point.violations.count > 5 { lines.append("  ... \(point.violations.count - 5) more violations") }
            if let stopped = point.stoppedAfter { lines.append("  stopped after \(stopped): the heap is broken") }
            if let why = point.endedEarly { lines.append("  ended early: \(why)") }
            for e in point.expectations {
                lines.append("  \(e.held ? "held  " : "FAILED") \(e.expectation): \(e.measured)\(e.held ? "" : "  (\(e.location))")")
            }
        }
        lines += sideBySide(report)
        return lines.joined(separator: "\n")
    }

    /// When the report has points on several targets: per sweep point, each phase's
    /// figures target by target. Fragmentation here is the contract's `1 - live / held`
    /// on each target's own held bytes, so that every target is measured alike.
    static func sideBySide(_ report: RunReport) -> [String] {
        guard Set(report.points.map(\.target)).count > 1 else { return [] }
        var lines = ["side by side (chunk invariants are checked on the model only; every target's blocks are checked by their patterns):"]
        var groups: [String: [PointReport]] = [:], order: [String] = []
        for point in report.points {
            let key = "\(point.point.threads) threads, arenas \(point.point.arenas.rawValue)" + (point.point.arenaMax.map { ", arena_max \($0)" } ?? "")
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(point)
        }
        func cell(_ text: String, _ width: Int) -> String { text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0) }
        for key in order {
            let points = groups[key]!
            lines.append("  \(key)")
            lines.append("    " + cell("phase", 12) + cell("target", 10) + cell("ops/s", 11) + cell("held", 11) + cell("resident", 11)
                         + cell("live", 11) + cell("1-live/held", 12) + "violations")
            var phases: [String] = []
            for point in points { for p in point.phases where !phases.contains(p.name) { phases.append(p.name) } }
            for name in phases {
                for point in points {
                    guard let p = point.phases.first(where: { $0.name == name }) else { continue }
                    let held = p.heldBytes.flatMap { $0 > 0 ? $0 : nil }
                    let fragmentation = held.map { String(format: "%.3f", 1 - Double(p.liveBytes) / Double($0)) } ?? "-"
                    let found = point.violations.filter { $0.phase == name }.count
                    lines.append("    " + cell(name, 12) + cell(point.target, 10) + cell(Format.rate(p.opsPerSecond), 11)
                                 + cell(held.map(Format.bytes) ?? "-", 11) + cell(p.residentBytes.map(Format.bytes) ?? "-", 11)
                                 + cell(Format.bytes(p.liveBytes), 11) + cell(fragmentation, 12) + "\(found)")
                }
            }
        }
        return lines
    }
}
