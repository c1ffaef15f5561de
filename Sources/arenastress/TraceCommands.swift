import ArenaModel
import ArgumentParser
import Fidelity
import Foundation

/// `arenastress trace-gen`: writes one of the fidelity check's traces to a file.
struct TraceGenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trace-gen",
        abstract: "Write an op trace (the format replay-trace and glibc-replay read).",
        discussion: """
            Kinds: random (--ops ops), simple (--ops rounds), swiss-cheese (--ops blocks), \
            million (--ops malloc/free pairs), pool (--ops reuses), threshold (fixed), \
            threads (--ops ops on 2 to 16 threads, the tunables in the header). \
            Without --ops each kind has the size of its seed scenario.
            """)

    @Option(help: "The kind of trace: \(TraceKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kind: String

    @Option(help: "The seed of the trace's random choices.")
    var seed: UInt64 = 1

    @Option(help: "The trace's size, in the kind's unit.")
    var ops: Int?

    @Option(name: .short, help: "The file to write.")
    var output: String

    func validate() throws {
        if TraceKind(rawValue: kind) == nil {
            throw ValidationError("unknown kind '\(kind)'; known: \(TraceKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        try FlagValues.check(ops, flag: "ops", in: 0...TraceCommands.maxOps)
    }

    func run() throws {
        let trace = TraceGenerator.trace(TraceKind(rawValue: kind)!, seed: seed, count: ops)
        do {
            try trace.write(to: output)
        } catch {
            try TraceCommands.fail(error.description, status: 2)
        }
        print("\(output): \(trace.events.count) ops")
    }
}

/// `arenastress replay-trace`: a trace on the model, op by op, or against glibc.
struct ReplayTraceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "replay-trace",
        abstract: "Replay an op trace on the model; with --compare, against this machine's glibc too.",
        discussion: """
            Without --compare, prints one line per op, as glibc-replay does: `p OFFSET HEAD BRK` \
            (a main-heap chunk), `q ARENA HEAP OFFSET HEAD BRK` (a non-main heap's chunk), \
            `m HEAD BRK` (mmapped), `n BRK` (null), `f BRK` (free), `t 0|1 BRK` (trim), \
            `e BRK` (thread exit), then `h ARENA HEAP SIZE` for each non-main heap the op \
            resized (0: deleted); hex numbers, offsets from the heap's start. With --compare, \
            prints the first divergence with both sides' arenas and bins, then \
            `fidelity: N/M ops identical`; exit status 1 if any op differs. The trace's \
            `# tunables:` apply to both sides; --tunable overrides them.
            """)

    @Argument(help: "The trace file.")
    var file: String

    @Flag(help: "Replay on glibc (glibc-replay) as well and compare.")
    var compare = false

    @Option(help: "The glibc-replay executable (default: beside this one).")
    var replayer: String?

    @Option(name: .customLong("tunable"), help: "NAME=VALUE: a malloc tunable for both sides, over the trace's (repeatable).")
    var tunables: [String] = []

    func validate() throws { _ = try TraceCommands.overrides(tunables) }

    func run() throws {
        let overrides = try TraceCommands.overrides(tunables)
        do {
            guard compare else {
                let trace = try Trace.read(from: file)
                let replayer = ModelReplayer(
                    tunables: Differential(replayer: GlibcReplayer(path: ""), directory: "", overrides: overrides).tunables(of: trace),
                    slotCount: trace.slotCount)
                var out = TraceCommands.Output()
                var results: [ReplayResult] = []
                for event in trace.events {
                    replayer.run(event, into: &results)
                    for result in results { out.line(result.description) }
                    results.removeAll(keepingCapacity: true)
                }
                out.flush()
                return
            }
            let differential = Differential(replayer: try GlibcReplayer.locate(replayer), directory: NSTemporaryDirectory(),
                                            overrides: overrides)
            let comparison = try differential.compare(file: file, name: file)
            if comparison.firstDivergence != nil { print(comparison.report) }
            print("fidelity: \(comparison.identical)/\(comparison.ops) ops identical")
            if comparison.identical != comparison.ops { throw ExitCode(1) }
        } catch let error as TraceError {
            try TraceCommands.fail(error.description, status: 2)
        } catch let error as FidelityError {
            try TraceCommands.fail("arenastress: \(error)", status: 1)
        }
    }
}

