import ArenaModel

// The kinds only threads make: one thread's tcache attacked through another thread's
// stale pointer. Both go through the model's own calls on two `MallocThread`s, so that
// the model's runtime checks (glibc 2.36's) see exactly what glibc would.
extension Corruptor {
    /// cross-thread-double-free: thread A frees a into its tcache, thread B frees it
    /// again into its own. B's free finds a's key and walks B's bin, where a is not.
    func crossThreadDoubleFree(_ set: ArenaSet, _ a: MallocThread, _ ledger: inout Ledger) throws -> (String, FollowUp?) {
        try requireTcache(set)
        let b = others[0]
        let size = cachedRequestSize(set)
        try drainTcacheBin(size, set, a, &ledger)
        let block = try blocksOfExactlyTheirSize(size, count: 1, set, a, &ledger)[0]
        // B's bin emptied, then given fewer chunks of its own than it takes: room for a.
        try drainTcacheBin(size, set, b, &ledger)
        let own = try blocksOfExactlyTheirSize(size, count: random.below(min(4, set.parameters.tcacheCount)), set, b, &ledger)
        own.forEach(b.free)
        a.free(block)
        b.free(block)
        let summary = "thread \(a.number) frees \(block) (\(size) bytes) into its tcache; thread \(b.number) frees it again into its own, "
            + "which holds \(own.count) other chunks: a is in both"
        return (summary, FollowUp(description: "malloc(\(size)) on thread \(a.number), then on thread \(b.number): the same block twice") { t, _ in
            _ = t.malloc(size)
            _ = b.malloc(size)
        })
    }

    /// remote-tcache-write: thread B's block a, freed by its owner-to-be A into A's
    /// tcache, then 8 bytes through B's stale pointer over a's next or key.
    func remoteTcacheWrite(_ set: ArenaSet, _ owner: MallocThread, _ ledger: inout Ledger) throws -> (String, FollowUp?) {
        try requireTcache(set)
        let writer = others[0]
        let size = cachedRequestSize(set)
        try drainTcacheBin(size, set, owner, &ledger)
        let own = try blocksOfExactlyTheirSize(size, count: random.below(min(4, set.parameters.tcacheCount)), set, owner, &ledger)
        let block = try blocksOfExactlyTheirSize(size, count: 1, set, writer, &ledger)[0]
        own.forEach(owner.free)
        owner.free(block)
        let mem = UInt(bitPattern: block)
        let intoKey = random.below(2) == 0
        let field = intoKey ? mem + 8 : mem
        var value = UInt(random.next())
        if value == GlibcLayout.peek(field) { value = ~value }
        write(field, value)
        let summary = "thread \(writer.number)'s block \(block) (\(size) bytes), freed by thread \(owner.number) into its tcache after \(own.count) chunks "
            + "of its own; then 8 bytes over its \(intoKey ? "key" : "next") through thread \(writer.number)'s stale pointer"
        // The owner's second malloc of the size takes the entry a's next leads to: glibc
        // checks that it is aligned before it follows it, and an aligned one is not
        // followed here (it would lead anywhere).
        let revealed = (mem >> 12) ^ value
        guard !intoKey && revealed & 15 != 0 else { return (summary, nil) }
        return (summary, FollowUp(description: "malloc(\(size)) x2 on thread \(owner.number)") { t, _ in
            _ = t.malloc(size)
            _ = t.malloc(size)
        })
    }

    /// A request size that the model's tcache takes (below `tcache_max`).
    private func cachedRequestSize(_ set: ArenaSet) -> Int {
        let bins = min(set.parameters.tcacheBins, Layout.tcacheBinCount)
        let largest = Layout.minSize - Layout.sizeSize + Layout.alignment * (bins - 1)
        return 16 + random.below(largest - 15)
    }
}
