import Foundation

/// `index.html`: the run on one page: verdict, expectations, the phase table and every
/// chart, with links to report.md and report.json.
public enum HTMLIndex {
    public static func render(_ report: RunReport, figures: [ReportCharts.Figure]) -> String {
        func e(_ s: String) -> String { SVG.escape(s) }
        var h: [String] = []
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(e(report.scenario.name)): \(report.passed ? "passed" : "FAILED")</title>")
        h.append("<style>body{font-family:sans-serif;max-width:1300px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;margin:1em 0}"
                 + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
                 + ".fail{color:#b00;font-weight:bold}.ok{color:#070}img{max-width:100%;border:1px solid #eee;margin:0.5em 0}</style></head><body>")
        h.append("<h1>\(e(report.scenario.name)): <span class=\"\(report.passed ? "ok" : "fail")\">\(report.passed ? "PASSED" : "FAILED")</span></h1>")
        if let d = report.scenario.description { h.append("<p>\(e(d))</p>") }
        h.append("<p>Run \(e(report.startedAt)), seed \(report.scenario.seed), from <code>\(e(report.file))</code>. "
                 + "<a href=\"report.md\">report.md</a> · <a href=\"report.json\">report.json</a></p>")
        for p in report.points {
            h.append("<h2>\(e(p.target)), \(p.point.threads) threads, arenas \(e(p.point.arenas.rawValue))\(p.point.arenaMax.map { ", arena_max \($0)" } ?? ""): "
                     + "<span class=\"\(p.passed ? "ok" : "fail")\">\(p.passed ? "passed" : "FAILED")</span></h2>")
            if !p.expectations.isEmpty {
                h.append("<table><tr><th>expectation</th><th>measured</th><th></th></tr>")
                for x in p.expectations {
                    h.append("<tr><td>\(e(x.expectation))</td><td>\(e(x.measured))</td><td class=\"\(x.held ? "ok" : "fail")\">\(x.held ? "held" : "FAILED " + e(x.location))</td></tr>")
                }
                h.append("</table>")
            }
            h.append("<table><tr><th>phase</th><th>ops</th><th>ops/s</th><th>held</th><th>resident</th><th>live</th><th>fragmentation</th><th>kernel requests</th><th>contention</th></tr>")
            for ph in p.phases {
                h.append("<tr><td>\(e(ph.name)) (\(ph.kind))</td><td>\(ph.ops)</td><td>\(MarkdownReport.rate(ph.opsPerSecond))</td><td>\(MarkdownReport.bytes(ph.heldBytes))</td>"
                         + "<td>\(MarkdownReport.bytes(ph.residentBytes))</td><td>\(MarkdownReport.bytes(ph.liveBytes))</td>"
                         + "<td>\(ph.fragmentation.map { String(format: "%.3f", $0) } ?? "-")</td><td>\(ph.osRequests.map(String.init) ?? "-")</td>"
                         + "<td>\(ph.locks.map { String(format: "%.2f%%", $0.contentionRate * 100) } ?? "-")</td></tr>")
            }
            h.append("</table>")
            if !p.violations.isEmpty {
                h.append("<p class=\"fail\">\(p.violations.count) violations\(p.stoppedAfter.map { "; the run stopped after " + e($0) } ?? ""); first: "
                         + "\(e(p.violations[0].invariant)) \(e(p.violations[0].message)) (details in report.md)</p>")
            }
            let label = ReportCharts.label(p)
            for f in figures where f.file.hasSuffix("-\(label).svg") { h.append("<div><img src=\"\(e(f.file))\" alt=\"\(e(f.title))\"></div>") }
        }
        for f in figures where ["throughput.svg", "contention.svg", "targets.svg"].contains(f.file) { h.append("<div><img src=\"\(e(f.file))\" alt=\"\(e(f.title))\"></div>") }
        h.append("</body></html>")
        return h.joined(separator: "\n") + "\n"
    }
}
