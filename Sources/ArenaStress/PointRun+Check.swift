import ArenaModel
import Contention
import HeapCheck
import Reporting
import Scheduler
import Targets

// What runs with the world stopped: injections, the heap check, the allocator's own
// findings, and the final heap's digest.
extension PointRun {
    /// The model behind the target and worker 0's thread in it, when the target is the model.
    var model: (set: ArenaSet, thread: MallocThread)? {
        guard let target = target as? ModelTarget, let thread = handles[0] as? MallocThread else { return nil }
        return (target.arenas, thread)
    }

    /// Every worker's thread in the model, worker 0's first.
    var modelThreads: [MallocThread] { (0..<threads).compactMap { handles[$0] as? MallocThread } }

    /// Performs one corruption of the corpus through worker 0's thread (and worker 1's,
    /// for a kind that works across threads); then, if the heap check does not see it,
    /// the call it implies (where glibc's own checks fire).
    func inject(_ kind: String, phase: String) {
        guard let model, let corruption = CorruptionKind(rawValue: kind) else { return }
        let corruptor = self.corruptor ?? Corruptor()
        self.corruptor = corruptor
        injected.append(kind)
        let injection: Injection
        do {
            injection = try corruptor.inject(corruption, into: model.set, threads: modelThreads, ledger: &injectionLedger,
                                             seed: scenario.seed ^ UInt64(injected.count))
        } catch {
            // Reported as a finding of its own (which no `detected` expectation counts),
            // and the run stops there as after any finding.
            report(0, ViolationRecord.injectionNotSetUp, "\(kind) could not be set up: \(error)")
            collectRuntimeFindings(phase)
            return
        }
        scheduler.workers[0].opLog.record(.inject, slot: 0, size: injection.writes.count,
                                          address: UnsafeMutableRawPointer(bitPattern: injection.writes.first?.address ?? 0))
        check(after: phase)
        if violations.isEmpty && model.set.violations.count == modelViolationsSeen, let followUp = injection.followUp {
            followUp.run(on: model.thread, ledger: &injectionLedger)
        }
    }

    /// How much of each block the workers' patterns cover (`check_content`): written at
    /// allocation, verified at every heap check and before every free.
    var contentCoverage: PatternCoverage { scenario.checkContent == .full ? .whole : .headAndTail }

    /// The full check: the heap checker over the model with every worker's blocks as
    /// ledgers; for other targets, every live block's pattern. Returns the wall time it
    /// took, ledgers and findings included: what the phase's report calls checking.
    @discardableResult
    func check(after phase: String) -> UInt64 {
        let start = monotonicNanoseconds()
        checkEverything(after: phase)
        return monotonicNanoseconds() &- start
    }

    private func checkEverything(after phase: String) {
        if let model {
            var ledgers = [injectionLedger]
            for i in 0..<threads {
                var ledger = Ledger(coverage: contentCoverage, capacity: tables[i].count)
                let table = tables[i]
                for slot in 0..<table.count where table.address(slot) != 0 {
                    ledger.adopt(UnsafeMutableRawPointer(bitPattern: table.address(slot))!, requestSize: table.size(slot), id: table.id(slot))
                }
                ledgers.append(ledger)
            }
            let report = checker.check(model.set, ledgers: ledgers, logs: operationLogs())
            for v in report.violations {
                violations.append(ViolationRecord(phase: phase, invariant: v.invariant.rawValue, message: v.message, detail: v.description))
            }
            let detailed = Dictionary(grouping: report.violations, by: \.invariant).mapValues(\.count)
            for (id, count) in report.counts where count > detailed[id, default: 0] {
                let more = count - detailed[id, default: 0]
                violations.append(ViolationRecord(phase: phase, invariant: id.rawValue, message: "\(more) more violations of \(id.rawValue)", detail: ""))
            }
        } else {
            for i in 0..<threads {
                let table = tables[i]
                for slot in 0..<table.count where table.address(slot) != 0 {
                    _ = intact(table, slot, i, "check")
                }
            }
        }
    }

    /// Moves what the workers reported and what the model's runtime checks recorded into
    /// the run's violations.
    func collectRuntimeFindings(_ phase: String) {
        let found = problems.withLock { found in
            defer { found.removeAll() }
            return found
        }
        for var v in found {
            v.phase = phase
            violations.append(v)
        }
        guard let model else { return }
        let all = model.set.violations
        for v in all.dropFirst(modelViolationsSeen) {
            violations.append(ViolationRecord(phase: phase, invariant: "runtime", message: v.message, detail: v.description))
        }
        modelViolationsSeen = all.count
    }

    /// The workers' operation logs in the checker's form, ordered by one sequence.
    func operationLogs() -> [OperationLog] {
        scheduler.workers.map { worker in
            var log = OperationLog(thread: worker.index, capacity: 256)
            for e in worker.opLog.recent {
                let p = UnsafeMutableRawPointer(bitPattern: e.address)
                let seq = UInt64(e.sequence)
                switch e.kind {
                case .malloc: log.record(.malloc, size: e.size, result: p, sequence: seq)
                case .calloc: log.record(.calloc, size: e.size, result: p, sequence: seq)
                case .memalign: log.record(.memalign, size: e.size, result: p, sequence: seq)
                case .realloc: log.record(.realloc, size: e.size, result: p, sequence: seq)
                case .free, .remoteFree: log.record(.free, pointer: p, size: e.size, sequence: seq)
                case .trim: log.record(.trim, sequence: seq)
                case .inject: log.record(.injection, pointer: p, size: e.size, sequence: seq)
                }
            }
            return log
        }
    }

    /// The model's heap, chunk by chunk, as offsets within each heap: equal for equal
    /// heaps wherever the kernel put them. FNV-1a over (arena, heap, offset, size, flags, state).
    func heapDigest() -> (digest: String, chunks: Int)? {
        guard let model else { return nil }
        let dump = checker.dump(model.set)
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        func mix(_ v: Int) {
            var x = UInt64(bitPattern: Int64(v))
            for _ in 0..<8 {
                hash = (hash ^ (x & 0xFF)) &* 0x100_0000_01B3
                x >>= 8
            }
        }
        var bases: [String: UInt] = [:]
        for span in dump.spans {
            let key = "\(span.arena ?? -1)/\(span.heap ?? -1)"
            let base = bases[key] ?? span.address
            bases[key] = base
            mix(span.arena ?? -1)
            mix(span.heap ?? -1)
            mix(span.arena == nil ? 0 : Int(span.address - base))
            mix(span.size)
            mix(span.flags)
            mix(ChunkState.allCases.firstIndex(of: span.state)!)
        }
        return (String(hash, radix: 16), dump.spans.count)
    }
}

extension ViolationRecord {
    /// The invariant of the finding made when an injection cannot be set up.
    static var injectionNotSetUp: String { "inject" }
}
