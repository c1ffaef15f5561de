import ArgumentParser
import Foundation
import Reporting

/// `arenastress report ...`: work with reports that runs wrote.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Work with run reports.",
        subcommands: [CompareCommand.self, RenderCommand.self])

    /// `arenastress report compare A.json B.json`
    struct CompareCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "compare",
            abstract: "Two reports' key numbers side by side, with the change from the first to the second.")

        @Argument(help: "The earlier report.json.")
        var a: String
        @Argument(help: "The later report.json.")
        var b: String

        func run() throws {
            print(ReportComparison.render(try ReportCommand.load(a), try ReportCommand.load(b), names: (a, b)), terminator: "")
        }
    }

    /// `arenastress report render REPORT.json`: report.md, charts and index.html again.
    struct RenderCommand: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "render",
            abstract: "Write report.md, the charts and index.html again beside a report.json (after an upgrade, say).")

        @Argument(help: "A report.json that a run wrote.")
        var report: String

        func run() throws {
            let r = try ReportCommand.load(report)
            let folder = URL(fileURLWithPath: report).deletingLastPathComponent().path
            let charts = try ReportWriter.writePages(r, in: folder)
            print("rendered: \(folder)/report.md, index.html, \(charts) charts")
        }
    }

    /// A report read from `path`, or one line and exit 2.
    static func load(_ path: String) throws -> RunReport {
        do {
            return try RunReport.decode(Data(contentsOf: URL(fileURLWithPath: path)))
        } catch let error as DecodingError {
            FileHandle.standardError.write(Data("\(path):1:1: not a report arenastress wrote: \(ReplayCommand.describe(error))\n".utf8))
        } catch {
            FileHandle.standardError.write(Data("\(path):1:1: \(error.localizedDescription)\n".utf8))
        }
        throw ExitCode(2)
    }
}
