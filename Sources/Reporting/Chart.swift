import Foundation

/// Charts drawn as SVG: lines over a numeric or categorical x axis, grouped bars on a
/// logarithmic y axis, each with a title, labelled axes with units, and a legend.
enum Chart {
    struct Series {
        var name: String
        var points: [(x: Double, y: Double)]
    }

    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]
    static let plot = (left: 80.0, top: 40.0, width: 560.0, height: 300.0)

    /// Lines through `series`; `categories` names the x positions 0, 1, 2 ... when the x
    /// axis is not numeric.
    static func lines(title: String, xLabel: String, yLabel: String, series: [Series], categories: [String]? = nil) -> String {
        var svg = SVG(width: 820, height: 400)
        let xs = series.flatMap { $0.points.map(\.x) }, ys = series.flatMap { $0.points.map(\.y) }
        let xMin = categories == nil ? (xs.min() ?? 0) : 0, xMax = categories.map { Double(max($0.count - 1, 1)) } ?? max(xs.max() ?? 1, xMin + 1)
        let yMax = niceCeiling(max(ys.max() ?? 1, 1e-9))
        let p = plot
        func px(_ x: Double) -> Double { p.left + (xMax == xMin ? p.width / 2 : (x - xMin) / (xMax - xMin) * p.width) }
        func py(_ y: Double) -> Double { p.top + p.height - y / yMax * p.height }
        frame(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
        for i in 0...5 {
            let v = yMax * Double(i) / 5
            svg.line(p.left, py(v), p.left + p.width, py(v), stroke: "#ddd")
            svg.text(p.left - 6, py(v) + 4, axisNumber(v), size: 11, anchor: .end)
        }
        // A numeric axis labels each x, or some ten evenly spaced ones when there are many.
        let distinct = Array(Set(xs)).sorted()
        let labelled = distinct.count <= 12 ? distinct : (0...10).map { xMin + (xMax - xMin) * Double($0) / 10 }
        let ticks: [(Double, String)] = categories.map { $0.enumerated().map { (Double($0.offset), $0.element) } }
            ?? labelled.map { ($0, axisNumber($0)) }
        for (x, label) in ticks { svg.text(px(x), p.top + p.height + 16, label, size: 11, anchor: .middle) }
        for (i, s) in series.enumerated() {
            let color = palette[i % palette.count]
            let points = s.points.sorted { $0.x < $1.x }.map { (px($0.x), py($0.y)) }
            if points.count > 1 { svg.polyline(points, stroke: color) }
            for (point, raw) in zip(points, s.points.sorted { $0.x < $1.x }) {
                svg.circle(point.0, point.1, 3.5, fill: color, title: "\(s.name): \(axisNumber(raw.y))")
            }
        }
        legend(&svg, series.map(\.name))
        return svg.document
    }

    /// Bars in groups (one group per label, one bar per series), y on a log10 scale.
    static func logBars(title: String, xLabel: String, yLabel: String, groups: [String], series: [Series]) -> String {
        var svg = SVG(width: 820, height: 400)
        let ys = series.flatMap { $0.points.map(\.y) }.filter { $0 > 0 }
        let lo = floor(log10(max(ys.min() ?? 1, 1))), hi = max(ceil(log10(max(ys.max() ?? 10, 10))), lo + 1)
        let p = plot
        func py(_ y: Double) -> Double { p.top + p.height - (log10(max(y, 1)) - lo) / (hi - lo) * p.height }
        frame(&svg, title: title, xLabel: xLabel, yLabel: yLabel)
        for e in Int(lo)...Int(hi) {
            let v = pow(10, Double(e))
            svg.line(p.left, py(v), p.left + p.width, py(v), stroke: "#ddd")
            svg.text(p.left - 6, py(v) + 4, axisNumber(v), size: 11, anchor: .end)
        }
        let groupWidth = p.width / Double(max(groups.count, 1))
        let barWidth = groupWidth * 0.8 / Double(max(series.count, 1))
        for (g, label) in groups.enumerated() {
            let x0 = p.left + Double(g) * groupWidth + groupWidth * 0.1
            svg.text(x0 + groupWidth * 0.4, p.top + p.height + 16, label, size: 11, anchor: .middle)
            for (i, s) in series.enumerated() {
                guard let point = s.points.first(where: { Int($0.x) == g }), point.y > 0 else { continue }
                let top = py(point.y)
                svg.rect(x0 + Double(i) * barWidth, top, barWidth * 0.9, p.top + p.height - top, fill: palette[i % palette.count],
                         title: "\(label) \(s.name): \(axisNumber(point.y))")
            }
        }
        legend(&svg, series.map(\.name))
        return svg.document
    }

    private static func frame(_ svg: inout SVG, title: String, xLabel: String, yLabel: String) {
        let p = plot
        svg.text(p.left, 22, title, size: 15, bold: true)
        svg.line(p.left, p.top, p.left, p.top + p.height)
        svg.line(p.left, p.top + p.height, p.left + p.width, p.top + p.height)
        svg.text(p.left + p.width / 2, p.top + p.height + 40, xLabel, size: 12, anchor: .middle)
        svg.text(22, p.top + p.height / 2, yLabel, size: 12, anchor: .middle, rotate: true)
    }

    private static func legend(_ svg: inout SVG, _ names: [String]) {
        for (i, name) in names.enumerated() {
            let y = plot.top + 10 + Double(i) * 20
            svg.rect(plot.left + plot.width + 20, y - 9, 12, 12, fill: palette[i % palette.count])
            svg.text(plot.left + plot.width + 38, y + 1, name, size: 12)
        }
    }

    /// 1, 2 or 5 times a power of ten, at least `v`.
    static func niceCeiling(_ v: Double) -> Double {
        let e = pow(10, floor(log10(v)))
        for m in [1.0, 2, 5, 10] where m * e >= v { return m * e }
        return 10 * e
    }

    static func axisNumber(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e9 { return String(format: "%.3gG", v / 1e9) }
        if a >= 1e6 { return String(format: "%.3gM", v / 1e6) }
        if a >= 1e3 { return String(format: "%.3gk", v / 1e3) }
        return String(format: "%.3g", v)
    }
}
