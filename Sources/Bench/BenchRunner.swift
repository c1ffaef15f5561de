import ArenaModel
import Contention
import Targets

/// Times workloads on targets side by side in one process: the targets interleaved
/// A B A B, one warm-up repetition each, then `reps` timed ones. The model starts each
/// repetition from an empty heap; glibc and the peers keep their heaps.
public struct BenchRunner {
    public var workloads: [Workload]
    public var targets: [TargetName]
    public var reps: Int
    /// Pairs per repetition for every workload; nil for each workload's default.
    public var ops: Int?
    /// Given each workload's rows as soon as they are measured.
    public var onWorkloadDone: (([BenchReport.Row]) -> Void)?

    /// One timed run of one workload on one target.
    private struct Sample {
        var nanoseconds: UInt64
        var checksum: UInt64
        var osRequests: Int?
    }

    /// The multi-threaded and lock workloads to run after `workloads`.
    public var threaded: [ThreadedBench] = []
    /// The HeapCheck rows to end with (`check-walk`, `check-walk-ledger`, `check-content`).
    public var checkWalks: [String] = []
    /// The driver-cost rows to end with (`harness`, `harness-random`).
    public var harness: [String] = []

    /// A bench of `workloads` on `targets`, `reps` timed repetitions each, `ops` pairs per
    /// repetition (nil: each workload's own).
    public init(workloads: [Workload], targets: [TargetName], reps: Int, ops: Int?) {
        self.workloads = workloads
        self.targets = targets
        self.reps = reps
        self.ops = ops
    }

    /// Runs every workload on every target that applies; rows come in workload order,
    /// then target order.
    public func run() -> [BenchReport.Row] {
        workloads.flatMap(runWorkload) + threaded.flatMap { run($0, targets: targets) } + runCheckWalk(checkWalks) + runHarness(harness)
    }

    private func runWorkload(_ workload: Workload) -> [BenchReport.Row] {
        let input = WorkloadInput(for: workload)
        let requested = ops ?? workload.defaultOps
        let pairs = workload.pairs(requested: requested)
        var samples = [TargetName: [Sample]]()
        let targets = self.targets.filter { $0 != .plain }
        guard !targets.isEmpty else { return [] }
        for rep in 0...reps {
            for target in targets {
                let sample = Self.measure(target, workload, ops: requested, input: input)
                if rep > 0 { samples[target, default: []].append(sample) }
            }
        }

        let spreads = samples.mapValues { runs in
            BenchReport.Spread(runs.map { Double($0.nanoseconds) / Double(pairs) })
        }
        let rows = targets.map { target in
            let last = samples[target]!.last!
            let spread = spreads[target]!
            return BenchReport.Row(
                workload: workload.name, target: target.rawValue, threads: workload.threads,
                ops: pairs, nsPerOp: spread,
                ratioToGlibc: spreads[.glibc].flatMap { Self.ratio(spread.median, $0.median) },
                osRequests: last.osRequests,
                checksum: "0x" + String(last.checksum, radix: 16))
        }
        onWorkloadDone?(rows)
        return rows
    }

    private static func ratio(_ value: Double, _ base: Double) -> Double? {
        base > 0 ? (value / base * 10_000).rounded() / 10_000 : nil
    }

    /// One repetition of `workload` on a fresh `target`: the model's heap starts empty.
    private static func measure(
        _ target: TargetName, _ workload: Workload, ops: Int, input: WorkloadInput
    ) -> Sample {
        switch target {
        case .model: measure(ModelTarget(tunables: Tunables(), policy: .glibc), workload, ops: ops, input: input)
        case .glibc: measure(GlibcTarget(), workload, ops: ops, input: input)
        case .jemalloc, .mimalloc, .tcmalloc: measure(target.peerTarget, workload, ops: ops, input: input)
        case .plain: preconditionFailure("the plain mutex is a target of the lock workloads only")
        }
    }

    /// Times `workload` on a thread attached to `target`.
    private static func measure<T: StressTarget>(
        _ target: T, _ workload: Workload, ops: Int, input: WorkloadInput
    ) -> Sample {
        // Never detached: the model's set frees the thread's block when it goes.
        let handle = target.attach()
        let requestsBefore = target.kernelRequests()
        let start = monotonicNanoseconds()
        let checksum = workload.run(T.self, handle, ops: ops, input: input)
        let elapsed = monotonicNanoseconds() - start
        let requests = target.kernelRequests().flatMap { after in requestsBefore.map { after - $0 } }
        return Sample(nanoseconds: elapsed, checksum: checksum, osRequests: requests)
    }

    /// Runs `workload` once on `target` for instruction counting, its time dropped;
    /// returns the checksum.
    public static func runOnce(_ workload: Workload, on target: TargetName, ops: Int) -> UInt64 {
        measure(target, workload, ops: ops, input: WorkloadInput(for: workload)).checksum
    }
}
