import Foundation

/// Writes a run's folder: `report.json`, `report.md`, the charts (SVG) and `index.html`,
/// under `<directory>/<scenario>/<time>/`, and points `<directory>/latest` at it.
/// Files are written to a temporary name and renamed: each appears whole or not at all.
public enum ReportWriter {
    /// Writes everything; returns the folder.
    public static func write(_ report: RunReport, under directory: String) throws -> String {
        let folder = try newFolder(under: directory, named: report.scenario.name)
        try report.json().write(to: URL(fileURLWithPath: "\(folder)/report.json"), options: .atomic)
        try writePages(report, in: folder)
        try pointLatest(at: folder, in: directory)
        return folder
    }

    /// Creates `<directory>/<name>/<time>/` (`-2`, `-3` ... after it if taken); returns it.
    static func newFolder(under directory: String, named name: String) throws -> String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let stamp = formatter.string(from: Date())
        let fm = FileManager.default
        var folder = "\(directory)/\(name)/\(stamp)"
        var n = 1
        while fm.fileExists(atPath: folder) {
            n += 1
            folder = "\(directory)/\(name)/\(stamp)-\(n)"
        }
        try fm.createDirectory(atPath: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Writes `report.md`, the charts and `index.html` into `folder`; returns the number
    /// of charts.
    @discardableResult
    public static func writePages(_ report: RunReport, in folder: String) throws -> Int {
        let figures = ReportCharts.figures(report)
        try Data(MarkdownReport.render(report, figures: figures).utf8).write(to: URL(fileURLWithPath: "\(folder)/report.md"), options: .atomic)
        for f in figures { try Data(f.svg.utf8).write(to: URL(fileURLWithPath: "\(folder)/\(f.file)"), options: .atomic) }
        try Data(HTMLIndex.render(report, figures: figures).utf8).write(to: URL(fileURLWithPath: "\(folder)/index.html"), options: .atomic)
        return figures.count
    }

    /// `<directory>/latest` -> the newest run's folder (relative), replaced atomically.
    static func pointLatest(at folder: String, in directory: String) throws {
        let target = String(folder.dropFirst(directory.count + 1))
        let temporary = "\(directory)/.latest-\(getpid())"
        try? FileManager.default.removeItem(atPath: temporary)
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: target)
        guard rename(temporary, "\(directory)/latest") == 0 else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: "\(directory)/latest"])
        }
    }
}
