import ArenaModel
import Randomness

/// A seeded random trace of many threads: 2 to 16 alive at once, each op on a random
/// one; blocks freed, realloc'd and memalign'd next to by any thread, so that frees go
/// to other threads' arenas; threads exit and new ones start, taking the arenas on the
/// free list; sizes across the tcache, fastbin, small, large and mmap ranges, and in
/// some traces blocks of megabytes, so that non-main heaps grow, shrink, fill (a new
/// heap follows) and are deleted; malloc_trim now and then.
///
/// Each seed draws a tunable setting from `settings` (in turn, so that every run of
/// `settings.count` seeds covers them all) and a profile: how many threads, how many
/// slots, which size ranges, how often threads exit.
struct ThreadedTrace {
    /// The tunable settings the traces cycle through (seed modulo their count), and
    /// whether the trace's blocks reach megabytes.
    static let settings: [(tunables: String, bigBlocks: Bool)] = [
        ("default", false), ("arena_max=1", false), ("arena_max=2", false), ("arena_test=1", false),
        ("default", true), ("mmap_threshold=33554432 trim_threshold=1048576", true),
        ("arena_max=4 tcache_count=0", false), ("arena_max=2 mxfast=0 top_pad=4096 trim_threshold=65536", false),
        ("arena_max=3 perturb=165", false), ("tcache_count=3 tcache_max=100 arena_test=2", false),
    ]

    private var rng: SplitMix64
    private let seed: UInt64
    private let ops: Int
    private let tunables: Tunables
    private let bigBlocks: Bool
    private let maxThreads: Int
    private let rangeWeights: [Int]
    private let exitWeight: Int

    private static let ranges: [ClosedRange<Int>] = [
        0...120, 121...1032, 1033...8192, 8193...131_072, 131_073...1_000_000, 1_000_001...8_000_000,
    ]
    private static let alignments = [16, 32, 64, 128, 256, 1024, 4096, 48, 100]

    private var live: [Int] = [], empty: [Int] = [], position: [Int] = []
    /// The threads alive, the main one (0) first; the next new thread's number.
    private var threads: [Int] = [0]
    private var nextThread = 1
    private var events: [TraceEvent] = []

    init(seed: UInt64, ops: Int) {
        var rng = SplitMix64(seed: seed)
        self.seed = seed
        self.ops = ops
        let setting = ThreadedTrace.settings[Int(seed % UInt64(ThreadedTrace.settings.count))]
        var t = Tunables()
        t.apply(traceComment: Tunables.traceCommentPrefix + " " + setting.tunables)
        tunables = t
        bigBlocks = setting.bigBlocks
        maxThreads = bigBlocks ? rng.within(2...6) : rng.within(2...16)
        let slotCount = [64, 256, 1024][rng.below(3)]
        if bigBlocks {
            rangeWeights = [30, 30, 15, 10, 8, 7]
        } else {
            switch rng.below(3) {
            case 0: rangeWeights = [30, 35, 20, 12, 3, 0]
            case 1: rangeWeights = [60, 25, 10, 5, 0, 0]
            default: rangeWeights = [10, 20, 30, 35, 5, 0]
            }
        }
        exitWeight = [2, 8, 20][rng.below(3)]
        self.rng = rng
        empty = Array(0..<slotCount)
        position = Array(0..<slotCount)
    }

    consuming func make() -> Trace {
        events.reserveCapacity(ops + 1)
        // The trace's first thread is the main thread, which never exits: make it 0.
        if ops > 0 { mainMalloc() }
        while events.count < ops {
            switch rng.pick([400, 380, 80, 30, 50, 3, exitWeight, 10]) {
            case 0: fill(.malloc(size: size(), slot: emptySlot()))
            case 1: free()
            case 2: realloc()
            case 3:
                let count = rng.within(1...8)
                fill(.calloc(count: count, size: min(size(), 100_000) / count, slot: emptySlot()))
            case 4:
                let alignment = ThreadedTrace.alignments[rng.below(ThreadedTrace.alignments.count)]
                fill(.memalign(alignment: alignment, size: size(), slot: emptySlot()))
            case 5: add(.trim(pad: [0, 0, 4096, 65536][rng.below(4)]))
            case 6:
                // A thread other than the main one ends.
                guard threads.count > 1 else { continue }
                let i = rng.within(1...(threads.count - 1))
                events.append(TraceEvent(thread: threads[i], .exit))
                threads.remove(at: i)
            default:
                if threads.count < maxThreads {
                    threads.append(nextThread)
                    nextThread += 1
                }
            }
        }
        let profile = "threads=\(maxThreads) ranges=\(rangeWeights) exits=\(exitWeight)"
        return Trace(comments: [tunables.traceComment, "kind=threads seed=\(seed) count=\(ops) \(profile)"],
                     events: Array(events.prefix(ops)))
    }

    /// A malloc on the main thread.
    private mutating func mainMalloc() {
        let slot = emptySlot()
        ThreadedTrace.move(slot, from: &empty, to: &live, &position)
        events.append(TraceEvent(thread: 0, .malloc(size: size(), slot: slot)))
    }

    /// An op on a random thread alive, new threads more often (so that they start soon).
    private mutating func add(_ op: TraceEvent.Op) {
        let i = rng.below(4) == 0 ? threads.count - 1 : rng.below(threads.count)
        events.append(TraceEvent(thread: threads[i], op))
    }

    private mutating func size() -> Int { rng.within(ThreadedTrace.ranges[rng.pick(rangeWeights)]) }

    private mutating func emptySlot() -> Int {
        if empty.isEmpty { free() }
        return empty[rng.below(empty.count)]
    }

    private mutating func fill(_ op: TraceEvent.Op) {
        let slot = TraceEvent(thread: 0, op).slot!
        ThreadedTrace.move(slot, from: &empty, to: &live, &position)
        add(op)
    }

    /// Resizes a random live block, on any thread (sometimes to 0, which frees it).
    private mutating func realloc() {
        guard !live.isEmpty else { return }
        let slot = live[rng.below(live.count)]
        let size = rng.below(30) == 0 ? 0 : self.size()
        if size == 0 { ThreadedTrace.move(slot, from: &live, to: &empty, &position) }
        add(.realloc(size: size, slot: slot))
    }

    /// Frees a random live block, on any thread: often not the one that allocated it.
    private mutating func free() {
        guard !live.isEmpty else { return }
        let slot = live[rng.below(live.count)]
        ThreadedTrace.move(slot, from: &live, to: &empty, &position)
        add(.free(slot: slot))
    }

    private static func move(_ slot: Int, from source: inout [Int], to destination: inout [Int], _ position: inout [Int]) {
        let i = position[slot]
        let last = source.removeLast()
        if last != slot {
            source[i] = last
            position[last] = i
        }
        position[slot] = destination.count
        destination.append(slot)
    }
}
