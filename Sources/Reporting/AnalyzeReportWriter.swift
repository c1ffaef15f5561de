import Foundation

/// Writes an analyze report's folder, `<directory>/analyze/<trace name>/<time>/`, as
/// `ReportWriter` writes a run's: report.json, report.md, the charts and index.html,
/// each file whole or not at all, and `<directory>/analyze/latest` pointing at it.
public enum AnalyzeReportWriter {
    /// Writes everything; returns the folder.
    public static func write(_ report: AnalyzeReport, under directory: String) throws -> String {
        let parent = "\(directory)/analyze"
        let folder = try ReportWriter.newFolder(under: parent, named: report.name)
        func put(_ text: String, _ file: String) throws {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(folder)/\(file)"), options: .atomic)
        }
        try report.json().write(to: URL(fileURLWithPath: "\(folder)/report.json"), options: .atomic)
        let figures = AnalyzeCharts.figures(report)
        try put(AnalyzeMarkdown.render(report), "report.md")
        for f in figures { try put(f.svg, f.file) }
        try put(AnalyzeHTML.render(report, figures: figures), "index.html")
        try ReportWriter.pointLatest(at: folder, in: parent)
        return folder
    }
}
