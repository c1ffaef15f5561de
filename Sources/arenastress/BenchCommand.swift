import ArgumentParser
import Bench
import Foundation

/// `arenastress bench`: the model and glibc on the same op streams, side by side.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time the model against glibc's malloc and the installed peers on fixed workloads.",
        discussion: """
            Each repetition runs the model, then glibc, then each installed peer (jemalloc, \
            mimalloc, tcmalloc; one line says which are missing) on the same op stream; one \
            warm-up repetition per target comes first. Times are nanoseconds per \
            malloc+free pair (lock+unlock for the lock workloads, against a plain \
            pthread mutex; per chunk walked for check-walk and check-walk-ledger, a \
            full HeapCheck of a heap of a million chunks, --ops setting the chunks, and \
            for memory-scan, the same heap's bytes read with no check, their floor; per \
            live byte for check-content, every byte of 16,384 blocks of 16 B to 4 KiB \
            verified). Workloads: \(BenchCommand.allNames.joined(separator: ", ")).
            """)

    @Option(name: .customLong("workload"), help: "Run only this workload (repeatable).")
    var workloadNames: [String] = []

    @Option(help: "Run only this target; with --single, the target to run.")
    var target: TargetName?

    @Option(help: "Timed repetitions per target after the warm-up; 5 or more for a figure (default: 7).")
    var reps: Int?

    @Option(help: "malloc+free pairs per repetition, for every workload (default: each workload's own).")
    var ops: Int?

    @Option(help: "Where to write the JSON report (default: Reports/bench/latest.json).")
    var json: String?

    @Flag(help: "No progress lines on standard error.")
    var quiet = false

    @Option(help: ArgumentHelp(
        "Run this workload once on --target, untimed, and print only its checksum: what an instruction counter measures.",
        valueName: "workload"))
    var single: String?

    mutating func validate() throws {
        for name in workloadNames where !Self.allNames.contains(name) {
            throw ValidationError("unknown workload '\(name)'; known: \(Self.allNames.joined(separator: ", "))")
        }
        if let single, Workload(name: single) == nil && Self.threadedSingle(single) == nil {
            throw ValidationError("--single takes a malloc workload: \(Self.singleNames.joined(separator: ", "))")
        }
        try FlagValues.check(reps, flag: "reps", in: 1...Self.maxReps)
        try FlagValues.check(ops, flag: "ops", in: (single == nil ? 1 : 0)...Self.maxOps)
        let walksHeap = workloadNames.isEmpty ? single == nil : workloadNames.contains { BenchRunner.checkWalkNames.contains($0) }
        if walksHeap, let ops, ops > Self.maxCheckWalkChunks {
            throw ValidationError("--ops: check-walk builds a heap of --ops chunks first, at most \(Self.maxCheckWalkChunks); found \(ops)")
        }
        if single != nil {
            guard let target, target != .plain else { throw ValidationError("--single needs --target model, glibc or a peer") }
            if let missing = target.unavailability { throw ValidationError(missing) }
            guard workloadNames.isEmpty, reps == nil, json == nil, !quiet else {
                throw ValidationError("--single takes only --target and --ops")
            }
        }
    }

    func run() throws {
        if let single, let target {
            if let workload = Workload(name: single) {
                print(BenchRunner.runOnce(workload, on: target, ops: ops ?? workload.defaultOps))
            } else if let bench = Self.threadedSingle(single) {
                print(BenchRunner.runOnce(bench, on: target, ops: ops ?? bench.defaultOps))
            }
            return
        }

        let selected = Workload.all.filter { workloadNames.isEmpty || workloadNames.contains($0.name) }
        var targets = target.map { [$0] } ?? TargetName.allCases
        for missing in targets.compactMap(\.unavailability) { FileHandle.standardError.write(Data("arenastress: skipped: \(missing)\n".utf8)) }
        targets.removeAll { $0.unavailability != nil }
        guard !targets.isEmpty else { throw ExitCode(2) }
        var runner = BenchRunner(
            workloads: selected,
            targets: targets,
            reps: reps ?? 7,
            ops: ops)
        runner.threaded = ThreadedBench.allCases.filter { workloadNames.isEmpty || workloadNames.contains($0.name) }
        runner.checkWalks = BenchRunner.checkWalkNames.filter { workloadNames.isEmpty || workloadNames.contains($0) }
        runner.harness = BenchRunner.harnessNames.filter { workloadNames.isEmpty || workloadNames.contains($0) }
        if !quiet { runner.onWorkloadDone = Self.showProgress }
        let rows = runner.run()

        let report = BenchReport(
            created: ISO8601DateFormatter().string(from: Date()),
            reps: runner.reps,
            machine: .current(),
            rows: rows)
        print(report.table(), terminator: "")
        let path = json ?? "Reports/bench/latest.json"
        try report.write(to: path)
        print("report: \(URL(fileURLWithPath: path).standardizedFileURL.path)")
    }

    /// The most timed repetitions, malloc+free pairs, and chunks of a check-walk heap
    /// (its ledger and heap are built in memory) that the options take.
    static let maxReps = 1000
    static let maxOps = 1_000_000_000
    static let maxCheckWalkChunks = 100_000_000

    /// Every workload's name, in the order the bench runs them.
    static let allNames = Workload.all.map(\.name) + ThreadedBench.allCases.map(\.name) + BenchRunner.checkWalkNames + BenchRunner.harnessNames

    /// The threaded workloads `--single` runs: the lock rows allocate nothing.
    private static let threadedSingles = ThreadedBench.allCases.filter { !$0.isLock }

    /// The threaded workload `name` if `--single` can run it.
    private static func threadedSingle(_ name: String) -> ThreadedBench? { threadedSingles.first { $0.name == name } }

    /// The workloads `--single` runs: every one that calls malloc and free.
    static let singleNames = Workload.all.map(\.name) + threadedSingles.map(\.name)

    private static func showProgress(_ rows: [BenchReport.Row]) {
        let medians = rows.map { "\($0.target) " + String(format: "%.2f ns", $0.nsPerOp.median) }
        let line = "\(rows[0].workload): \(medians.joined(separator: ", "))\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
extension TargetName: ExpressibleByArgument {}
