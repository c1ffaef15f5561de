import Foundation

/// The fidelity check: a single-threaded trace through the model's main arena and
/// through glibc (in glibc-replay), compared op by op.
public struct Differential: Sendable {
    /// The glibc side.
    public let replayer: GlibcReplayer
    /// Where trace files are written for glibc-replay to read.
    public let directory: String
    /// Keep the trace files (else each is removed once compared).
    public let keepTraces: Bool

    /// A check that runs glibc-replay through `replayer` on trace files in `directory`.
    public init(replayer: GlibcReplayer, directory: String, keepTraces: Bool = false) {
        self.replayer = replayer
        self.directory = directory
        self.keepTraces = keepTraces
    }

    /// Writes `trace` as `name.trace`, then compares it.
    public func compare(_ trace: Trace, name: String) throws -> Comparison {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("\(name).trace").path
        try trace.write(to: path)
        defer { if !keepTraces { try? FileManager.default.removeItem(atPath: path) } }
        return try compare(file: path, name: name)
    }

    /// Compares the trace in the file at `path`, read back so that both sides replay
    /// exactly what the file says. A file that is not a trace, or not one glibc-replay
    /// can replay (more than one thread), throws `TraceError`.
    public func compare(file path: String, name: String) throws -> Comparison {
        let trace = try Trace.read(from: path)
        let glibc = try replayer.replay(path)
        let modelReplayer = ModelReplayer(slotCount: trace.slotCount)
        let model = modelReplayer.replay(trace)
        guard glibc.count == model.count else {
            throw FidelityError("\(path): glibc-replay gave \(glibc.count) results for \(model.count) ops")
        }
        var identical = 0
        var first: Int? = nil
        for i in model.indices {
            if model[i] == glibc[i] {
                identical += 1
            } else if first == nil {
                first = i
            }
        }
        let divergence = try first.map { i throws in
            Comparison.Divergence(
                index: i, event: trace.events[i], model: model[i], glibc: glibc[i],
                bins: BinSnapshot.sideBySide(model: modelBins(trace, after: i), glibc: try replayer.bins(path, after: i)))
        }
        return Comparison(name: name, ops: model.count, identical: identical, firstDivergence: divergence,
                          paths: modelReplayer.counters, kernel: modelReplayer.set.osCounters)
    }

    /// The model's bins after op `index` of `trace`, replayed anew.
    private func modelBins(_ trace: Trace, after index: Int) -> BinSnapshot {
        let replayer = ModelReplayer(slotCount: trace.slotCount)
        for event in trace.events[...index] { _ = replayer.run(event) }
        return BinSnapshot(model: replayer.set)
    }
}
