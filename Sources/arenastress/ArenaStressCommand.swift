import ArgumentParser
import Foundation

/// The `arenastress` command line.
@main
struct ArenaStress: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arenastress",
        abstract: "Stress-test a ptmalloc2 model and its peers.",
        subcommands: [RunCommand.self, SweepCommand.self, ValidateCommand.self, ListCommand.self, ReplayCommand.self, ReportCommand.self, BenchCommand.self, TraceGenCommand.self, ReplayTraceCommand.self, FidelityCommand.self, RecordCommand.self, TopologyCommand.self, PointCommand.self, AnalyzeCommand.self])

    // The project's exit status for bad input is 2 and its message one line, where
    // ArgumentParser would print a usage screen and exit 64.
    static func main() {
        Reexec.forJemallocIfNeeded()
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch {
            guard exitCode(for: error) == .validationFailure else { exit(withError: error) }
            FileHandle.standardError.write(Data("arenastress: \(message(for: error))\n".utf8))
            Glibc.exit(2)
        }
    }
}
