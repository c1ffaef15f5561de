import ArenaModel

/// One check of one `ArenaSet`: the map of its memory, the chunk marks the list walks
/// leave for the heap walk, the findings and the tallies. Its extensions hold the
/// list walks, the heap walk, the ledger and the accounting.
///
/// Marks are two bits per 16-byte granule of each heap's chunk area: 0 nothing,
/// 1 in a regular bin, 2 in a fastbin or tcache, 3 a live ledger block. A list walk
/// marks each entry (a second mark on a granule is L6 or G2, and it also ends cycles);
/// the heap walk reads and clears the mark of each chunk it visits; marks left
/// afterwards are entries that lie on no chunk boundary.
struct CheckRun {
    static let binnedMark: UInt64 = 1
    static let cachedMark: UInt64 = 2
    static let liveMark: UInt64 = 3

    let parameters: ModelParameters
    var map: ModelMap
    let marks: UnsafeMutablePointer<UInt64>
    var findings: FindingLog
    var statistics = HeapStatistics()
    /// Marks set, and marks the walks met, by kind.
    var marked: (binned: Int, cached: Int, live: Int) = (0, 0, 0)
    var matched: (binned: Int, cached: Int, live: Int) = (0, 0, 0)
    /// Where each heap's walk stopped before its end, if it did.
    var walkStops: [UInt?]
    /// Per arena, the bytes G4 adds up.
    var tallies: [ArenaTally]
    /// The bytes every thread's tcache counts stand for (count x size class, bin by bin).
    var tcacheCountBytes: UInt = 0
    /// The bytes of the tcache entries the list walks reached, a chunk reached twice counted twice.
    var tcacheListBytes: UInt = 0
    /// Chunks (by address) whose ledger blocks must not be read: not matched, or conflicting.
    var unverifiableBlocks: Set<UInt> = []
    /// Mmapped chunks from the model's registry.
    var mmapped: Set<UInt> = []
    /// Bin chains and chunk spans, kept only for a heap dump.
    var chains: [BinChain]?
    var spans: [ChunkSpan]?
    /// Scratch for the first chunk of each size in a large bin.
    var sizeRunHeads: [UInt] = []
    /// How far ahead of the heap walk its loads run, in bytes.
    static let readAhead: UInt = 8192

    init(parameters: ModelParameters, map: ModelMap, marks: UnsafeMutablePointer<UInt64>, findings: FindingLog, recording: Bool) {
        self.parameters = parameters
        self.map = map
        self.marks = marks
        self.findings = findings
        walkStops = Array(repeating: nil, count: map.heaps.count)
        tallies = Array(repeating: ArenaTally(), count: map.arenas.count)
        if recording {
            chains = []
            spans = []
        }
        statistics.arenas = map.arenas.count
        statistics.heaps = map.heaps.count
    }

    /// Sets `code` on chunk `chunk` of heap `heap` unless it has a mark; returns the mark
    /// it had (0 if none).
    @inline(__always)
    mutating func mark(_ chunk: UInt, heap: Int, code: UInt64) -> UInt64 {
        let h = map.heaps[heap]
        let granule = (chunk &- h.firstChunk) >> 4
        let word = marks + h.markWords + Int(granule >> 5)
        let shift = UInt64((granule & 31) << 1)
        let old = (word.pointee >> shift) & 3
        guard old == 0 else { return old }
        word.pointee |= code << shift
        switch code {
        case CheckRun.binnedMark: marked.binned += 1
        case CheckRun.cachedMark: marked.cached += 1
        default: marked.live += 1
        }
        return 0
    }

    /// What a mark code means, for messages.
    static func markName(_ code: UInt64) -> String {
        switch code {
        case binnedMark: "a regular bin"
        case cachedMark: "a fastbin or tcache list"
        default: "the ledger as a live block"
        }
    }

    /// Adds a finding at chunk `chunk`, naming its heap and arena.
    mutating func note(_ invariant: InvariantID, chunk: UInt, field: UInt = 0, arena: Int? = nil,
                       _ message: @autoclosure () -> String, expected: @autoclosure () -> String, actual: @autoclosure () -> String) {
        let heap = map.heapBase(of: chunk)
        findings.add(invariant, arena: arena ?? heap.map { map.heaps[$0].arena }, heap: heap, chunk: chunk, field: field,
                     message: message(), expected: expected(), actual: actual())
    }
}

/// What a check counted on its way.
public struct HeapStatistics: Sendable, Equatable, Codable {
    public var arenas = 0
    public var heaps = 0
    /// Chunks the heap walks visited (fenceposts and top included).
    public var chunks = 0
    /// In-use chunks (the tcache structs and live blocks among them) and their bytes.
    public var inUseChunks = 0, inUseBytes = 0
    /// Chunks in regular bins and their bytes.
    public var binnedChunks = 0, binnedBytes = 0
    /// Chunks in fastbins and tcaches and their bytes.
    public var cachedChunks = 0, cachedBytes = 0
    /// Every arena's top, in bytes.
    public var topBytes = 0
    public var mmappedChunks = 0, mmappedBytes = 0
    /// Ledger blocks checked.
    public var ledgerBlocks = 0
}
