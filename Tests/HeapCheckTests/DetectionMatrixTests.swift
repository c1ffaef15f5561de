import ArenaModel
import HeapCheck
import Testing

/// Every kind of the corruption corpus, on many seeds, each on a fresh model with some
/// history (odd seeds on a non-main arena; a cross-thread kind on two threads, the
/// injecting one by turns the first and the second): a check that catches the kind (its row of
/// the corpus table, `CorruptionKind.caughtBy`) must fire, every time, either the
/// checker at the phase's end or the model's runtime checks on the call the corruption
/// implies. The test prints the matrix: kind x catching invariant or glibc message, and
/// what else fired.
@Suite struct DetectionMatrixTests {
    static let seedsPerKind = 24

    struct Outcome {
        var caught = 0
        var byCatchingCheck: [String: Int] = [:]
        var alsoFired: [String: Int] = [:]
    }

    @Test func everyCorpusKindIsCaughtByItsCatchingCheckOnEverySeed() {
        var matrix: [(CorruptionKind, Outcome)] = []
        for (k, kind) in CorruptionKind.allCases.enumerated() {
            var outcome = Outcome()
            for seed in 0..<Self.seedsPerKind {
                let runSeed = UInt64(k * 1000 + seed)
                let result = Self.inject(kind, seed: runSeed)
                let findings = result.invariants.map(\.rawValue) + Set(result.messages).map { "\"\($0)\"" }
                let catching = Self.catching(kind, result.invariants, result.messages)
                if !catching.isEmpty { outcome.caught += 1 }
                for f in findings { if catching.contains(f) { outcome.byCatchingCheck[f, default: 0] += 1 } else { outcome.alsoFired[f, default: 0] += 1 } }
                #expect(!catching.isEmpty, "\(kind.rawValue) seed \(runSeed) not caught by \(kind.caughtBy) (found: \(findings)): \(result.summary)")
            }
            matrix.append((kind, outcome))
        }
        print("detection matrix (\(Self.seedsPerKind) seeds per kind; the catching checks that fired, seeds that reported each; then the other findings):")
        for (kind, outcome) in matrix {
            func list(_ d: [String: Int]) -> String { d.isEmpty ? "-" : d.keys.sorted().map { "\($0) \(d[$0]!)" }.joined(separator: ", ") }
            print("  \(kind.rawValue.padding(24)) \(outcome.caught)/\(Self.seedsPerKind)  caught by: \(list(outcome.byCatchingCheck))  also: \(list(outcome.alsoFired))")
        }
    }

    /// The findings among `invariants` and runtime `messages` that are checks catching `kind`.
    static func catching(_ kind: CorruptionKind, _ invariants: [InvariantID], _ messages: [String]) -> [String] {
        invariants.filter { kind.caughtBy.catches(invariant: $0.rawValue) }.map(\.rawValue)
            + Set(messages).filter { kind.caughtBy.catches(runtimeMessage: $0) }.map { "\"\($0)\"" }
    }

    /// One injection on a fresh model: what the checker and the runtime checks reported.
    static func inject(_ kind: CorruptionKind, seed: UInt64) -> (invariants: [InvariantID], messages: [String], summary: String) {
        let w = RandomWorkload(seed: seed, threads: max(kind.minimumThreads, seed % 2 == 0 ? 1 : 2), maxLive: 60, coverage: .whole)
        w.run(80)
        let checker = HeapChecker()
        let baseline = checker.check(w.set, ledgers: [w.ledger])
        #expect(baseline.isSound, "seed \(seed) before the injection: \(baseline)")
        let corruptor = Corruptor()
        let thread = seed % 2 == 0 ? w.threads.first! : w.threads.last!
        let others = w.threads.filter { $0.number != thread.number }
        let injection = try! corruptor.inject(kind, into: w.set, threads: [thread] + others, ledger: &w.ledger, seed: seed)
        let report = checker.check(w.set, ledgers: [w.ledger], logs: [w.log])
        if w.set.violations.isEmpty, let followUp = injection.followUp {
            followUp.run(on: thread, ledger: &w.ledger)
        }
        if kind == .mmapSize { injection.revert() }
        return (report.brokenInvariants, w.set.violations.map(\.message), injection.summary)
    }
}

extension String {
    func padding(_ width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
}
