import Atomics

/// Where the workers of a step that hand blocks to each other count themselves done. A
/// worker that finished its own ops keeps emptying its inbox until every worker has
/// finished: a sender waiting on that inbox's full ring always gets room, so a remote
/// free asked for is never made local. Reset with the world stopped, between steps.
public final class FinishLine: @unchecked Sendable {
    private let word: UnsafeMutableRawPointer
    private var count: UnsafeAtomic<Int> { UnsafeAtomic(at: word.assumingMemoryBound(to: Int.AtomicRepresentation.self)) }

    public init() {
        word = .allocate(byteCount: 128, alignment: 128)
        word.initializeMemory(as: UInt8.self, repeating: 0, count: 128)
    }

    deinit { word.deallocate() }

    /// Counts one worker done.
    public func arrive() { count.wrappingIncrement(ordering: .releasing) }

    /// Whether `parties` workers have arrived.
    public func allArrived(_ parties: Int) -> Bool { count.load(ordering: .acquiring) >= parties }

    /// Ready for the next step; only with the world stopped.
    public func reset() { count.store(0, ordering: .relaxed) }
}
