import ArenaModel
import HeapCheck
import Testing

/// Every kind of the corruption corpus, on many seeds, each on a fresh model with some
/// history (odd seeds on a non-main arena): the checker at the phase's end or the
/// model's runtime checks on the call the corruption implies must report it, every
/// time. The test prints the matrix: kind x detecting invariant or glibc message.
@Suite struct DetectionMatrixTests {
    static let seedsPerKind = 24

    struct Outcome {
        var detected = 0
        var byInvariant: [InvariantID: Int] = [:]
        var byMessage: [String: Int] = [:]
    }

    @Test func everyCorpusKindIsDetectedOnEverySeed() {
        var matrix: [(CorruptionKind, Outcome)] = []
        for (k, kind) in CorruptionKind.allCases.enumerated() {
            var outcome = Outcome()
            for seed in 0..<Self.seedsPerKind {
                let runSeed = UInt64(k * 1000 + seed)
                let result = Self.inject(kind, seed: runSeed)
                if !result.invariants.isEmpty || !result.messages.isEmpty { outcome.detected += 1 }
                for id in result.invariants { outcome.byInvariant[id, default: 0] += 1 }
                for message in Set(result.messages) { outcome.byMessage[message, default: 0] += 1 }
                #expect(!result.invariants.isEmpty || !result.messages.isEmpty, "\(kind.rawValue) seed \(runSeed) went undetected: \(result.summary)")
            }
            matrix.append((kind, outcome))
        }
        print("detection matrix (\(Self.seedsPerKind) seeds per kind; checker invariants and runtime messages, seeds that reported each):")
        for (kind, outcome) in matrix {
            let checker = outcome.byInvariant.keys.sorted().map { "\($0) \(outcome.byInvariant[$0]!)" }.joined(separator: ", ")
            let runtime = outcome.byMessage.keys.sorted().map { "\"\($0)\" \(outcome.byMessage[$0]!)" }.joined(separator: ", ")
            print("  \(kind.rawValue.padding(24)) \(outcome.detected)/\(Self.seedsPerKind)  checker: \(checker.isEmpty ? "-" : checker)  runtime: \(runtime.isEmpty ? "-" : runtime)")
        }
    }

    /// One injection on a fresh model: what the checker and the runtime checks reported.
    static func inject(_ kind: CorruptionKind, seed: UInt64) -> (invariants: [InvariantID], messages: [String], summary: String) {
        let w = RandomWorkload(seed: seed, threads: seed % 2 == 0 ? 1 : 2, maxLive: 60, coverage: .whole)
        w.run(80)
        let checker = HeapChecker()
        let baseline = checker.check(w.set, ledgers: [w.ledger])
        #expect(baseline.isSound, "seed \(seed) before the injection: \(baseline)")
        let corruptor = Corruptor()
        let thread = w.threads.last!
        let injection = try! corruptor.inject(kind, into: w.set, thread: thread, ledger: &w.ledger, seed: seed)
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
