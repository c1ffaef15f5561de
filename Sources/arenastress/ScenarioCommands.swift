import ArenaStress
import ArgumentParser
import Foundation
import Reporting
import Scenario

/// Loading scenario files for the commands: every file's problems, or the scenarios.
enum ScenarioFiles {
    /// The scenarios in `paths`, or, if any file has a problem (bad input, something
    /// this build cannot run, or more than this machine gives), every problem printed
    /// on standard error and exit 2. With `targets` (`--target`), what each target can
    /// run is asked at run time instead.
    static func load(_ paths: [String], targets: [Target]? = nil) throws -> [Scenario] {
        var scenarios: [Scenario] = []
        var problems: [ScenarioProblem] = []
        for path in paths {
            do {
                let scenario = try ScenarioLoader.load(path: path)
                var refused = targets == nil ? Runner.unsupported(scenario) : []
                // What a run needs depends on its target (the pool reserves its blocks).
                for target in targets ?? [scenario.target] {
                    var variant = scenario
                    variant.target = target
                    refused += machineProblems(variant).filter { !refused.contains($0) }
                }
                if refused.isEmpty { scenarios.append(scenario) } else { problems += refused }
            } catch {
                problems += error.problems
            }
        }
        try refuse(problems)
        return scenarios
    }

    /// What the scenario in its file would need before its first op and this machine
    /// does not give, each at the key responsible.
    static func machineProblems(_ scenario: Scenario) -> [ScenarioProblem] {
        RunNeeds(scenario).problems(on: .current) { key in
            ScenarioLoader.location(of: key, inFile: scenario.source) ?? SourceLocation(file: scenario.source, line: 1, column: 1)
        }
    }

    /// Prints `problems` on standard error and exits 2, if there are any.
    static func refuse(_ problems: [ScenarioProblem]) throws {
        guard !problems.isEmpty else { return }
        FileHandle.standardError.write(Data(problems.map { "\($0)\n" }.joined().utf8))
        throw ExitCode(2)
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

    func validate() throws {
        if reports.isEmpty { throw ValidationError("--reports: expected a folder, found ''") }
        if junit == "" { throw ValidationError("--junit: expected a file, found ''") }
    }

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
        return try write(GlibcPointProcess.runner(scenario, observer: observer).run())
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
        if let cut = report.points.first(where: { $0.endedEarly != nil }), let why = cut.endedEarly {
            let point = "\(cut.target), \(cut.point.threads) threads, \(cut.point.arenas.rawValue)"
            FileHandle.standardError.write(Data("arenastress: \(report.file): \(point): \(why); the run ended there, its report holds what ran\n".utf8))
            throw ExitCode(2)
        }
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

    @Option(name: .customLong("arena-max"), help: "arena_max values, comma-separated (model and glibc).")
    var arenaMax: String?

    @OptionGroup var selection: TargetSelection

    @OptionGroup var output: RunOutput

    func validate() throws { _ = try overrides() }

    /// The flags' lists: thread counts, arena policies, arena_max values (nil: the file's).
    private func overrides() throws -> (threads: [Int]?, arenas: [ArenaPolicyName]?, arenaMax: [Int]?) {
        let threads = try self.threads.map { try FlagValues.ints($0, flag: "threads", in: 1...Scenario.maxThreads, example: "1,2,4,8") }
        let arenaMax = try self.arenaMax.map { try FlagValues.ints($0, flag: "arena-max", in: 0...Scenario.maxArenaMax, example: "1,2,8") }
        let known = ArenaPolicyName.allCases.map(\.rawValue)
        let arenas = try self.arenas.map { text in
            try FlagValues.list(text, flag: "arenas", example: known.joined(separator: ",")).map { name in
                guard let policy = ArenaPolicyName(rawValue: name) else {
                    throw ValidationError("--arenas: unknown policy '\(name)'; known: \(known.joined(separator: ", "))")
                }
                return policy
            }
        }
        return (threads, arenas, arenaMax)
    }

    func run() throws {
        var scenario = try ScenarioFiles.load([file], targets: selection.targets)[0]
        let (threads, arenas, arenaMax) = try overrides()
        if let threads { scenario.threads.counts = threads }
        if let arenas { scenario.threads.arenas = arenas }
        if let arenaMax {
            guard selection.targets != nil || scenario.target == .model || scenario.target == .glibc else {
                throw ValidationError("--arena-max: only targets 'model' and 'glibc' take tunables, \(file)'s target is '\(scenario.target.rawValue)'")
            }
            scenario.tunables.arenaMaxSweep = arenaMax
            scenario.tunables.arenaMax = arenaMax.first
        }
        // The flags' thread counts may need more than the file's did.
        if let problem = ScenarioFiles.machineProblems(scenario).first(where: { threads != nil && $0.message.hasPrefix("threads.count") }) {
            throw ValidationError("--threads: \(problem.message.drop { $0 != " " }.dropFirst())")
        }
        try ScenarioFiles.refuse(ScenarioFiles.machineProblems(scenario))
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
        let scenario = try Self.check(earlier.scenario, of: report)
        // A report of `run --target` holds points of several targets: each runs again.
        var targets: [Target] = []
        for name in earlier.points.map(\.target) {
            if let target = Target(rawValue: name), !targets.contains(target) { targets.append(target) }
        }
        let again = targets == [scenario.target] ? try output.run(scenario) : try output.run(scenario, on: targets)
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

    /// Refuses (exit 2) a report's scenario that a file with its values would not pass:
    /// the validator's problems and what this machine cannot give, each at the report's
    /// `scenario` key with the field named (an edited report, say). Returns the scenario
    /// as validated, the one to run.
    static func check(_ scenario: Scenario, of report: String) throws -> Scenario {
        let place = scenarioKey(in: report)
        var problems: [ScenarioProblem] = []
        var validated = scenario
        do {
            validated = try ScenarioLoader.validate(scenario, as: report)
            problems = RunNeeds(validated).problems(on: .current) { _ in place }
        } catch {
            problems = error.problems
        }
        try ScenarioFiles.refuse(problems.map { ScenarioProblem(location: place, message: "scenario: \($0.message)") })
        return validated
    }

    /// Where the top-level `"scenario"` key of a report (pretty-printed JSON) is.
    static func scenarioKey(in report: String) -> SourceLocation {
        let text = (try? String(contentsOfFile: report, encoding: .utf8)) ?? ""
        for (i, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.hasPrefix("  \"scenario\"") {
            return SourceLocation(file: report, line: i + 1, column: 3)
        }
        return SourceLocation(file: report, line: 1, column: 1)
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
