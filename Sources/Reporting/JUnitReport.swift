import Foundation

/// JUnit XML for CI systems: one test suite per scenario, one test case per sweep point
/// and expectation (plus one per point for unexpected violations), a failure where an
/// expectation failed.
public enum JUnitReport {
    public static func render(_ reports: [RunReport]) -> String {
        func e(_ s: String) -> String { SVG.escape(s) }
        var x = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        let cases = reports.flatMap { r in r.points.flatMap(\.expectations) }
        let failures = cases.filter { !$0.held }.count
        x.append("<testsuites name=\"arenastress\" tests=\"\(cases.count)\" failures=\"\(failures)\">")
        for r in reports {
            let all = r.points.flatMap(\.expectations)
            let seconds = r.points.flatMap(\.phases).reduce(0.0) { $0 + Double($1.nanoseconds) / 1e9 }
            x.append("  <testsuite name=\"\(e(r.scenario.name))\" tests=\"\(all.count)\" failures=\"\(all.filter { !$0.held }.count)\" time=\"\(String(format: "%.3f", seconds))\" timestamp=\"\(e(r.startedAt))\">")
            for p in r.points {
                let point = "\(p.target) \(p.point.threads) threads \(p.point.arenas.rawValue)" + (p.point.arenaMax.map { " arena_max \($0)" } ?? "")
                for ex in p.expectations {
                    x.append("    <testcase classname=\"\(e(r.scenario.name)).\(e(point))\" name=\"\(e(ex.expectation))\">")
                    if !ex.held {
                        x.append("      <failure message=\"\(e("measured \(ex.measured)"))\">\(e("\(ex.location): \(ex.expectation): measured \(ex.measured)"))</failure>")
                    }
                    x.append("    </testcase>")
                }
            }
            x.append("  </testsuite>")
        }
        x.append("</testsuites>")
        return x.joined(separator: "\n") + "\n"
    }
}
