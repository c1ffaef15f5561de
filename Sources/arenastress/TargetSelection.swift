import ArenaStress
import ArgumentParser
import Foundation
import Reporting
import Scenario

/// `--target all` or `--target model,glibc,jemalloc`: the allocators to run a scenario
/// on, in place of the file's own `target`.
struct TargetSelection: ParsableArguments {
    @Option(name: .customLong("target"),
            help: "Run on these targets instead of the file's: 'all' or a comma list of \(Target.allCases.map(\.rawValue).joined(separator: ", ")).")
    var list: String?

    /// The targets asked for, in the order given; nil for the file's own.
    var targets: [Target]? {
        guard let list else { return nil }
        if list == "all" { return Target.allCases }
        return list.split(separator: ",").compactMap { Target(rawValue: $0.trimmingCharacters(in: .whitespaces)) }
    }

    func validate() throws {
        guard let list, list != "all" else { return }
        let names = list.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        for name in names where Target(rawValue: name) == nil {
            throw ValidationError("--target: unknown target '\(name)'; known: all, \(Target.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        if Set(names).count != names.count { throw ValidationError("--target: a target is named twice") }
    }
}

extension RunOutput {
    /// Runs `scenario` on each of `targets` in turn; one report whose points name their
    /// target. A target that cannot run the scenario (not installed, or the scenario
    /// needs the model) gets one line on standard error and the others still run.
    func run(_ scenario: Scenario, on targets: [Target]) throws -> RunReport {
        let started = Date()
        var points: [PointReport] = []
        var notes: [String] = []
        for target in targets {
            var variant = scenario
            variant.target = target
            if let problem = Runner.unsupported(variant).first {
                FileHandle.standardError.write(Data("arenastress: \(target.rawValue) skipped: \(problem.message)\n".utf8))
                continue
            }
            if !quiet { FileHandle.standardError.write(Data("target \(target.rawValue):\n".utf8)) }
            let observer: RunObserver = quiet ? SilentObserver() : ProgressPrinter()
            let report = GlibcPointProcess.runner(variant, observer: observer).run()
            points += report.points
            notes += report.notes ?? []
            // The machine refused something midway: the run ends with what ran.
            if points.contains(where: { $0.endedEarly != nil }) { break }
        }
        guard !points.isEmpty else {
            FileHandle.standardError.write(Data("arenastress: \(scenario.name): none of the targets could run\n".utf8))
            throw ExitCode(2)
        }
        return try write(Runner.report(scenario, startedAt: started, points: points, notes: notes))
    }
}
