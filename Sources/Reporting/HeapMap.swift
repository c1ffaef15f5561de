/// One heap of the model at a phase's end, as a strip of equal cells: what the heap map
/// chart draws. Each cell covers `cellBytes` of the heap and keeps two things: the kind
/// of free chunk covering most of its free bytes, and the share of its bytes in use.
public struct HeapMap: Sendable, Codable, Equatable {
    /// The arena's index (0: main) and the heap's index within the check.
    public var arena: Int
    public var heap: Int
    /// The heap's extent in bytes, from its first chunk to the end of top.
    public var bytes: Int
    public var cellBytes: Int
    /// Per cell, the free kind with most bytes in it: `t` tcache, `f` fastbin,
    /// `u` unsorted, `s` small bin, `l` large bin, `T` top, `.` none (all in use).
    public var free: String
    /// Per cell, the tenths of its bytes in use, `0`-`9` (`1` at least if any is:
    /// a single live chunk in a cell must show).
    public var inUse: String

    public init(arena: Int, heap: Int, bytes: Int, cellBytes: Int, free: String, inUse: String) {
        self.arena = arena
        self.heap = heap
        self.bytes = bytes
        self.cellBytes = cellBytes
        self.free = free
        self.inUse = inUse
    }

    /// The free kinds, by code, as the chart's legend names them.
    public static let freeKinds: [(code: Character, name: String)] = [
        ("t", "tcache"), ("f", "fastbin"), ("u", "unsorted"), ("s", "small bin"), ("l", "large bin"), ("T", "top"),
    ]
}
