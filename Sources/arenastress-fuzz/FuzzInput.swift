import Foundation
import Randomness

/// The kinds of input the fuzzer makes, each fed to the commands that read it.
enum InputKind: String, CaseIterable {
    /// A mutated scenario (any of them) to `validate`.
    case validate
    /// A mutated small scenario to `run` or `sweep`, work-growing numbers mostly held back.
    case run
    /// A mutated trace to `replay-trace` (now and then with `--compare`, against glibc).
    case trace
    /// A mutated report to `report render`, `report compare` or `replay`.
    case report
    /// A mutated command line of the corpus's commands.txt, on unmutated files.
    case command

    /// How often each kind comes up, in this order.
    static let weights = [35, 20, 20, 15, 10]
}

/// One input: the files it writes in the scratch folder, the arguments the binary gets,
/// and how it was made.
struct FuzzInput {
    var kind: InputKind
    /// Files to write in the scratch folder before the run: name and bytes.
    var files: [(name: String, bytes: [UInt8])] = []
    /// For each of `files`, the corpus file it was mutated from (nil: a plain copy).
    var originals: [[UInt8]?] = []
    /// The binary's arguments; paths in the scratch folder are absolute.
    var arguments: [String] = []
    /// The corpus file or command line it started from.
    var origin: String
    /// What the mutations did, one line each.
    var mutations: [String] = []
    /// Whether hitting the time limit is only a long run (run, sweep, replay, bench, ...
    /// given a valid input that asks for much work) rather than a hang.
    var longRunIsFine = false

    /// Subcommands whose work grows with what the input asks for.
    static let workCommands: Set<String> = ["run", "sweep", "replay", "bench", "fidelity", "trace-gen"]

    /// The input of `kind` made from `corpus` with `rng`, its files to live in `scratch`.
    static func make(_ kind: InputKind, from corpus: Corpus, in scratch: String, using rng: inout SplitMix64) -> FuzzInput {
        switch kind {
        case .validate:
            let file = corpus.scenarios[rng.below(corpus.scenarios.count)]
            var input = mutated(file, kind, donors: corpus.scenarios, gentle: false, weights: Mutator.rough, using: &rng)
            input.arguments = ["validate", scratch + "/" + file.name]
            return input
        case .run:
            let file = corpus.runnable[rng.below(corpus.runnable.count)]
            // One run in six may ask for much more work, or more than the machine has:
            // validation must refuse what cannot be given, and the rest is a long run.
            let bold = rng.below(6) == 0
            var input = mutated(file, kind, donors: corpus.runnable, gentle: !bold, weights: bold ? Mutator.bold : Mutator.mild,
                                workFocus: bold, using: &rng)
            if bold { input.mutations.insert("(bold: numbers of work may grow)", at: 0) }
            let path = scratch + "/" + file.name, reports = ["--quiet", "--reports", scratch + "/reports"]
            if rng.below(4) == 0 {
                let threads = ["1", "2", "1,2"], arenas = ["glibc", "per-thread", "shared", "shared,glibc"], arenaMax = ["0", "1", "1,2"]
                input.arguments = ["sweep", path] + reports
                if rng.below(2) == 0 { input.arguments += ["--threads", threads[rng.below(threads.count)]] }
                if rng.below(2) == 0 { input.arguments += ["--arenas", arenas[rng.below(arenas.count)]] }
                if rng.below(3) == 0 { input.arguments += ["--arena-max", arenaMax[rng.below(arenaMax.count)]] }
            } else {
                input.arguments = ["run"] + reports
                let targets = ["model", "glibc", "pool", "model,glibc", "all"]
                if rng.below(4) == 0 { input.arguments += ["--target", targets[rng.below(targets.count)]] }
                if rng.below(4) == 0 { input.arguments += ["--seed", String(rng.next())] }
                input.arguments.append(path)
            }
            input.longRunIsFine = true
            return input
        case .trace:
            let file = corpus.traces[rng.below(corpus.traces.count)]
            var input = mutated(file, kind, donors: corpus.traces, gentle: false, weights: Mutator.numeric, using: &rng)
            input.arguments = ["replay-trace"] + (rng.below(7) == 0 ? ["--compare"] : []) + [scratch + "/" + file.name]
            return input
        case .report:
            let file = corpus.reports[rng.below(corpus.reports.count)]
            var input = mutated(file, kind, donors: corpus.reports, gentle: true, weights: Mutator.mild, focus: scenarioSpan(in: file.bytes),
                                using: &rng)
            let path = scratch + "/" + file.name
            switch rng.below(10) {
            case 0..<4:
                input.arguments = ["replay", "--quiet", "--reports", scratch + "/reports", path]
                input.longRunIsFine = true
            case 4..<7:
                input.arguments = ["report", "render", path]
            default:
                let other = corpus.reports[rng.below(corpus.reports.count)]
                input.files.append((name: "other-" + other.name, bytes: other.bytes))
                input.originals.append(nil)
                input.arguments = ["report", "compare"] + (rng.below(2) == 0 ? [path, scratch + "/other-" + other.name] : [scratch + "/other-" + other.name, path])
            }
            return input
        case .command:
            return command(from: corpus, in: scratch, using: &rng)
        }
    }

