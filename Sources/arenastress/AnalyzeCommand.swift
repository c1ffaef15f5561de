import ArenaModel
import ArgumentParser
import Fidelity
import Foundation
import Reporting
import TraceAnalysis

/// `arenastress analyze`: a program's trace replayed once per configuration, on the
/// model and on the real allocators, with where the model's memory stays.
struct AnalyzeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "analyze",
        abstract: "Replay a program's trace per configuration: memory, arenas, where free bytes sit, what trim gives back.",
        discussion: """
            Replays TRACE (the format of trace-gen and replay-trace; `arenastress record` writes \
            one) once per configuration: each --arena-max value ('default' for the trace's own \
            tunables), with the --tunable settings over the trace's. The model replays the ops \
            one at a time in trace order, deterministically; each real allocator of --target \
            replays the trace in a child process of its own (glibc-replay --measure; glibc under \
            GLIBC_TUNABLES for the configuration, a peer preloaded with LD_PRELOAD). Writes \
            report.json, report.md, index.html and a memory chart per configuration under \
            REPORTS/analyze/<trace name>/<time>/ and prints a summary. --concurrent adds a replay \
            on the model with each trace thread on a pinned pthread of its own (a free waits for \
            its malloc): each arena lock's acquisitions, contended ones and waits. If TRACE.callers exists \
            (`record --callers` writes it), reports name the caller of the block that keeps a heap's top \
            from shrinking.
            """)

    @Argument(help: "The trace file.")
    var file: String

    @Option(name: .customLong("arena-max"), help: "Comma list of arena_max values to replay under ('default': the trace's own), e.g. 1,2,4,8.")
    var arenaMax = "default"

    @Option(name: .customLong("tunable"), help: "NAME=VALUE: a malloc tunable over the trace's, for every configuration (repeatable).")
    var tunables: [String] = []

    @Option(name: .customLong("target"),
            help: "Comma list of allocators: model (always replayed), glibc, jemalloc, mimalloc, tcmalloc, or 'all'.")
    var target = "model,glibc"

    @Flag(help: "Also replay on the model with the trace's threads at once, each on a pinned pthread: each arena lock's contention.")
    var concurrent = false

    @Flag(help: "Print the report (JSON) on standard output; everything else goes to standard error.")
    var json = false

    @Option(help: "The folder reports are written under.")
    var reports = "Reports"

    @Option(help: "The glibc-replay executable (default: beside this one).")
    var replayer: String?

    static let realTargets = ["glibc", "jemalloc", "mimalloc", "tcmalloc"]

    /// The configurations' arena_max values, nil for the trace's own.
    func arenaMaxValues() throws -> [Int?] {
        let items = try FlagValues.list(arenaMax, flag: "arena-max", example: "1,2,4,8")
        let values = try items.map { item -> Int? in
            if item == "default" { return nil }
            guard let n = Int(item) else {
                throw ValidationError("--arena-max: '\(item)' is not a whole number or 'default'; expected a list such as 1,2,4,8")
            }
            try FlagValues.check(n, flag: "arena-max", in: 1...(1 << 20))
            return n
        }
        if Set(values.map { $0 ?? 0 }).count != values.count { throw ValidationError("--arena-max: a value is named twice") }
        return values
    }

    /// The real allocators asked for, in the order given.
    func realTargets() throws -> [String] {
        let names = try FlagValues.list(target, flag: "target", example: "model,glibc")
        if names == ["all"] { return Self.realTargets }
        for name in names where name != "model" && !Self.realTargets.contains(name) {
            throw ValidationError("--target: unknown target '\(name)'; known: all, model, \(Self.realTargets.joined(separator: ", "))")
        }
        if Set(names).count != names.count { throw ValidationError("--target: a target is named twice") }
        return names.filter { $0 != "model" }
    }

    func validate() throws {
        _ = try arenaMaxValues()
        _ = try realTargets()
        _ = try TraceCommands.overrides(tunables)
        if reports.isEmpty { throw ValidationError("--reports: expected a folder, found ''") }
    }

    func run() throws {
        let overrides = try TraceCommands.overrides(tunables)
        let started = Date()
        let source: TraceSource
        do {
            source = try TraceSource(path: file)
        } catch {
            try TraceCommands.fail(error.description, status: 2)
        }
        var base = source.trace.tunables
        for (name, value) in overrides { base.apply(traceComment: "\(Tunables.traceCommentPrefix) \(name)=\(value)") }
        let configurations = try arenaMaxValues().map { value -> AnalysisConfiguration in
            guard let value else { return AnalysisConfiguration(name: "default", tunables: base) }
            var t = base
            t.apply(traceComment: "\(Tunables.traceCommentPrefix) arena_max=\(value)")
            return AnalysisConfiguration(name: "arena_max=\(value)", tunables: t)
        }
        let real = try realTargets()
        let glibcReplay = Result { try GlibcReplayer.locate(replayer) }

        var analysed: [AnalyzedConfiguration] = []
        for configuration in configurations {
            say("\(configuration.name): replaying on the model", always: false)
            var result = TraceAnalyzer.model(source, configuration)
            if concurrent {
                say("\(configuration.name): replaying on the model, the trace's threads at once", always: false)
                do {
                    result.concurrent = try TraceAnalyzer.concurrent(source, configuration)
                } catch {
                    try TraceCommands.fail("arenastress: \(file): the concurrent replay stopped: \(error)", status: 2)
                }
            }
            for target in real {
                say("\(configuration.name): replaying on \(target)", always: false)
                switch glibcReplay {
                case .success(let replayer): result.real.append(TraceAnalyzer.real(source, configuration, target: target, replayer: replayer))
                case .failure(let error): result.real.append(RealReplay(target: target, note: "not available: \(error)"))
                }
            }
            analysed.append(result)
        }
        let name = URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
        let report = AnalyzeReport(trace: file, name: name.isEmpty ? "trace" : name, startedAt: started, ops: source.trace.events.count,
                                   threads: source.threads, callers: source.callersPath, configurations: analysed)
        let folder: String
        do {
            folder = try AnalyzeReportWriter.write(report, under: reports)
        } catch {
            try TraceCommands.fail("arenastress: cannot write the report under \(reports): \(error.localizedDescription)", status: 2)
        }
        if json { print(String(decoding: try report.json(), as: UTF8.self)) }
        say(AnalyzeSummary.text(report), always: true)
        say("report: \(folder)/report.json", always: true)
        say("read:   \(folder)/report.md (or index.html, with the charts)", always: true)
    }

    /// Progress and the summary: on standard output, or standard error under --json.
    private func say(_ text: String, always: Bool) {
        guard always else {
            FileHandle.standardError.write(Data((text + "\n").utf8))
            return
        }
        if json { FileHandle.standardError.write(Data((text + "\n").utf8)) } else { print(text) }
    }
}
