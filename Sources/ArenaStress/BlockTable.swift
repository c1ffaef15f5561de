/// A worker's live blocks, in raw memory only that worker touches while a phase runs:
/// per slot the address (0 for an empty slot), the bytes asked for, and the id whose
/// pattern the block holds.
///
/// Slots `0 ..< count` are in use; `allocate` appends, `free` and `churn` may leave
/// empty slots that `compact()` squeezes out, keeping the others in order (oldest first).
struct BlockTable {
    static let stride = 24
    private(set) var base: UnsafeMutableRawPointer
    private(set) var capacity: Int
    var count = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 16)
        base = .allocate(byteCount: self.capacity * Self.stride, alignment: 64)
        base.initializeMemory(as: UInt8.self, repeating: 0, count: self.capacity * Self.stride)
    }

    func deallocate() { base.deallocate() }

    @inline(__always) func address(_ slot: Int) -> UInt { base.load(fromByteOffset: slot &* Self.stride, as: UInt.self) }
    @inline(__always) func size(_ slot: Int) -> Int { base.load(fromByteOffset: slot &* Self.stride &+ 8, as: Int.self) }
    @inline(__always) func id(_ slot: Int) -> UInt64 { base.load(fromByteOffset: slot &* Self.stride &+ 16, as: UInt64.self) }

    @inline(__always)
    func set(_ slot: Int, address: UInt, size: Int, id: UInt64) {
        let p = base + slot &* Self.stride
        p.storeBytes(of: address, as: UInt.self)
        p.storeBytes(of: size, toByteOffset: 8, as: Int.self)
        p.storeBytes(of: id, toByteOffset: 16, as: UInt64.self)
    }

    /// Sets a slot's address and size, leaving its id as it was.
    @inline(__always)
    func set(_ slot: Int, address: UInt, size: Int) {
        let p = base + slot &* Self.stride
        p.storeBytes(of: address, as: UInt.self)
        p.storeBytes(of: size, toByteOffset: 8, as: Int.self)
    }

    @inline(__always) func clear(_ slot: Int) { base.storeBytes(of: UInt(0), toByteOffset: slot &* Self.stride, as: UInt.self) }

    /// Makes room for at least `slots` slots, the new ones empty.
    mutating func reserve(_ slots: Int) {
        guard slots > capacity else { return }
        var newCapacity = capacity
        while newCapacity < slots { newCapacity *= 2 }
        let grown = UnsafeMutableRawPointer.allocate(byteCount: newCapacity * Self.stride, alignment: 64)
        grown.initializeMemory(as: UInt8.self, repeating: 0, count: newCapacity * Self.stride)
        grown.copyMemory(from: base, byteCount: count * Self.stride)
        base.deallocate()
        base = grown
        capacity = newCapacity
    }

    /// Removes the empty slots below `count`, keeping the order of the others.
    mutating func compact() {
        var kept = 0
        for slot in 0..<count where address(slot) != 0 {
            if kept != slot { set(kept, address: address(slot), size: size(slot), id: id(slot)) }
            kept += 1
        }
        for slot in kept..<count { clear(slot) }
        count = kept
    }

    /// The number of live blocks and their bytes.
    func live() -> (blocks: Int, bytes: Int) {
        var blocks = 0, bytes = 0
        for slot in 0..<count where address(slot) != 0 {
            blocks += 1
            bytes += size(slot)
        }
        return (blocks, bytes)
    }
}