    private static func mutated(_ file: Corpus.File, _ kind: InputKind, donors: [Corpus.File], gentle: Bool, weights: [Int],
                                focus: Range<Int>? = nil, workFocus: Bool = false, using rng: inout SplitMix64) -> FuzzInput {
        let mutator = Mutator(donors: donors.map(\.bytes), gentle: gentle, focus: focus, workFocus: workFocus)
        // Rough mutations (for validate) come up to three at a time, milder ones up to two.
        let (bytes, log) = mutator.mutate(file.bytes, rounds: weights == Mutator.rough ? 3 : 2, weights: weights, using: &rng)
        return FuzzInput(kind: kind, files: [(file.name, bytes)], originals: [file.bytes], origin: file.name, mutations: log)
    }

    /// Where a report (pretty-printed JSON, keys sorted) holds its scenario: from its
    /// `"scenario"` key to the next key at the top level.
    static func scenarioSpan(in bytes: [UInt8]) -> Range<Int>? {
        let text = String(decoding: bytes, as: UTF8.self).utf8
        guard let start = text.firstRange(of: "\n  \"scenario\"".utf8) else { return nil }
        let end = text[start.upperBound...].firstRange(of: "\n  \"".utf8)?.lowerBound ?? text.endIndex
        return text.distance(from: text.startIndex, to: start.lowerBound)..<text.distance(from: text.startIndex, to: end)
    }

    /// A command line of the corpus, its placeholders replaced by fresh copies of corpus
    /// files, then one to three of its arguments changed.
    private static func command(from corpus: Corpus, in scratch: String, using rng: inout SplitMix64) -> FuzzInput {
        let index = rng.below(corpus.commands.count)
        let template = corpus.commands[index]
        var input = FuzzInput(kind: .command, origin: "command line \(index + 1) of commands.txt: \(template.joined(separator: " "))")
        func copy(_ files: [Corpus.File]) -> String {
            let file = files[rng.below(files.count)]
            input.files.append((file.name, file.bytes))
            input.originals.append(nil)
            return scratch + "/" + file.name
        }
        var arguments: [String] = []
        for word in template {
            var expanded = word
            if expanded.contains("{scenarios}") {
                for file in corpus.runnable {
                    input.files.append(("scenarios/" + file.name, file.bytes))
                    input.originals.append(nil)
                }
                expanded = expanded.replacingOccurrences(of: "{scenarios}", with: scratch + "/scenarios")
            }
            if expanded.contains("{scenario}") { expanded = expanded.replacingOccurrences(of: "{scenario}", with: copy(corpus.runnable)) }
            if expanded.contains("{trace}") { expanded = expanded.replacingOccurrences(of: "{trace}", with: copy(corpus.traces)) }
            if expanded.contains("{report}") { expanded = expanded.replacingOccurrences(of: "{report}", with: copy(corpus.reports)) }
            arguments.append(expanded.replacingOccurrences(of: "{out}", with: scratch))
        }
        let donors = corpus.commands
        for _ in 0..<(1 + rng.below(3)) {
            if let said = ArgumentMutator.apply(to: &arguments, donors: donors, using: &rng) { input.mutations.append(said) }
        }
        input.arguments = arguments
        input.longRunIsFine = arguments.first.map(workCommands.contains) ?? false
        return input
    }
}
