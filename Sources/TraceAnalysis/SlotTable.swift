/// The trace's blocks as a replay holds them: per slot, the block, the bytes asked for
/// and the op that allocated it; and the bytes live in all, leaked blocks included (a
/// slot filled again leaks its block, and the block stays live, as in the program).
struct SlotTable {
    private(set) var blocks: [UnsafeMutableRawPointer?] = []
    private(set) var requested: [Int] = []
    private(set) var origins: [Int] = []
    /// Blocks whose slot was filled again: their chunk's address, and the op that made them.
    private(set) var leaked: [UInt: Int] = [:]
    /// Bytes asked for by the blocks alive now.
    private(set) var liveBytes = 0

    init(slotCount: Int) {
        blocks = Array(repeating: nil, count: slotCount)
        requested = Array(repeating: 0, count: slotCount)
        origins = Array(repeating: -1, count: slotCount)
    }

    /// The block in `slot`.
    subscript(slot: Int) -> UnsafeMutableRawPointer? { blocks[slot] }

    /// `slot` holds `block` (nil: the call failed and the slot is empty), of `bytes`
    /// asked for, made by op `op`; a block already there is leaked.
    mutating func fill(_ slot: Int, with block: UnsafeMutableRawPointer?, bytes: Int, op: Int) {
        if let old = blocks[slot] { leaked[UInt(bitPattern: old) &- 16] = origins[slot] }
        blocks[slot] = block
        requested[slot] = block == nil ? 0 : bytes
        origins[slot] = op
        liveBytes &+= requested[slot]
    }

    /// The block in `slot` was freed, or moved by realloc (then `fill` follows).
    mutating func empty(_ slot: Int) {
        liveBytes &-= requested[slot]
        blocks[slot] = nil
        requested[slot] = 0
        origins[slot] = -1
    }

    /// The op that allocated each live block, by its chunk's address.
    var originsByChunk: [UInt: Int] {
        var byChunk = leaked
        for (slot, block) in blocks.enumerated() {
            if let block { byChunk[UInt(bitPattern: block) &- 16] = origins[slot] }
        }
        return byChunk
    }
}
