/// The charts of an analyze report: per configuration, held, resident and live bytes
/// against the op index.
public enum AnalyzeCharts {
    /// The chart file of `configuration`: `memory-<name>.svg`, its name made safe for a file.
    public static func file(_ configuration: AnalyzedConfiguration) -> String {
        "memory-" + String(configuration.name.map { $0.isLetter || $0.isNumber ? $0 : "-" }) + ".svg"
    }

    /// The heap map file of `configuration`: `heaps-<name>.svg`.
    public static func heapMapFile(_ configuration: AnalyzedConfiguration) -> String {
        "heaps-" + String(configuration.name.map { $0.isLetter || $0.isNumber ? $0 : "-" }) + ".svg"
    }

    /// Every chart: its file, title and SVG text.
    public static func figures(_ report: AnalyzeReport) -> [ReportCharts.Figure] {
        memoryFigures(report) + report.configurations.compactMap { c in
            let rows = c.heapMapsAtPeak.map { (label: "peak: arena \($0.arena) heap \($0.heap)", map: $0) }
                + c.heapMapsAtEnd.map { (label: "end: arena \($0.arena) heap \($0.heap)", map: $0) }
            guard !rows.isEmpty else { return nil }
            let title = "\(report.name), \(c.name): the model's heaps at the peak of held bytes and at the end"
            return ReportCharts.Figure(file: heapMapFile(c), title: title, svg: HeapMapChart.svg(title: title, rows: rows))
        }
    }

    static func memoryFigures(_ report: AnalyzeReport) -> [ReportCharts.Figure] {
        report.configurations.map { c in
            let title = "\(report.name), \(c.name): memory over the trace"
            let series = [
                Chart.Series(name: "held", points: c.memory.map { (Double($0.op), Double($0.heldBytes)) }),
                Chart.Series(name: "resident", points: c.memory.compactMap { s in s.residentBytes.map { (Double(s.op), Double($0)) } }),
                Chart.Series(name: "live", points: c.memory.map { (Double($0.op), Double($0.liveBytes)) }),
            ]
            return ReportCharts.Figure(file: file(c), title: title,
                                       svg: Chart.lines(title: title, xLabel: "op index", yLabel: "bytes", series: series))
        }
    }
}
