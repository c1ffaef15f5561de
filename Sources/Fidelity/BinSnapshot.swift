/// The state of the arenas' bins at one moment, as rows of text that the model and
/// glibc-replay both write (`dump LABEL VALUES`): for the main arena, then for each
/// other arena in creation order (its rows labelled `aK `), top (offset, size), the
/// last remainder, system_mem, the binmap, every non-empty fastbin and bin; then the
/// main thread's tcache bins; chunks by offset, first chunk first (bins with sizes,
/// `offset:size`).
///
/// An offset in the main heap is in hex; in a non-main heap it is `K/H/OFFSET` (arena,
/// heap within it, offset in hex). An address outside every heap is `x` (a broken
/// list), a null pointer `-`.
public struct BinSnapshot: Sendable, Equatable {
    /// One line of the dump.
    public struct Row: Sendable, Equatable {
        /// `top`, `fast 3`, `bin 1`, `tcache 5`, `tcache at`, ...
        public let label: String
        /// The rest of the line, word by word.
        public let values: [String]
    }

    /// In the order they were written.
    public let rows: [Row]

    /// Reads glibc-replay's `dump` lines.
    public init(dumpLines: [String]) {
        rows = dumpLines.map { line in
            var words = line.split(separator: " ").map(String.init)
            if words.first == "dump" { words.removeFirst() }
            // A non-main arena's rows start with `aK`.
            let arenaWords = words.first.map { $0.hasPrefix("a") && Int($0.dropFirst()) != nil } == true ? 1 : 0
            let labelWords = arenaWords + (["fast", "bin", "tcache"].contains(words.dropFirst(arenaWords).first) ? 2 : 1)
            return Row(label: words.prefix(labelWords).joined(separator: " "), values: Array(words.dropFirst(labelWords)))
        }
    }

    /// The `dump` lines themselves.
    public var dumpLines: [String] {
        rows.map { (["dump", $0.label] + $0.values).joined(separator: " ") }
    }

    /// The row labelled `label`, if the bin (or field) was written.
    public func row(_ label: String) -> Row? { rows.first { $0.label == label } }
}
