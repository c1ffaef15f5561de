/// A block the workload holds.
public struct LedgerBlock: Sendable, Hashable {
    /// The workload's name for the block; it seeds the block's content pattern.
    public let id: UInt64
    /// The pointer malloc returned.
    public let address: UInt
    /// The bytes asked for.
    public let requestSize: Int
}

/// What a worker holds, handed to the checker at the end of a phase (G1-G3): each
/// live block with its request size, and the pattern the ledger wrote into it.
///
/// A worker calls `add` right after an allocation (the pattern is written then) and
/// `remove` right before it frees or reallocates the block. Both are O(1).
public struct Ledger: Sendable {
    /// How much of each block the pattern covers, when it is written and when the
    /// checker verifies it: every byte unless asked otherwise.
    public let coverage: PatternCoverage
    /// The live blocks, in no particular order.
    public private(set) var blocks: [LedgerBlock] = []
    private var slotByAddress: [UInt: Int] = [:]

    public init(coverage: PatternCoverage = .whole, capacity: Int = 0) {
        self.coverage = coverage
        blocks.reserveCapacity(capacity)
        slotByAddress.reserveCapacity(capacity)
    }

    /// The number of live blocks.
    public var count: Int { blocks.count }

    /// Records the block malloc just returned at `pointer` and writes its pattern.
    public mutating func add(_ pointer: UnsafeMutableRawPointer, requestSize: Int, id: UInt64) {
        ContentPattern.fill(pointer, requestSize: requestSize, id: id, coverage: coverage)
        let address = UInt(bitPattern: pointer)
        slotByAddress[address] = blocks.count
        blocks.append(LedgerBlock(id: id, address: address, requestSize: requestSize))
    }

    /// Records a block whose pattern the workload already wrote (with this ledger's
    /// coverage), without writing it again: what the ledger is told at a phase's end.
    public mutating func adopt(_ pointer: UnsafeMutableRawPointer, requestSize: Int, id: UInt64) {
        let address = UInt(bitPattern: pointer)
        slotByAddress[address] = blocks.count
        blocks.append(LedgerBlock(id: id, address: address, requestSize: requestSize))
    }

    /// Forgets the block at `pointer`, before it is freed or reallocated; nil if the
    /// ledger does not hold it.
    @discardableResult
    public mutating func remove(_ pointer: UnsafeMutableRawPointer) -> LedgerBlock? {
        guard let slot = slotByAddress.removeValue(forKey: UInt(bitPattern: pointer)) else { return nil }
        let block = blocks[slot]
        let last = blocks.removeLast()
        if slot < blocks.count {
            blocks[slot] = last
            slotByAddress[last.address] = slot
        }
        return block
    }

    /// The block at `pointer`, if held.
    public func block(at pointer: UnsafeMutableRawPointer) -> LedgerBlock? {
        slotByAddress[UInt(bitPattern: pointer)].map { blocks[$0] }
    }
}
