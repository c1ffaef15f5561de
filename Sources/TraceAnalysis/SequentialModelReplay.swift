import ArenaModel
import Fidelity

/// The trace on the model one op at a time, in trace order, on the calling thread: the
/// same heap every time (`analyze`'s default replay). Each thread of the trace gets a
/// modelled thread at its first op (the first one is the main thread, on the main
/// arena) and is detached at its `exit`. Every block the replay gets has a byte written
/// in each of its pages (up to 64 MiB), as the program would use it, so that resident bytes and what
/// malloc_trim gives back count the pages a program touches (glibc-replay --measure
/// does the same).
///
/// `TraceAnalyzer.model` replays through this class alone: a replay that runs each
/// trace thread on a pthread of its own (`--concurrent`) takes its place there.
final class SequentialModelReplay {
    let trace: Trace
    /// The modelled process.
    let set: ArenaSet
    /// The blocks of the trace, and who made them.
    private(set) var slots: SlotTable
    /// The next op to run.
    private(set) var next = 0
    private var threads: [Int: MallocThread] = [:]

    init(_ trace: Trace, tunables: Tunables) {
        self.trace = trace
        set = ArenaSet(tunables: tunables)
        slots = SlotTable(slotCount: trace.slotCount)
    }

    /// Whether every op has run.
    var isDone: Bool { next >= trace.events.count }

    /// Runs the next op.
    func step() {
        let index = next
        let event = trace.events[index]
        next += 1
        if case .exit = event.op {
            if let t = threads.removeValue(forKey: event.thread) { set.detach(t) }
            return
        }
        let t = thread(event.thread)
        guard let slot = event.slot, let (_, change) = event.op.call(on: t, block: slots[slot]) else {
            if case .trim(let pad) = event.op { set.trim(pad) }
            return
        }
        switch change {
        case .filled(let p, let requested):
            // A realloc's block replaces the one it came from (not a leak).
            if case .realloc = event.op { slots.empty(slot) }
            slots.fill(slot, with: touch(p, requested), bytes: requested, op: index)
        case .emptied:
            slots.empty(slot)
        case .unchanged:
            break
        }
    }

    /// The most bytes of a block `touch` writes to: a request the kernel overcommits is
    /// not made resident whole (glibc-replay --measure stops at the same).
    static let touchLimit = 64 << 20

    /// Writes a byte in every page of the `bytes` bytes at `block` (of its first
    /// `touchLimit`); returns `block`.
    private func touch(_ block: UnsafeMutableRawPointer?, _ requested: Int) -> UnsafeMutableRawPointer? {
        let bytes = min(requested, Self.touchLimit)
        guard let block, bytes > 0 else { return block }
        var at = 0
        while at < bytes {
            block.storeBytes(of: 1, toByteOffset: at, as: UInt8.self)
            at += 4096
        }
        block.storeBytes(of: 1, toByteOffset: bytes - 1, as: UInt8.self)
        return block
    }

    private func thread(_ id: Int) -> MallocThread {
        if let t = threads[id] { return t }
        let t = set.attachThread()
        threads[id] = t
        return t
    }
}
