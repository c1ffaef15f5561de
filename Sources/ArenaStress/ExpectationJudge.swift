import Foundation
import HeapCheck
import Reporting
import Scenario

/// Judges a point's figures against the scenario's `expect` block.
struct ExpectationJudge {
    let scenario: Scenario

    func judge(_ report: PointReport) -> [ExpectationOutcome] {
        let e = scenario.expect
        var outcomes: [ExpectationOutcome] = []
        let count = report.violations.count
        let first = report.violations.first.map { " (first: \($0.invariant) \($0.message))" } ?? ""
        let here = (e.violationsLocation ?? SourceLocation(file: scenario.source, line: 1, column: 1)).description
        switch e.violations {
        case .none:
            outcomes.append(ExpectationOutcome(expectation: "violations: 0", measured: "\(count)\(first)", held: count == 0, location: here))
        case .max(let n):
            outcomes.append(ExpectationOutcome(expectation: "violations <= \(n)", measured: "\(count)\(first)", held: count <= n, location: here))
        case .detected(let kind):
            outcomes.append(ExpectationOutcome(expectation: "violations: detected \(kind)", measured: "", held: false, location: here))
            (outcomes[outcomes.count - 1].measured, outcomes[outcomes.count - 1].held) = detection(of: kind, in: report)
        }
        if let o = e.osRequests {
            let measured = report.osRequests
            outcomes.append(ExpectationOutcome(expectation: "os_requests <= \(o.max)", measured: measured.map(String.init) ?? "not counted",
                                               held: measured.map { $0 <= o.max } ?? false, location: o.location.description))
        }
        for f in e.fragmentation {
            let bounds = [f.min.map { ">= \($0)" }, f.max.map { "<= \($0)" }].compactMap { $0 }.joined(separator: " and ")
            let phase = report.phases.first { $0.name == f.phase }
            let value = phase?.fragmentation
            let held = value.map { v in (f.min.map { v >= $0 } ?? true) && (f.max.map { v <= $0 } ?? true) } ?? false
            let measured = value.map { String(format: "%.3f", $0) } ?? (phase == nil ? "phase did not run" : "nothing held")
            outcomes.append(ExpectationOutcome(expectation: "fragmentation after \(f.phase) \(bounds)", measured: measured, held: held,
                                               location: f.location.description))
        }
        if let c = e.contention {
            let measured = report.contention
            outcomes.append(ExpectationOutcome(expectation: "contention <= \(c.max)", measured: measured.map { String(format: "%.4f", $0) } ?? "no lock taken",
                                               held: (measured ?? 0) <= c.max, location: c.location.description))
        }
        if let a = e.allocationFailures {
            let bounds = [a.min.map { ">= \($0)" }, a.max.map { "<= \($0)" }].compactMap { $0 }.joined(separator: " and ")
            let count = report.allocationFailures
            let first = report.firstAllocationFailure.map { " (first: \($0.failure) in \($0.phase))" } ?? ""
            outcomes.append(ExpectationOutcome(expectation: "allocation_failures \(bounds)", measured: "\(count)\(first)",
                                               held: (a.min.map { count >= $0 } ?? true) && (a.max.map { count <= $0 } ?? true),
                                               location: a.location.description))
        }
        return outcomes
    }

    /// Whether an injected `kind` was caught, by a check that catches it
    /// (`CorruptionKind.caughtBy`): what was measured (with what glibc makes of a kind it
    /// misses, `CorruptionKind.glibcMisses`), and whether the expectation held.
    /// Any other finding, a failed set-up, or no injection of that kind is no detection.
    func detection(of kind: String, in report: PointReport) -> (measured: String, held: Bool) {
        let injected = scenario.phases.contains { if case .inject(kind) = $0.kind { true } else { false } }
        if let notSetUp = report.violations.first(where: { $0.invariant == ViolationRecord.injectionNotSetUp }) {
            return ("not injected: \(notSetUp.message)", false)
        }
        guard injected, let corruption = CorruptionKind(rawValue: kind) else { return ("not injected", false) }
        let checks = corruption.caughtBy
        let catching = report.violations.filter { v in
            v.invariant == "runtime" ? checks.catches(runtimeMessage: v.message) : checks.catches(invariant: v.invariant)
        }
        // Each check once, in the order found: an invariant's ID, a runtime check's message.
        let names = { (records: [ViolationRecord]) in
            records.map { $0.invariant == "runtime" ? "\"\($0.message)\"" : $0.invariant }
                .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: ", ")
        }
        if !catching.isEmpty {
            let others = report.violations.count - catching.count
            return ("caught by \(names(catching))" + (others > 0 ? "; also found: \(names(report.violations.filter { !catching.contains($0) }))" : "")
                    + (corruption.glibcMisses.map { "; \($0)" } ?? ""), true)
        }
        if report.violations.isEmpty { return ("not detected", false) }
        return ("not caught by \(checks) (found: \(names(report.violations)))", false)
    }
}
