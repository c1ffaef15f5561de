import ArenaModel
import Targets

/// The multi-threaded and lock workloads, timed as the single-threaded ones are: the
/// targets interleaved, one warm-up repetition, medians of the timed ones. A time is
/// the slowest thread's, divided by all threads' pairs together.
extension BenchRunner {
    private struct ThreadedSample {
        var nanoseconds: UInt64
        var checksum: UInt64
        var osRequests: Int?
        var acquisitions: Int?
        var contended: Int?
    }

    func run(_ bench: ThreadedBench, targets wanted: [TargetName]) -> [BenchReport.Row] {
        let targets = bench.targets.filter(wanted.contains)
        guard !targets.isEmpty else { return [] }
        let pairs = ops ?? bench.defaultOps
        var samples = [TargetName: [ThreadedSample]]()
        // One model for all the repetitions, as glibc and the peers are one allocator for
        // the whole process: every target starts a repetition with the heap the last one
        // left (the warm-up's first), so none runs on memory fresh from the kernel.
        let (model, benchThread) = Self.benchModel()
        defer { model.detach(benchThread) }
        for rep in 0...reps {
            for target in targets {
                let sample = Self.measure(bench, target, model, pairs: pairs, seed: UInt64(rep + 1))
                if rep > 0 { samples[target, default: []].append(sample) }
            }
        }
        let spreads = samples.mapValues { runs in BenchReport.Spread(runs.map { Double($0.nanoseconds) / Double(pairs) }) }
        let rows = targets.map { target in
            let runs = samples[target]!
            let spread = spreads[target]!
            let ratio = spreads[bench.baseline].flatMap { $0.median > 0 ? ((spread.median / $0.median) * 10_000).rounded() / 10_000 : nil }
            let acquisitions = runs.compactMap(\.acquisitions).reduce(0, +)
            let contended = runs.compactMap(\.contended).reduce(0, +)
            return BenchReport.Row(
                workload: bench.name, target: target.rawValue, threads: bench.threads, ops: pairs, nsPerOp: spread,
                ratioToGlibc: bench.isLock ? nil : ratio,
                osRequests: runs.last!.osRequests,
                checksum: "0x" + String(runs.last!.checksum, radix: 16),
                ratioToPlain: bench.isLock ? ratio : nil,
                contentionRate: runs.last!.acquisitions == nil || acquisitions == 0
                    ? nil : (Double(contended) / Double(acquisitions) * 1_000_000).rounded() / 1_000_000)
        }
        onWorkloadDone?(rows)
        return rows
    }

    /// The model a threaded row runs on, with the bench's own thread attached first: it
    /// holds the model's main arena as the process's main thread holds glibc's, so the
    /// workers get arenas of their own, as glibc's workers do, and none runs on the main
    /// arena.
    private static func benchModel() -> (ModelTarget, MallocThread) {
        let model = ModelTarget(tunables: Tunables(), policy: .perThread)
        return (model, model.attach())
    }

    /// Runs a larson, remote-free or xmalloc row once on `target` for instruction
    /// counting, its time dropped; returns the checksum.
    public static func runOnce(_ bench: ThreadedBench, on target: TargetName, ops: Int) -> UInt64 {
        precondition(!bench.isLock, "the lock rows allocate nothing")
        let (model, benchThread) = benchModel()
        defer { model.detach(benchThread) }
        return measure(bench, target, model, pairs: ops, seed: 1).checksum
    }

    /// A larson, remote-free or xmalloc run on `target`.
    private static func run<T: StressTarget>(_ bench: ThreadedBench, _ target: T, pairs: Int, seed: UInt64) -> ThreadedWorkload.Outcome {
        switch bench {
        case .xmalloc2: ThreadedWorkload.xmalloc(target, ops: pairs, seed: seed)
        case .remoteFree2: ThreadedWorkload.remoteFree(target, threads: bench.threads, ops: pairs, seed: seed)
        default: ThreadedWorkload.larson(target, threads: bench.threads, ops: pairs, seed: seed)
        }
    }

    private static func measure(_ bench: ThreadedBench, _ target: TargetName, _ model: ModelTarget, pairs: Int, seed: UInt64) -> ThreadedSample {
        switch bench {
        case .larson1, .larson2, .remoteFree2, .xmalloc2:
            let o = switch target {
            case .model: run(bench, model, pairs: pairs, seed: seed)
            case .jemalloc, .mimalloc, .tcmalloc: run(bench, target.peerTarget, pairs: pairs, seed: seed)
            case .glibc, .plain: run(bench, GlibcTarget(), pairs: pairs, seed: seed)
            }
            return ThreadedSample(nanoseconds: o.nanoseconds, checksum: o.checksum, osRequests: o.osRequests,
                                  acquisitions: o.lockAcquisitions, contended: o.contended)
        case .lockUncontended, .lockContended:
            let o = LockWorkload.run(instrumented: target == .model, threads: bench.threads, pairs: pairs, seed: seed)
            return ThreadedSample(nanoseconds: o.nanoseconds, checksum: 0, osRequests: nil,
                                  acquisitions: o.acquisitions, contended: o.contended)
        }
    }
}
