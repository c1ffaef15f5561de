import ArenaModel
import Contention
import Synchronization

/// The model in hardened mode, for debugging runs: every call made through one of its
/// `HardenedThread`s is followed by the cheap invariants around it, and the first
/// violation stops the model as a failed runtime check does (every later call returns
/// nil or does nothing), so the heap stays as it was for a full `HeapChecker` run.
///
/// After each call: the block handed out (W2, W7, G1; G5 for an mmapped one) and the
/// calling thread's tcache bin of its size (L2, L9, L10). While one thread is attached
/// (no other thread can be inside the model meanwhile) also: the block's successor
/// (W3), its arena's top (W1, W6) and unsorted bin head (L1); after a free too.
public final class HardenedHeap: @unchecked Sendable {
    /// The model checked.
    public let set: ArenaSet
    private struct State {
        var map: ModelMap?
        var violations: [HeapViolation] = []
    }
    private let state = Locked(State())
    private let probe = Locked(MemoryProbe())
    private let stopped = Atomic<Bool>(false)

    public init(_ set: ArenaSet) { self.set = set }

    /// A new thread of the model, hardened.
    public func attachThread() -> HardenedThread { HardenedThread(set.attachThread(), heap: self) }

    /// The violations found, the first of which stopped the model.
    public var violations: [HeapViolation] { state.withLock { $0.violations } }

    /// True once a cheap invariant or one of the model's runtime checks failed.
    public var isStopped: Bool { stopped.load(ordering: .relaxed) || !set.violations.isEmpty }

    /// Checks around a block handed out (`request` bytes) or freed (`mem` nil) by `thread`.
    func checkAfter(_ thread: MallocThread, mem: UInt?, request: Int, sizeClass: Int?) {
        guard set.violations.isEmpty else { return }
        let exclusive = !set.isMultiThreaded
        let found: [HeapViolation] = state.withLock { state in
            probe.withLock { probe in
                var findings = FindingLog(detailLimit: 4)
                if state.map == nil { state.map = ModelMap.discover(set, probe: probe, findings: &findings) }
                var run = quickRun(state.map!, findings)
                var refreshed = false
                func refresh() {
                    refreshed = true
                    var ignored = FindingLog(detailLimit: 0)
                    state.map = ModelMap.discover(set, probe: probe, findings: &ignored)
                    run = quickRun(state.map!, run.findings)
                }
                if let mem, !run.quickCheckBlock(mem, request: request, exclusive: exclusive, final: false, probe: probe) {
                    refresh()
                    if !run.quickCheckBlock(mem, request: request, exclusive: exclusive, final: true, probe: probe) {
                        run.note(.g1, chunk: mem &- 16, "block 0x\(Hex.string(mem)) lies in no heap and is not an mmapped chunk",
                                 expected: "a chunk of a heap or an mmapped chunk", actual: "0x\(Hex.string(mem))")
                    }
                }
                if let tcache = thread.tcacheAddress, let sizeClass, !run.quickCheckTcacheBin(tcache, bin: sizeClass, final: refreshed) {
                    refresh()
                    _ = run.quickCheckTcacheBin(tcache, bin: sizeClass, final: true)
                }
                if exclusive {
                    for arena in run.map.arenas.indices where !run.quickCheckArena(arena, final: refreshed) {
                        if !refreshed { refresh() }
                        if arena < run.map.arenas.count && !run.quickCheckArena(arena, final: true) {
                            run.note(.w1, chunk: GlibcLayout.peek(run.map.arenas[arena].address &+ GlibcLayout.top), arena: arena,
                                     "top lies in no heap of its arena", expected: "top in the arena's current heap", actual: "outside")
                        }
                    }
                }
                return run.findings.findings.map { run.violation($0) }
            }
        }
        guard !found.isEmpty else { return }
        state.withLock { $0.violations += found }
        stopped.store(true, ordering: .relaxed)
    }

    private func quickRun(_ map: ModelMap, _ findings: FindingLog) -> CheckRun {
        CheckRun(parameters: set.parameters, map: map, marks: HardenedHeap.noMarks, findings: findings, recording: false)
    }

    // The cheap checks set no marks.
    nonisolated(unsafe) private static let noMarks = UnsafeMutablePointer<UInt64>.allocate(capacity: 1)
}
