import ArgumentParser
import Foundation
import Glibc
import Randomness

/// `arenastress-fuzz`: mutates the corpus's scenarios, traces, reports and command lines
/// and feeds each mutant to the real `arenastress` binary in a child process, with a time
/// limit. A signal (a trap, a crash), an exit status other than 0, 1 or 2, a silent or
/// unlocated refusal, or a hang is a failure: printed with its input and seed, and saved.
@main
struct FuzzCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "arenastress-fuzz",
        abstract: "Fuzz arenastress: mutated scenarios, traces, reports and command lines, each run by the real binary.",
        discussion: """
            Input N of a seed is the same on every machine; --input N runs it alone. Exit 0 when no \
            input failed, 1 when one did, 2 on bad usage.
            """)

    @Option(help: "How long to fuzz, in seconds.")
    var seconds: Double = 60

    @Option(help: "The seed of the mutations (default: from the clock; printed either way).")
    var seed: UInt64?

    @Option(help: "At most this many inputs.")
    var inputs: Int?

    @Option(help: "Run only input N of the seed (to reproduce a failure); prints what the binary said.")
    var input: Int?

    @Option(help: "The corpus folder: scenarios/, traces/, reports/, commands.txt.")
    var corpus = "Tests/FuzzCorpus"

    @Option(help: "More scenario files to validate and splice from (repeatable; default: Scenarios and Tests/ScenarioTests/Malformed).")
    var scenarios: [String] = []

    @Option(help: "The kinds of input, comma-separated: \(InputKind.allCases.map(\.rawValue).joined(separator: ", ")).")
    var kinds = InputKind.allCases.map(\.rawValue).joined(separator: ",")

    @Option(help: "The arenastress binary (default: beside this one).")
    var binary: String?

    @Option(help: "Seconds an input may take; past it the child is killed: a hang, or a long run for run, sweep, replay and the like.")
    var timeout: Double = 20

    @Option(name: .customLong("memory-limit"), help: "Address space of each child, in GiB (setrlimit RLIMIT_AS).")
    var memoryLimit: Int = 4

    @Option(help: "Where failing inputs are saved (under seed-S/input-N/).")
    var failures = "Reports/fuzz"

    @Flag(help: "One line per input.")
    var verbose = false

    func validate() throws {
        if seconds <= 0 || timeout <= 0 { throw ValidationError("--seconds and --timeout must be more than 0") }
        if let inputs, inputs < 1 { throw ValidationError("--inputs must be at least 1") }
        if let input, input < 0 { throw ValidationError("--input must not be negative") }
        if !(1...1024).contains(memoryLimit) { throw ValidationError("--memory-limit: 1 to 1024 GiB") }
        for name in kinds.split(separator: ",", omittingEmptySubsequences: false) where InputKind(rawValue: String(name)) == nil {
            throw ValidationError("--kinds: unknown kind '\(name)'; known: \(InputKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
    }

    func run() throws {
        let seed = self.seed ?? UInt64(UInt(bitPattern: time(nil))) % 1_000_000
        let chosen = InputKind.allCases.filter { kinds.split(separator: ",").contains(Substring($0.rawValue)) }
        let weights = chosen.map { InputKind.weights[InputKind.allCases.firstIndex(of: $0)!] }
        let binary = absolute(self.binary ?? URL(fileURLWithPath: Self.currentExecutable()).deletingLastPathComponent().appendingPathComponent("arenastress").path)
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw fail("no arenastress executable at \(binary): build the package first (swift build)") }
        let folders = scenarios.isEmpty ? ["Scenarios", "Tests/ScenarioTests/Malformed"].filter { FileManager.default.fileExists(atPath: $0) } : scenarios
        let material: Corpus
        do { material = try Corpus(directory: corpus, scenarioFolders: folders) } catch let error as FuzzError { throw fail(error.description) }
        Self.limitChildren(gib: memoryLimit)
        ChildProcess.killChildrenOnInterrupt()

        let root = NSTemporaryDirectory() + "arenastress-fuzz-\(getpid())", scratch = root + "/input"
        defer { try? FileManager.default.removeItem(atPath: root) }
        var log = FailureLog(folder: absolute(failures), seed: seed) { index in
            "arenastress-fuzz --seed \(seed) --input \(index)\(chosen.count == InputKind.allCases.count ? "" : " --kinds " + chosen.map(\.rawValue).joined(separator: ","))"
        }
        say("fuzz: seed \(seed), \(input.map { "input \($0) only" } ?? "\(Self.figure(seconds)) s\(inputs.map { " or \($0) inputs" } ?? "")"), "
              + "kinds \(chosen.map(\.rawValue).joined(separator: ", ")); \(binary)")
        say("fuzz: corpus \(corpus): \(material.scenarios.count) scenarios (\(material.runnable.count) run), \(material.traces.count) traces, "
              + "\(material.reports.count) reports, \(material.commands.count) command lines; \(Self.figure(timeout)) s and \(memoryLimit) GiB per input")

        let started = ChildProcess.monotonicSeconds()
        var tally: [InputKind: Tally] = [:]
        var index = input ?? 0
        while true {
            if let only = input, index != only { break }
            if input == nil, ChildProcess.monotonicSeconds() - started >= seconds || index >= (inputs ?? Int.max) { break }
            // Input N depends only on the seed and N (and the kinds allowed).
            var rng = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
            _ = rng.next()
            let kind = chosen[rng.pick(weights)]
            try? FileManager.default.removeItem(atPath: scratch)
            try? FileManager.default.createDirectory(atPath: scratch + "/reports", withIntermediateDirectories: true)
            let made = FuzzInput.make(kind, from: material, in: scratch, using: &rng)
            for file in made.files {
                let path = scratch + "/" + file.name
                try? FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
                _ = FileManager.default.createFile(atPath: path, contents: Data(file.bytes))
            }
            let outcome = ChildProcess.run(binary, made.arguments, in: scratch, limit: timeout,
                                           environment: ["SWIFT_BACKTRACE": "enable=no"])
            let verdict = Verdict(outcome, of: made, limit: timeout)
            var t = tally[kind] ?? Tally()
            t.inputs += 1
            if outcome.ending == .exited(0) || outcome.ending == .exited(1) { t.accepted += 1 }
            switch verdict {
            case .fine: break
            case .longRun: t.longRuns += 1
            case .failure(let what):
                t.failures += 1
                log.record(index, made, what, outcome, scratch: scratch)
            }
            tally[kind] = t
            if verbose || input != nil {
                say("fuzz: input \(index) (\(kind.rawValue)) \(Self.describe(outcome.ending)) in \(Self.figure(outcome.seconds)) s: "
                      + "arenastress \(made.arguments.joined(separator: " ")); \(made.mutations.joined(separator: "; "))")
            }
            if input != nil {
                FileHandle.standardOutput.write(Data(outcome.stdout.prefix(1 << 14)))
                FileHandle.standardOutput.write(Data(outcome.stderr.prefix(1 << 14)))
            }
            index += 1
        }

        let elapsed = ChildProcess.monotonicSeconds() - started
        let total = tally.values.reduce(0) { $0 + $1.inputs }
        let perKind = chosen.compactMap { kind in tally[kind].map { "\(kind.rawValue) \($0)" } }
        say("fuzz: by kind (inputs, accepted with exit 0 or 1): \(perKind.joined(separator: ", "))")
        for (signature, indices) in log.bySignature {
            say("fuzz: \(indices.count) x \(signature) (inputs \(indices.prefix(8).map(String.init).joined(separator: ", "))\(indices.count > 8 ? ", ..." : ""))")
        }
        say("fuzz: \(total) inputs, \(log.count) failure\(log.count == 1 ? "" : "s")\(log.count > 0 ? " (\(log.bySignature.count) distinct), saved under \(absolute(failures))/seed-\(seed)" : "") (seed \(seed), \(Int(elapsed.rounded())) s)")
        if log.count > 0 { throw ExitCode(1) }
    }

    /// What became of one kind's inputs.
    struct Tally: CustomStringConvertible {
        var inputs = 0, accepted = 0, failures = 0, longRuns = 0

        var description: String {
            "\(inputs) (\(accepted) accepted\(failures > 0 ? ", \(failures) failed" : "")\(longRuns > 0 ? ", \(longRuns) long runs stopped" : ""))"
        }
    }

    /// Children may not map more than `gib` GiB (a mutant asking for terabytes meets
    /// ENOMEM instead of this machine's memory) and dump no core.
    static func limitChildren(gib: Int) {
        var limit = rlimit(rlim_cur: rlim_t(gib) << 30, rlim_max: rlim_t(gib) << 30)
        var current = rlimit()
        if getrlimit(Int32(RLIMIT_AS.rawValue), &current) == 0, current.rlim_max < limit.rlim_max { limit = current }
        setrlimit(Int32(RLIMIT_AS.rawValue), &limit)
        var none = rlimit(rlim_cur: 0, rlim_max: 0)
        setrlimit(Int32(RLIMIT_CORE.rawValue), &none)
    }

    static func describe(_ ending: ChildProcess.Ending) -> String {
        switch ending {
        case .exited(let code): "exit \(code)"
        case .signalled(let s): ChildProcess.signalName(s)
        case .timedOut: "timed out"
        case .notStarted(let e): "not started (\(String(cString: strerror(e))))"
        }
    }

    static func figure(_ x: Double) -> String { x == x.rounded() ? String(Int(x)) : String(format: "%.2f", x) }

    private func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    private func fail(_ message: String) -> ExitCode {
        FileHandle.standardError.write(Data("arenastress-fuzz: \(message)\n".utf8))
        return ExitCode(2)
    }

    static func currentExecutable() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }
}

/// Prints `text` and a newline at once, unbuffered: a long session into a file or a pipe
/// shows its failures as they come, in order with the children's output.
func say(_ text: String) {
    FileHandle.standardOutput.write(Data((text + "\n").utf8))
}
