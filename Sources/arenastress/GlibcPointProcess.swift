import ArenaStress
import ArgumentParser
import Foundation
import Reporting
import Scenario

/// Real glibc at a sweep point's settings: the point runs in a child process (this
/// executable's hidden `point` command) started with the point's GLIBC_TUNABLES, which
/// glibc reads only at start-up; the child prints the point's report as JSON.
enum GlibcPointProcess {
    /// A runner for `scenario` whose glibc points each run in a child process.
    static func runner(_ scenario: Scenario, observer: RunObserver) -> Runner {
        let runner = Runner(scenario: scenario, observer: observer)
        runner.glibcPointInChild = { [unowned runner] point, tunables in
            run(scenario, point, tunables: tunables) ?? runner.notRun(point, because: "the child process running glibc at \(tunables.joined(separator: ":")) gave no report")
        }
        return runner
    }

    /// The report of `point` run in a child with `tunables` added to GLIBC_TUNABLES; nil
    /// when the child could not start or gave no report (it said why on standard error).
    static func run(_ scenario: Scenario, _ point: SweepPoint, tunables: [String]) -> PointReport? {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("arenastress-point-\(getpid())-\(UInt64.random(in: 0...UInt64.max)).yaml")
        guard (try? Data(scenario.yaml.utf8).write(to: file)) != nil else { return nil }
        defer { try? FileManager.default.removeItem(at: file) }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/proc/self/exe")
        var arguments = ["point", file.path, "--threads", String(point.threads), "--arenas", point.arenas.rawValue]
        if let arenaMax = point.arenaMax { arguments += ["--arena-max", String(arenaMax)] }
        process.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        let inherited = environment["GLIBC_TUNABLES"].map { [$0] } ?? []
        environment["GLIBC_TUNABLES"] = (inherited + tunables).joined(separator: ":")
        process.environment = environment
        let output = Pipe()
        process.standardOutput = output
        guard (try? process.run()) != nil else { return nil }
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard var report = try? JSONDecoder().decode(PointReport.self, from: data) else { return nil }
        report.glibcTunables = tunables
        return report
    }
}

/// `arenastress point FILE --threads N --arenas P`: one sweep point of a scenario on
/// target glibc, its report as JSON on standard output. Started by `GlibcPointProcess`
/// in a child process with the point's GLIBC_TUNABLES; not for direct use.
struct PointCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "point", abstract: "Run one sweep point on glibc (internal).",
                                                    shouldDisplay: false)

    @Argument var file: String
    @Option var threads: Int
    @Option var arenas: String
    @Option(name: .customLong("arena-max")) var arenaMax: Int?

    func run() throws {
        var scenario = try ScenarioFiles.load([file], targets: [.glibc])[0]
        scenario.target = .glibc
        guard let policy = ArenaPolicyName(rawValue: arenas), (1...Scenario.maxThreads).contains(threads) else {
            throw ValidationError("point: bad --threads or --arenas")
        }
        let report = Runner(scenario: scenario).runPoint(SweepPoint(threads: threads, arenas: policy, arenaMax: arenaMax))
        let encoder = JSONEncoder()
        FileHandle.standardOutput.write(try encoder.encode(report))
    }
}