/// `arenastress fidelity`: the named traces and many random ones, model against glibc.
struct FidelityCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fidelity",
        abstract: "Compare the model with this machine's glibc, op by op, on the fidelity traces.",
        discussion: """
            Runs the named traces (simple, swiss-cheese, million, pool, threshold) and \
            --traces random traces of --ops ops, seeds --seed, --seed + 1, ...: one thread, \
            `fidelity: N/M ops identical`. Then --thread-traces traces of --thread-ops ops on \
            2 to 16 threads, under tunable settings taken in turn: `fidelity threads: N/M ops \
            identical`, and what they covered (arenas, thread exits, arenas reused, heaps \
            created, grown, shrunk and deleted, tunable settings). Reports the first \
            divergence of each trace that has one, with both sides' arenas and bins. Exit status 1 \
            if any op differs.
            """)

    @Option(help: "Random traces to run.")
    var traces = 200

    @Option(help: "Ops per random trace.")
    var ops = 10_000

    @Option(help: "The first random trace's seed (and the seed of the named traces).")
    var seed: UInt64 = 1

    @Option(help: "Multi-thread traces to run.")
    var threadTraces = 200

    @Option(help: "Ops per multi-thread trace.")
    var threadOps = 10_000

    @Option(help: "The glibc-replay executable (default: beside this one).")
    var replayer: String?

    @Option(help: "Keep the trace files in this directory.")
    var keep: String?

    func validate() throws {
        try FlagValues.check(traces, flag: "traces", in: 0...TraceCommands.maxTraces)
        try FlagValues.check(ops, flag: "ops", in: 0...TraceCommands.maxOps)
        // Random trace i has seed --seed + i.
        try FlagValues.check(threadTraces, flag: "thread-traces", in: 0...TraceCommands.maxTraces)
        try FlagValues.check(threadOps, flag: "thread-ops", in: 0...TraceCommands.maxOps)
        if max(traces, threadTraces) > 0, seed > UInt64.max - UInt64(max(traces, threadTraces) - 1) {
            throw ValidationError("--seed: \(seed) + \(max(traces, threadTraces)) traces runs past the largest seed, \(UInt64.max)")
        }
    }

    func run() throws {
        let directory = keep ?? NSTemporaryDirectory() + "arenastress-fidelity-\(getpid())"
        let differential: Differential
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            differential = Differential(replayer: try GlibcReplayer.locate(replayer), directory: directory, keepTraces: keep != nil)
        } catch {
            try TraceCommands.fail("arenastress: \(error)", status: 1)
        }
        defer { if keep == nil { try? FileManager.default.removeItem(atPath: directory) } }

        var ops = 0, identical = 0
        var paths: [Counter: Int] = [:], kernel: [String: Int] = [:]
        func add(_ c: Comparison) {
            ops += c.ops
            identical += c.identical
            paths.merge(c.paths, uniquingKeysWith: +)
            for (name, n) in [("brk", c.kernel.brk), ("mmap", c.kernel.mmap), ("munmap", c.kernel.munmap),
                              ("mremap", c.kernel.mremap), ("madvise", c.kernel.madvise)] {
                kernel[name, default: 0] += n
            }
            if c.firstDivergence != nil { print(c.report) }
        }
        do {
            for (name, trace) in TraceGenerator.namedTraces(seed: seed) {
                let c = try differential.compare(trace, name: name)
                add(c)
                print("\(name): \(c.identical)/\(c.ops) ops identical")
            }
            var randomOps = 0, randomIdentical = 0
            for i in 0..<UInt64(traces) {
                let c = try differential.compare(TraceGenerator.trace(.random, seed: seed + i, count: self.ops), name: "random-\(seed + i)")
                add(c)
                randomOps += c.ops
                randomIdentical += c.identical
            }
            let seeds = traces == 0 ? "" : ", seeds \(seed) to \(seed + UInt64(traces - 1))"
            print("random: \(traces) traces of \(self.ops) ops\(seeds): \(randomIdentical)/\(randomOps) ops identical")
        } catch {
            try TraceCommands.fail("arenastress: \(error)", status: 1)
        }
        let served = Counter.allCases.filter { paths[$0, default: 0] > 0 }.map { "\($0) \(paths[$0]!)" }
        print("model paths taken: " + served.joined(separator: ", "))
        print("model kernel requests: " + ["brk", "mmap", "munmap", "mremap", "madvise"].map { "\($0) \(kernel[$0]!)" }.joined(separator: ", "))
        print("fidelity: \(identical)/\(ops) ops identical")

        var threadOpsRun = 0, threadIdentical = 0
        var coverage = Comparison.Coverage()
        do {
            for i in 0..<UInt64(threadTraces) {
                let c = try differential.compare(TraceGenerator.trace(.threads, seed: seed + i, count: threadOps), name: "threads-\(seed + i)")
                threadOpsRun += c.ops
                threadIdentical += c.identical
                coverage.merge(c.coverage)
                if c.firstDivergence != nil { print(c.report) }
            }
        } catch {
            try TraceCommands.fail("arenastress: \(error)", status: 1)
        }
        print("fidelity threads: \(threadIdentical)/\(threadOpsRun) ops identical")
        for line in coverage.report { print("  " + line) }
        if identical != ops || threadIdentical != threadOpsRun { throw ExitCode(1) }
    }
}

/// What the trace commands share.
enum TraceCommands {
    /// The most ops a generated trace may have (it is made in memory), and the most
    /// random traces one fidelity run makes.
    static let maxOps = 100_000_000
    static let maxTraces = 1_000_000

    /// `--tunable NAME=VALUE` flags as (name, value), checked as a trace's are.
    static func overrides(_ flags: [String]) throws -> [(name: String, value: Int)] {
        var result: [(name: String, value: Int)] = []
        for flag in flags {
            var t = Tunables()
            if let wrong = t.apply(traceComment: Tunables.traceCommentPrefix + " " + flag) {
                throw ValidationError("--tunable \(flag): \(wrong.message)")
            }
            guard let equals = flag.firstIndex(of: "="), let value = Int(flag[flag.index(after: equals)...]) else {
                throw ValidationError("--tunable \(flag): expected NAME=VALUE")
            }
            result.append((String(flag[..<equals]), value))
        }
        return result
    }

    /// Prints `message` on standard error and exits with `status`.
    static func fail(_ message: String, status: Int32) throws -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        throw ExitCode(status)
    }

    /// Standard output through a buffer: a replay prints millions of lines.
    struct Output {
        private var buffer = ""

        mutating func line(_ text: String) {
            buffer += text
            buffer += "\n"
            if buffer.utf8.count >= 1 << 16 { flush() }
        }

        mutating func flush() {
            FileHandle.standardOutput.write(Data(buffer.utf8))
            buffer = ""
        }
    }
}
