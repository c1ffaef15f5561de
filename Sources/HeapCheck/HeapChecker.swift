import ArenaModel

/// Checks every invariant of the catalogue over a whole `ArenaSet`: all arenas, heaps,
/// bins, tcaches and mmapped chunks, and the workload's ledgers (G1-G3).
///
/// Nothing read from heap memory is trusted: the checker starts from the model's
/// static data (the main arena, the break, the thread list, the mmap registry),
/// validates each arena and heap_info before it reads a heap, reads chunk words only
/// inside a heap's extent, follows a list pointer only once it lies on a 16-byte
/// boundary in a heap of the right arena, and marks each list entry so that a cycle
/// ends its walk. A corrupted heap yields violations, never a crash or a hang.
///
/// Call it with the world stopped: no thread may use the model during a check. One
/// checker keeps its scratch memory between checks; use one per thread.
public final class HeapChecker {
    /// How many violations of each invariant a report keeps with their full detail
    /// (text, hex dump, operations); the rest are only counted.
    public var detailLimit: Int
    private let probe = MemoryProbe()
    private var marks: UnsafeMutablePointer<UInt64>
    private var markCapacity = 0

    public init(detailLimit: Int = 8) {
        self.detailLimit = detailLimit
        marks = .allocate(capacity: 0)
    }

    deinit { marks.deallocate() }

    /// Every invariant over `set`, the ledgers' blocks included; violations name the
    /// last operations of `logs` that touched their chunk.
    public func check(_ set: ArenaSet, ledgers: [Ledger] = [], logs: [OperationLog] = []) -> HeapReport {
        var run = start(set, recording: false)
        run.checkEverything(set, ledgers: ledgers)
        return report(run, logs: logs)
    }

    /// The heap as pwndbg's `heap` and `bins` show it, and as data, with the check's report.
    public func dump(_ set: ArenaSet, ledgers: [Ledger] = []) -> HeapDump {
        var run = start(set, recording: true)
        run.checkEverything(set, ledgers: ledgers)
        for chunk in set.mmappedChunks {
            let head = GlibcLayout.peek(chunk &+ 8)
            run.spans!.append(ChunkSpan(address: chunk, size: Int(bitPattern: head & ~GlibcLayout.flagBits), flags: Int(head & 7), state: .mmapped, arena: nil, heap: nil))
        }
        return HeapDump(spans: run.spans!, chains: run.chains!, report: report(run, logs: []))
    }

    private func start(_ set: ArenaSet, recording: Bool) -> CheckRun {
        var findings = FindingLog(detailLimit: detailLimit)
        let map = ModelMap.discover(set, probe: probe, findings: &findings)
        let words = map.heaps.reduce(0) { $0 + $1.markWordCount }
        if words > markCapacity {
            marks.deallocate()
            marks = .allocate(capacity: words)
            marks.initialize(repeating: 0, count: words)
            markCapacity = words
        }
        return CheckRun(parameters: set.parameters, map: map, marks: marks, findings: findings, recording: recording)
    }

    private func report(_ run: CheckRun, logs: [OperationLog]) -> HeapReport {
        let violations = run.findings.findings.map { finding -> HeapViolation in
            var violation = run.violation(finding)
            if finding.chunk != 0 && !logs.isEmpty {
                var chunkSize: UInt = 32
                if run.map.isReadable(finding.chunk, span: 16) {
                    chunkSize = min(max(GlibcLayout.peek(finding.chunk &+ 8) & ~GlibcLayout.flagBits, 16), 1 << 16)
                }
                violation.recentOperations = OperationLog.lastTouching(finding.chunk..<finding.chunk &+ chunkSize, in: logs, limit: 6)
            }
            return violation
        }
        return HeapReport(violations: violations.sorted { $0.invariant < $1.invariant }, counts: run.findings.counts,
                          statistics: run.statistics)
    }
}

extension CheckRun {
    /// The whole check, in the order that lets each step use the one before.
    mutating func checkEverything(_ set: ArenaSet, ledgers: [Ledger]) {
        checkMmapped(set.mmappedChunks)
        checkTcaches(set.threadCaches)
        for arena in map.arenas.indices {
            checkFastbins(of: arena)
            checkBins(of: arena)
        }
        markLedger(ledgers)
        walkHeaps()
        sweepUnmatchedMarks()
        verifyLedger(ledgers)
        checkAccounting()
    }
}

/// What one check found.
public struct HeapReport: Sendable, CustomStringConvertible {
    /// The violations kept with their detail, in catalogue order.
    public let violations: [HeapViolation]
    /// Every violation found, by invariant, those without detail included.
    public let counts: [InvariantID: Int]
    public let statistics: HeapStatistics

    /// True when no invariant is broken.
    public var isSound: Bool { counts.isEmpty }

    /// The invariants broken.
    public var brokenInvariants: [InvariantID] { counts.keys.sorted() }

    public var description: String {
        let s = statistics
        var lines = ["heap check: \(s.arenas) arenas, \(s.heaps) heaps, \(s.chunks) chunks, \(s.mmappedChunks) mmapped, \(s.ledgerBlocks) ledger blocks: "
            + (isSound ? "sound" : brokenInvariants.map { "\($0) x\(counts[$0]!)" }.joined(separator: ", "))]
        lines += violations.map(\.description)
        return lines.joined(separator: "\n")
    }
}

extension CheckRun {
    /// A finding dressed for people, without operations.
    func violation(_ finding: Finding) -> HeapViolation {
        let heap = finding.heap.map { map.heaps[$0].base } ?? 0
        return HeapViolation(
            invariant: finding.invariant, message: finding.message, arena: finding.arena.map { map.arenas[$0].address } ?? 0,
            arenaIndex: finding.arena, heap: heap, chunk: finding.chunk,
            offset: heap != 0 && finding.chunk >= heap ? Int(bitPattern: finding.chunk - heap) : nil,
            expected: finding.expected, actual: finding.actual,
            neighbourhood: neighbourhood(chunk: finding.chunk, field: finding.field), recentOperations: [])
    }
}
