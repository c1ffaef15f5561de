/// What a chunk is, as a heap map draws it.
public enum ChunkState: String, Sendable, Codable, CaseIterable {
    case inUse, tcache, fastbin, unsorted, smallbin, largebin, top, fencepost, mmapped
}

/// One chunk of the heap, as data for reports.
public struct ChunkSpan: Sendable, Equatable, Codable {
    public let address: UInt
    public let size: Int
    /// The size field's three flag bits: PREV_INUSE 1, IS_MMAPPED 2, NON_MAIN_ARENA 4.
    public let flags: Int
    public internal(set) var state: ChunkState
    /// The arena's and heap's index in the check (nil for mmapped chunks).
    public let arena: Int?
    public let heap: Int?
}

/// One bin, tcache bin or fastbin with its chain.
public struct BinChain: Sendable, Equatable {
    public enum Kind: String, Sendable { case tcache, fast, unsorted, small, large }
    public let kind: Kind
    /// The thread (tcache) or the arena (the others) the list belongs to.
    public let owner: Int
    /// The bin's index in its array (tcache 0-63, fastbin 0-9, bins 1-127).
    public let index: Int
    /// The one chunk size of a tcache bin, fastbin or small bin.
    public let chunkSize: Int?
    /// A tcache bin's count field.
    public let count: Int?
    /// The chunks in list order (fd order for bins).
    public let entries: [UInt]
    /// False when the walk stopped at a corrupted link or a cycle.
    public let isComplete: Bool
}

/// The heap for people, as pwndbg's `bins` and `heap` print it, and as data: chunk spans
/// with their states and bin chains, for the reports to draw.
public struct HeapDump: Sendable {
    /// Every chunk the walks found, heap by heap, then the mmapped chunks.
    public let spans: [ChunkSpan]
    /// Every non-empty list.
    public let chains: [BinChain]
    /// The check made on the way.
    public let report: HeapReport
    /// pwndbg's `heap`: each chunk with its kind, flags, address and size, and the links
    /// of free chunks (read now: the heap must not have changed since the dump).
    public var heapText: String { spans.map(Self.chunkText).joined(separator: "\n\n") }

    init(spans: [ChunkSpan], chains: [BinChain], report: HeapReport) {
        var listed: [UInt: ChunkState] = [:]
        for chain in chains {
            let state: ChunkState = switch chain.kind {
            case .tcache: .tcache
            case .fast: .fastbin
            case .unsorted: .unsorted
            case .small: .smallbin
            case .large: .largebin
            }
            for entry in chain.entries { listed[entry] = state }
        }
        self.spans = spans.map { span in
            var refined = span
            if span.state == .unsorted || span.state == .tcache, let state = listed[span.address] { refined.state = state }
            return refined
        }
        self.chains = chains
        self.report = report
    }

    /// pwndbg's `bins`: tcache bins with counts, fastbins, unsorted, small and large bins,
    /// each with its chain.
    public var binsText: String {
        var lines: [String] = []
        let threads = Set(chains.filter { $0.kind == .tcache }.map(\.owner)).sorted()
        for thread in threads {
            lines.append("tcachebins (thread \(thread))")
            for chain in chains where chain.kind == .tcache && chain.owner == thread {
                let count = String(chain.count ?? 0)
                lines.append("0x\(Hex.string(UInt(chain.chunkSize ?? 0))) [\(String(repeating: " ", count: max(0, 3 - count.count)))\(count)]: "
                             + Self.chainText(chain.entries.map { $0 &+ 16 }, complete: chain.isComplete))
            }
        }
        let arenas = Set(chains.filter { $0.kind != .tcache }.map(\.owner)).union([0]).sorted()
        for arena in arenas {
            let mine = chains.filter { $0.kind != .tcache && $0.owner == arena }
            lines.append("fastbins (arena \(arena))")
            for bin in 0..<10 {
                let chain = mine.first { $0.kind == .fast && $0.index == bin }
                lines.append("0x\(Hex.string(UInt(0x20 + 16 * bin))): " + Self.chainText(chain?.entries ?? [], complete: chain?.isComplete ?? true))
            }
            for (kind, title) in [(BinChain.Kind.unsorted, "unsortedbin"), (.small, "smallbins"), (.large, "largebins")] {
                lines.append("\(title) (arena \(arena))")
                let bins = mine.filter { $0.kind == kind }
                if bins.isEmpty { lines.append(kind == .unsorted ? "all: 0x0" : "empty") }
                for chain in bins {
                    let label = kind == .unsorted ? "all" : chain.chunkSize.map { "0x\(Hex.string(UInt($0)))" } ?? "bin \(chain.index)"
                    lines.append("\(label) [\(chain.entries.count)]: " + Self.chainText(chain.entries, complete: chain.isComplete))
                }
            }
        }
        return lines.joined(separator: "\n")
    }

    private static func chunkText(_ span: ChunkSpan) -> String {
            let kind = switch span.state {
            case .inUse: "Allocated chunk"
            case .top: "Top chunk"
            case .fencepost: "Fencepost"
            case .mmapped: "Allocated chunk (mmapped)"
            case .tcache: "Free chunk (tcachebins)"
            case .fastbin: "Free chunk (fastbins)"
            case .unsorted: "Free chunk (unsortedbin)"
            case .smallbin: "Free chunk (smallbins)"
            case .largebin: "Free chunk (largebins)"
            }
            let flags = [(1, "PREV_INUSE"), (2, "IS_MMAPPED"), (4, "NON_MAIN_ARENA")].filter { span.flags & $0.0 != 0 }.map(\.1)
            var lines = [kind + (flags.isEmpty ? "" : " | " + flags.joined(separator: " | ")),
                         "Addr: 0x\(Hex.string(span.address))",
                         "Size: 0x\(Hex.string(UInt(bitPattern: span.size))) (with flag bits: 0x\(Hex.string(UInt(bitPattern: span.size | span.flags))))"]
            if [.tcache, .fastbin, .unsorted, .smallbin, .largebin].contains(span.state) {
                lines.append("fd: 0x\(Hex.string(GlibcLayout.peek(span.address &+ GlibcLayout.fd)))")
                if span.state != .fastbin { lines.append("bk: 0x\(Hex.string(GlibcLayout.peek(span.address &+ GlibcLayout.bk)))") }
            }
            return lines.joined(separator: "\n")
    }

    private static func chainText(_ entries: [UInt], complete: Bool) -> String {
        let links = entries.map { "0x\(Hex.string($0))" } + [complete ? "0x0" : "(corrupted)"]
        return links.dropLast().map { $0 + " —▸ " }.joined() + (entries.isEmpty ? "" : "◂— ") + links.last!
    }
}
