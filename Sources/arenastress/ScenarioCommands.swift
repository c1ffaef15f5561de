import ArenaStress
import ArgumentParser
import Foundation
import Reporting
import Scenario

/// Loading scenario files for the commands: every file's problems, or the scenarios.
enum ScenarioFiles {
    /// The scenarios in `paths`, or, if any file has a problem (bad input or something
    /// this build cannot run), every problem printed on standard error and exit 2.
    /// With `targets` (`--target`), what each target can run is asked at run time instead.
    static func load(_ paths: [String], targets: [Target]? = nil) throws -> [Scenario] {
        var scenarios: [Scenario] = []
        var problems: [ScenarioProblem] = []
        for path in paths {
            do {
                let scenario = try ScenarioLoader.load(path: path)
                let unsupported = targets == nil ? Runner.unsupported(scenario) : []
                if unsupported.isEmpty { scenarios.append(scenario) } else { problems += unsupported }
            } catch {
                problems += error.problems
            }
        }
        guard problems.isEmpty else {
            FileHandle.standardError.write(Data(problems.map { "\($0)\n" }.joined().utf8))
            throw ExitCode(2)
        }
        return scenarios
    }
}

/// What the run commands share: where reports go, how much is printed.
struct RunOutput: ParsableArguments {
    @Option(help: "The folder reports are written under.")
    var reports = "Reports"

    @Flag(help: "Print nothing but problems and where the report is.")
    var quiet = false

    @Flag(help: "Print each run's report (JSON) on standard output; everything else goes to standard error.")
    var json = false

    @Option(help: "Also write JUnit XML here: each scenario a test suite, each point's expectation a test case.")
    var junit: String?

    /// Writes the JUnit file for `reports`, if one was asked for.
    func writeJUnit(_ reports: [RunReport]) throws {
        guard let junit else { return }
        do {
            try Data(JUnitReport.render(reports).utf8).write(to: URL(fileURLWithPath: junit), options: .atomic)
        } catch {
            FileHandle.standardError.write(Data("arenastress: cannot write \(junit): \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        say("junit: \(junit)")
    }

    /// Runs `scenario`, writes its report, prints what it found.
    func run(_ scenario: Scenario) throws -> RunReport {
        let observer: RunObserver = quiet ? SilentObserver() : ProgressPrinter()
        return try write(Runner(scenario: scenario, observer: observer).run())
    }

    /// Writes `report`, prints what it found; returns it.
    func write(_ report: RunReport) throws -> RunReport {
        let folder: String
        do {
            folder = try ReportWriter.write(report, under: reports)
        } catch {
            FileHandle.standardError.write(Data("arenastress: cannot write the report under \(reports): \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        if json { print(String(decoding: try report.json(), as: UTF8.self)) }
        if !quiet { say(Summary.text(report)) }
        say("report: \(folder)/report.json")
        if !quiet { say("read:   \(folder)/report.md (or index.html, with the charts)") }
        return report
    }

    func say(_ text: String) {
        if json { FileHandle.standardError.write(Data((text + "\n").utf8)) } else { print(text) }
    }
}

/// `arenastress run FILE...`
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenario files and write a report for each.",
        discussion: """
            Every file is validated first; any problem stops everything (exit 2). \
            Exit 0 when every expectation held, 1 when one failed or an unexpected violation was found.
            """)

    @Argument(help: "Scenario files (YAML).")
    var files: [String]

    @Option(help: "Override the scenarios' seed.")
    var seed: UInt64?

    @OptionGroup var selection: TargetSelection

    @OptionGroup var output: RunOutput

    func run() throws {
        var scenarios = try ScenarioFiles.load(files, targets: selection.targets)
        if let seed { for i in scenarios.indices { scenarios[i].seed = seed } }
        let reports = try scenarios.map { scenario in try selection.targets.map { try output.run(scenario, on: $0) } ?? output.run(scenario) }
        try output.writeJUnit(reports)
        if !reports.allSatisfy(\.passed) { throw ExitCode(1) }
    }
}

/// `arenastress sweep FILE --threads 1,2,4,8 --arenas shared,glibc,per-thread`
struct SweepCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Run one scenario at several thread counts, arena policies and arena_max values.",
        discussion: "Values given here replace the file's own lists; one result per combination, in one report.")

    @Argument(help: "A scenario file (YAML).")
    var file: String

    @Option(help: "Thread counts, comma-separated (e.g. 1,2,4,8).")
    var threads: String?

    @Option(help: "Arena policies, comma-separated: glibc, per-thread, shared.")
    var arenas: String?

    @Option(name: .customLong("arena-max"), help: "arena_max values, comma-separated (model only).")
    var arenaMax: String?

    @OptionGroup var selection: TargetSelection

    @OptionGroup var output: RunOutput

    func validate() throws {
        func ints(_ text: String?, _ name: String, _ range: ClosedRange<Int>) throws {
            guard let text else { return }
            for part in text.split(separator: ",") {
                guard let n = Int(part.trimmingCharacters(in: .whitespaces)), range.contains(n) else {
                    throw ValidationError("--\(name): '\(part)' is not a number in \(range.lowerBound)...\(range.upperBound)")
                }
            }
        }
        try ints(threads, "threads", 1...1024)
        try ints(arenaMax, "arena-max", 0...4096)
        for part in arenas?.split(separator: ",") ?? [] where ArenaPolicyName(rawValue: String(part)) == nil {
            throw ValidationError("--arenas: unknown policy '\(part)'; known: glibc, per-thread, shared")
        }
    }

    func run() throws {
        var scenario = try ScenarioFiles.load([file], targets: selection.targets)[0]
        if let threads { scenario.threads.counts = threads.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! } }
        if let arenas { scenario.threads.arenas = arenas.split(separator: ",").map { ArenaPolicyName(rawValue: String($0))! } }
        if let arenaMax { scenario.tunables.arenaMaxSweep = arenaMax.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces))! } }
        let report = try selection.targets.map { try output.run(scenario, on: $0) } ?? output.run(scenario)
        try output.writeJUnit([report])
        if !report.passed { throw ExitCode(1) }
    }
}

