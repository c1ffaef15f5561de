import Foundation
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
            let injected = scenario.phases.contains { if case .inject(kind) = $0.kind { true } else { false } }
            let notSetUp = report.violations.first { $0.invariant == ViolationRecord.injectionNotSetUp }
            let detections = report.violations.filter { $0.invariant != ViolationRecord.injectionNotSetUp }
            let by = Set(detections.map(\.invariant)).sorted().joined(separator: ", ")
            let measured = if let notSetUp { "not injected: \(notSetUp.message)" }
                else if detections.isEmpty { "not detected" } else { "detected: \(detections.count) (\(by))" }
            outcomes.append(ExpectationOutcome(expectation: "violations: detected \(kind)", measured: measured,
                                               held: injected && notSetUp == nil && !detections.isEmpty, location: here))
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
        return outcomes
    }
}
