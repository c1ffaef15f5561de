/// `index.html` of an analyze report: report.md's tables and the charts on one page.
public enum AnalyzeHTML {
    public static func render(_ report: AnalyzeReport, figures: [ReportCharts.Figure]) -> String {
        func e(_ s: String) -> String { SVG.escape(s) }
        var h: [String] = []
        h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>analyze: \(e(report.name))</title>")
        h.append("<style>body{font-family:sans-serif;max-width:1300px;margin:2em auto;padding:0 1em}table{border-collapse:collapse;margin:1em 0}"
                 + "td,th{border:1px solid #ccc;padding:3px 8px;text-align:right}td:first-child,th:first-child{text-align:left}"
                 + "img{max-width:100%;border:1px solid #eee;margin:0.5em 0}</style></head><body>")
        h.append("<h1>analyze: \(e(report.name))</h1>")
        h.append("<p>Trace <code>\(e(report.trace))</code>: \(report.ops) ops on \(report.threads) threads, analysed \(e(report.startedAt)). "
                 + "<a href=\"report.md\">report.md</a> · <a href=\"report.json\">report.json</a></p>")
        // report.md's tables, as they are: one Markdown table a block.
        var inTable = false
        for line in AnalyzeMarkdown.render(report).split(separator: "\n", omittingEmptySubsequences: false).dropFirst(3) {
            if line.hasPrefix("|") {
                let cells = line.dropFirst(2).dropLast(2).components(separatedBy: " | ")
                if cells.allSatisfy({ $0 == "---" }) { continue }
                let tag = inTable ? "td" : "th"
                if !inTable { h.append("<table>") }
                inTable = true
                h.append("<tr>" + cells.map { "<\(tag)>\(e($0))</\(tag)>" }.joined() + "</tr>")
                continue
            }
            if inTable { h.append("</table>") }
            inTable = false
            if line.hasPrefix("### ") { h.append("<h3>\(e(String(line.dropFirst(4))))</h3>") }
            else if line.hasPrefix("## ") { h.append("<h2>\(e(String(line.dropFirst(3))))</h2>") }
            else if line.hasPrefix("![") , let f = figures.first(where: { line.contains("(\($0.file))") }) {
                h.append("<div><img src=\"\(e(f.file))\" alt=\"\(e(f.title))\"></div>")
            } else if line.hasPrefix("- ") { h.append("<p>• \(e(String(line.dropFirst(2))))</p>") }
            else if !line.isEmpty { h.append("<p>\(e(String(line)))</p>") }
        }
        if inTable { h.append("</table>") }
        h.append("</body></html>")
        return h.joined(separator: "\n") + "\n"
    }
}