/// `arenastress validate FILE...`
struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check scenario files without running them: every problem as file:line:column: message.",
        discussion: "Exit 0 when every file is valid, 2 otherwise.")

    @Argument(help: "Scenario files (YAML).")
    var files: [String]

    func run() throws {
        for scenario in try ScenarioFiles.load(files) {
            print("\(scenario.source): ok: \(scenario.name), \(scenario.phases.count) phases, \(scenario.sweepPoints.count) sweep points, target \(scenario.target.rawValue)")
        }
    }
}

/// `arenastress list`
struct ListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the scenarios in a folder (and its subfolders) with their descriptions.")

    @Option(help: "The folder of scenario files.")
    var directory = "Scenarios"

    func run() throws {
        guard let names = try? FileManager.default.subpathsOfDirectory(atPath: directory) else {
            FileHandle.standardError.write(Data("arenastress: \(directory): no such folder\n".utf8))
            throw ExitCode(2)
        }
        for name in names.filter({ $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }).sorted() {
            let path = "\(directory)/\(name)"
            do {
                let s = try ScenarioLoader.load(path: path)
                let description = (s.description ?? "").split(separator: "\n").joined(separator: " ")
                print("\(s.name.padding(toLength: max(24, s.name.count + 1), withPad: " ", startingAt: 0))\(description)")
            } catch {
                print("\(name.padding(toLength: max(24, name.count + 1), withPad: " ", startingAt: 0))(invalid: \(error.problems.first?.description ?? "?"))")
            }
        }
    }
}

/// `arenastress replay REPORT.json`
struct ReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay",
        abstract: "Run a report's scenario again, with the same seed and sweep points, and compare.")

    @Argument(help: "A report.json that an earlier run wrote.")
    var report: String

    @OptionGroup var output: RunOutput

    func run() throws {
        let earlier = try ReportCommand.load(report)
        // A report of `run --target` holds points of several targets: each runs again.
        var targets: [Target] = []
        for name in earlier.points.map(\.target) {
            if let target = Target(rawValue: name), !targets.contains(target) { targets.append(target) }
        }
        let again = targets == [earlier.scenario.target] ? try output.run(earlier.scenario) : try output.run(earlier.scenario, on: targets)
        for old in earlier.points {
            let point = "\(targets.count > 1 ? old.target + ", " : "")\(old.point.threads) threads, \(old.point.arenas.rawValue)"
            guard let new = again.points.first(where: { $0.target == old.target && $0.point == old.point }) else {
                output.say("replay \(point): did not run again")
                continue
            }
            let same = old.phases.map(\.ops) == new.phases.map(\.ops) && old.violations.map(\.invariant) == new.violations.map(\.invariant)
            output.say("replay \(point): ops and violations \(same ? "the same" : "DIFFER") as in \(report)")
        }
        if !again.passed { throw ExitCode(1) }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): "missing '\(key.stringValue)'"
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .dataCorrupted(let c): c.debugDescription
        @unknown default: "unreadable"
        }
    }
}

extension Error {
    /// The scenario problems this error carries, or one that says what happened.
    var problems: [ScenarioProblem] {
        if let e = self as? ScenarioErrors { return e.problems }
        return [ScenarioProblem(location: SourceLocation(file: "?", line: 1, column: 1), message: "\(self)")]
    }
}
