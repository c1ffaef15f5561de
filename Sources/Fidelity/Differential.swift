import ArenaModel
import Foundation

/// The fidelity check: a trace through the model and through glibc (in glibc-replay),
/// with the same tunables on both sides, compared op by op: each op's result and the
/// non-main heaps it changed.
public struct Differential: Sendable {
    /// The glibc side.
    public let replayer: GlibcReplayer
    /// Where trace files are written for glibc-replay to read.
    public let directory: String
    /// Keep the trace files (else each is removed once compared).
    public let keepTraces: Bool
    /// Settings that override the trace's `# tunables:` (name, value), on both sides.
    public let overrides: [(name: String, value: Int)]

    /// A check that runs glibc-replay through `replayer` on trace files in `directory`.
    public init(replayer: GlibcReplayer, directory: String, keepTraces: Bool = false,
                overrides: [(name: String, value: Int)] = []) {
        self.replayer = replayer
        self.directory = directory
        self.keepTraces = keepTraces
        self.overrides = overrides
    }

    /// The tunables `trace` runs with: its own, then the overrides.
    public func tunables(of trace: Trace) -> Tunables {
        var t = trace.tunables
        for (name, value) in overrides { _ = t.set(name, value) }
        return t
    }

    /// Writes `trace` as `name.trace`, then compares it.
    public func compare(_ trace: Trace, name: String) throws -> Comparison {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("\(name).trace").path
        try trace.write(to: path)
        defer { if !keepTraces { try? FileManager.default.removeItem(atPath: path) } }
        return try compare(file: path, name: name)
    }

    /// Compares the trace in the file at `path`, read back so that both sides replay
    /// exactly what the file says. A file that is not a trace throws `TraceError`.
    public func compare(file path: String, name: String) throws -> Comparison {
        let trace = try Trace.read(from: path)
        let tunables = tunables(of: trace)
        let glibc = try replayer.replay(path, tunables: tunables)
        let modelReplayer = ModelReplayer(tunables: tunables, slotCount: trace.slotCount)
        let model = modelReplayer.replay(trace)
        let modelOps = Differential.opStarts(model), glibcOps = Differential.opStarts(glibc)
        guard glibcOps.count == modelOps.count, modelOps.count == trace.events.count else {
            throw FidelityError("\(path): glibc-replay gave \(glibcOps.count) results for \(trace.events.count) ops")
        }
        var identical = 0
        var first: Int? = nil
        var coverage = Comparison.Coverage()
        coverage.add(model: model, tunables: tunables, exits: modelReplayer.exits)
        for i in modelOps.indices {
            let m = Differential.results(of: i, model, modelOps), g = Differential.results(of: i, glibc, glibcOps)
            if m.elementsEqual(g) {
                identical += 1
            } else if first == nil {
                first = i
            }
        }
        let divergence = try first.map { i throws in
            Comparison.Divergence(
                index: i, event: trace.events[i], model: Array(Differential.results(of: i, model, modelOps)),
                glibc: Array(Differential.results(of: i, glibc, glibcOps)),
                bins: BinSnapshot.sideBySide(model: modelBins(trace, tunables, after: i),
                                             glibc: try replayer.bins(path, after: i, tunables: tunables)))
        }
        let counters = modelReplayer.counters
        coverage.arenasReused = counters[.arenaFromFreeList, default: 0]
        return Comparison(name: name, ops: modelOps.count, identical: identical, firstDivergence: divergence,
                          paths: counters, kernel: modelReplayer.set.osCounters, coverage: coverage)
    }

    /// The index in `results` of each op's own result (`heap` results follow it).
    static func opStarts(_ results: [ReplayResult]) -> [Int] {
        results.indices.filter { results[$0].isOp }
    }

    /// Op `i`'s result and the `heap` results after it.
    static func results(of i: Int, _ results: [ReplayResult], _ starts: [Int]) -> ArraySlice<ReplayResult> {
        results[starts[i]..<(i + 1 < starts.count ? starts[i + 1] : results.count)]
    }

    /// The model's bins after op `index` of `trace`, replayed anew.
    private func modelBins(_ trace: Trace, _ tunables: Tunables, after index: Int) -> BinSnapshot {
        let replayer = ModelReplayer(tunables: tunables, slotCount: trace.slotCount)
        for event in trace.events[...index] { _ = replayer.run(event) }
        return BinSnapshot(model: replayer.set)
    }
}
