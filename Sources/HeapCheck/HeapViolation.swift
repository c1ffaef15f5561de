/// One broken invariant, told so that a person can act on it: which rule, where
/// (arena, heap, chunk and its offset in the heap), what was expected and what was
/// found, the memory around it, and the last operations that touched the chunk.
public struct HeapViolation: Sendable, Equatable, CustomStringConvertible {
    /// The invariant broken.
    public let invariant: InvariantID
    /// What is wrong, in one sentence.
    public let message: String
    /// The arena's malloc_state address, or 0 where no arena is concerned (mmapped
    /// chunks, ledger blocks outside every heap).
    public let arena: UInt
    /// The arena's position in the arena ring (0 is the main arena), if known.
    public let arenaIndex: Int?
    /// The heap's first byte (heap_info for a non-main heap, the break's start for
    /// the main heap), or 0 where the address lies in no heap.
    public let heap: UInt
    /// The chunk concerned (its prev_size field), or 0.
    public let chunk: UInt
    /// `chunk - heap`, if both are known.
    public let offset: Int?
    /// What a sound heap would hold there.
    public let expected: String
    /// What the memory holds.
    public let actual: String
    /// A hex dump of the neighbourhood, two 8-byte words a row, chunk boundaries marked
    /// (pwndbg's vis_heap_chunks); empty when the address is outside the model's memory
    /// or the report's detail budget was spent.
    public internal(set) var neighbourhood: String
    /// The last logged operations that touched the chunk, oldest first.
    public internal(set) var recentOperations: [LoggedOperation]

    public var description: String {
        var lines = ["\(invariant) \(invariant.title): \(message)"]
        var place: [String] = []
        if let arenaIndex { place.append("arena \(arenaIndex) (0x\(Hex.string(arena)))") }
        if heap != 0 { place.append("heap 0x\(Hex.string(heap))") }
        if chunk != 0 { place.append("chunk 0x\(Hex.string(chunk))" + (offset.map { " (+0x\(Hex.string(UInt($0))))" } ?? "")) }
        if !place.isEmpty { lines.append("  at " + place.joined(separator: ", ")) }
        lines.append("  expected \(expected), found \(actual)")
        if !neighbourhood.isEmpty { lines.append(neighbourhood) }
        if !recentOperations.isEmpty {
            lines.append("  last operations on this chunk:")
            lines += recentOperations.map { "    \($0)" }
        }
        return lines.joined(separator: "\n")
    }
}

/// Hexadecimal formatting without Foundation.
enum Hex {
    static func string(_ value: UInt) -> String { String(value, radix: 16) }
    /// A 64-bit word as 16 hex digits.
    static func word(_ value: UInt) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
    static func signed(_ value: Int) -> String { value < 0 ? "-0x" + String(-value, radix: 16) : "0x" + String(value, radix: 16) }
}
